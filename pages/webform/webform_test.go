package webform_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/pdftest"
	"github.com/guichet/guichet/internal/test/testkit"
	"github.com/guichet/guichet/submit"
)

const adminToken = "jeton-admin-des-tests"

// everyControl is a form with a field of each kind the pages render.
const everyControl = `{
	"title": "Aide aux familles — « test »", "audience": "public",
	"confirmation": "La Maison du Département vous répondra sous quinze jours.",
	"description": "Une démarche de démonstration.",
	"schema": {
		"type": "object",
		"required": ["nom", "email", "commune", "situation", "enfants"],
		"properties": {
			"nom": {"type": "string", "title": "Nom complet", "minLength": 1, "maxLength": 100},
			"email": {"type": "string", "title": "Courriel", "format": "email"},
			"telephone": {"type": "string", "title": "Téléphone", "format": "tel-fr"},
			"naissance": {"type": "string", "title": "Date de naissance", "format": "past-date"},
			"commune": {"type": "string", "title": "Commune", "enum": ["Metz", "Thionville", "Forbach", "Sarreguemines", "Yutz", "Hayange",
				"Bitche", "Autre"]},
			"situation": {"type": "string", "title": "Situation", "oneOf": [{"const": "seul", "title": "Seul ou seule"}, {"const": "couple",
				"title": "En couple"}]},
			"revenus": {"type": "number", "title": "Revenus mensuels (€)", "minimum": 0, "multipleOf": 0.01},
			"personnes": {"type": "integer", "title": "Personnes au foyer", "minimum": 1},
			"aides": {"type": "array", "title": "Aides déjà perçues", "uniqueItems": true, "items": {"enum": ["apl", "rsa", "af"],
				"enumNames": ["APL", "RSA", "Allocations familiales"]}},
			"certifie": {"type": "boolean", "title": "Je certifie l'exactitude de mes réponses"},
			"justificatif": {"type": "string", "format": "data-url", "title": "Avis d'imposition"},
			"foyer": {"type": "null", "title": "Votre foyer"},
			"note": {"type": "null", "title": "Note", "description": "Les montants sont mensuels."},
			"commentaire": {"type": "string", "title": "Commentaire", "maxLength": 2000},
			"adresse": {"type": "object", "title": "Adresse", "required": ["ville"], "properties": {
				"rue": {"type": "string", "title": "Rue"}, "ville": {"type": "string", "title": "Ville"}}},
			"enfants": {"type": "array", "title": "Enfants", "minItems": 1, "maxItems": 5, "items": {"type": "object",
				"required": ["prenom"], "properties": {
				"prenom": {"type": "string", "title": "Prénom"}, "age": {"type": "integer", "title": "Âge", "minimum": 0}}}}
		},
		"allOf": [{
			"if": {"properties": {"situation": {"const": "couple"}}, "required": ["situation"]},
			"then": {"properties": {"conjoint": {"type": "string", "title": "Nom du conjoint", "minLength": 1}}, "required": ["conjoint"]}
		}]
	},
	"uiSchema": {
		"ui:order": ["nom", "email", "telephone", "naissance", "commune", "situation", "foyer", "note", "revenus", "personnes", "aides",
			"adresse", "enfants", "justificatif", "commentaire", "certifie"],
		"telephone": {"ui:widget": "tel", "ui:help": "Par exemple 03 87 00 00 00"},
		"commune": {"ui:widget": "select"},
		"commentaire": {"ui:widget": "textarea", "ui:placeholder": "Précisez votre situation si besoin"},
		"foyer": {"ui:widget": "heading"},
		"note": {"ui:widget": "paragraph"}
	},
	"routing": {"default": "accueil"}
}`

func startWithForm(t *testing.T) string {
	_, base := startPublished(t, app.Config{}, map[string]string{"aide-familles": everyControl})
	return base
}

// startPublished starts Guichet with cfg, the tests' admin token and the
// "accueil" department, publishes the forms (definitions by id), and
// returns a client of its API and its address.
func startPublished(t *testing.T, cfg app.Config, forms map[string]string) (testkit.Client, string) {
	t.Helper()
	cfg.AdminToken = adminToken
	_, base := testkit.StartApp(t, cfg)
	api := testkit.Client{T: t, URL: base}
	api.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	for id, definition := range forms {
		api.Must(200, "PUT", "/api/forms/"+id+"/draft", adminToken, definition)
		api.Must(200, "POST", "/api/forms/"+id+"/publish", adminToken, "")
	}
	return api, base
}

func field(name string) chromedp.CSS { return chromedp.CSS(`[name="` + name + `"]`) }

// A person fills the form in chromium, with and without JavaScript: errors
// come back with a summary and nothing typed is lost; a repeatable group
// grows; the receipt gives the PDF.
func TestFillAndSend(t *testing.T) {
	base := startWithForm(t)
	for _, js := range []bool{true, false} {
		name := "with JavaScript"
		if !js {
			name = "without JavaScript"
		}
		t.Run(name, func(t *testing.T) {
			ctx := browsertest.New(t)
			if !js {
				browsertest.WithoutJavaScript(t, ctx)
			}
			if status := browsertest.Load(t, ctx, chromedp.Navigate(base+"/f/aide-familles")); status != http.StatusOK {
				t.Fatalf("form page: %d", status)
			}
			if h := browsertest.Text(t, ctx, "h2.form-heading"); h != "Votre foyer" {
				t.Errorf("heading %q", h)
			}
			if p := browsertest.Text(t, ctx, "p.form-text"); p != "Les montants sont mensuels." {
				t.Errorf("explanatory text %q", p)
			}
			// The phone field is as wide as the other text fields.
			if widths, _ := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`["telephone", "nom"].map(n => document.querySelector("[name=" + n + `+
				`"]").getBoundingClientRect().width)`)); len(widths) != 2 ||
				widths[0] != widths[1] {
				t.Errorf("phone and name widths: %v", widths)
			}
			// Wrong answers first, with a file.
			upload := filepath.Join(t.TempDir(), "avis-2026.pdf")
			if err := os.WriteFile(upload, []byte("%PDF-1.4\n% avis d'imposition\n%%EOF\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			browsertest.Do(t, ctx, chromedp.SetUploadFiles(field("justificatif"), []string{upload}))
			if js {
				// The file uploads on its own as soon as chosen (tus), and
				// the page then carries its id.
				browsertest.Do(t, ctx, chromedp.WaitReady(chromedp.CSS(`ul.uploads input[type=hidden][value^="upload:"]`)))
				if sent := browsertest.Text(t, ctx, "ul.uploads"); !strings.Contains(sent, "Joint : avis-2026.pdf") {
					t.Errorf("the upload's status: %q", sent)
				}
				for _, v := range browsertest.Axe(t, ctx) {
					t.Errorf("the form with a file uploaded: %s", v)
				}
			}
			status := browsertest.Load(t, ctx,
				chromedp.SendKeys(field("nom"), "Şükrü Yılmaz-Lefèvre"),
				chromedp.SendKeys(field("email"), "pas-une-adresse"),
				chromedp.SendKeys(field("revenus"), "beaucoup"),
				chromedp.SendKeys(field("commentaire"), "Œuvre « sociale » — 5 €"),
				chromedp.Click(chromedp.CSS(`button[type=submit]:not([name])`)),
			)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("wrong answers: %d", status)
			}
			summary := browsertest.Text(t, ctx, "#error-summary")
			for _, want := range []string{
				"« Courriel » doit être une adresse électronique",
				"« Revenus mensuels (€) » doit être un nombre",
				"Le champ « Commune » est obligatoire",
				"Le champ « Situation » est obligatoire",
			} {
				if !strings.Contains(summary, want) {
					t.Errorf("error summary lacks %q:\n%s", want, summary)
				}
			}
			target := browsertest.Attribute(t, ctx, "#error-summary a", "href")
			n, _ := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS(`[id="`+strings.TrimPrefix(target, "#")+`"]`), chromedp.AtLeast(0)))
			if len(n) != 1 {
				t.Errorf("the summary links to %s, which is not on the page", target)
			}
			if kept := browsertest.Text(t, ctx, `[id="champ.justificatif-kept"]`); !strings.Contains(kept, "avis-2026.pdf") {
				t.Errorf("the chosen file was lost: %q", kept)
			}
			for sel, want := range map[string]string{
				"nom":         "Şükrü Yılmaz-Lefèvre",
				"email":       "pas-une-adresse",
				"revenus":     "beaucoup",
				"commentaire": "Œuvre « sociale » — 5 €",
			} {
				if got := browsertest.Value(t, ctx, `[name="`+sel+`"]`); got != want {
					t.Errorf("%s lost what was typed: %q, want %q", sel, got, want)
				}
			}

			// The spouse's name is asked only of couples.
			wrapper := `[data-condition]:has([name="conjoint"])`
			if hidden := browsertest.HasAttribute(t, ctx, wrapper, "hidden"); hidden != js {
				t.Errorf("before choosing a situation, the conditional field is hidden=%v with JavaScript=%v", hidden, js)
			}

			// A child, added with the group's button, then the right answers.
			// The amount typed the French way comes back written so.
			browsertest.Load(
				t,
				ctx,
				chromedp.SetValue(field("revenus"), "1 234,5"),
				chromedp.Click(chromedp.CSS(`button[value="add:enfants"]`)),
			)
			if got := browsertest.Value(t, ctx, `[name="revenus"]`); got != "1\u00a0234,50" {
				t.Errorf("the amount comes back as %q", got)
			}
			if latest := browsertest.Attribute(t, ctx, `[name="naissance"]`, "max"); latest != time.Now().
				In(locale.Paris).
				Format(time.DateOnly) {
				t.Errorf("the birth date may go up to %q", latest)
			}
			browsertest.Load(t, ctx, chromedp.Click(chromedp.CSS(`button[value="add:enfants"]`)))
			browsertest.Load(t, ctx, chromedp.Click(chromedp.CSS(`button[value="remove:enfants.1"]`)))
			status = browsertest.Load(t, ctx,
				chromedp.SetValue(field("email"), "sukru@example.fr"),
				chromedp.SetValue(field("telephone"), "0387 375 757"),
				chromedp.SendKeys(field("personnes"), "3"),
				chromedp.SetValue(field("commune"), "Thionville"),
				chromedp.Click(chromedp.CSS(`input[name="situation"][value="couple"]`)),
				chromedp.SendKeys(field("conjoint"), "Jean Klein"),
				chromedp.Click(chromedp.CSS(`input[name="aides"][value="af"]`)),
				chromedp.SendKeys(field("adresse.ville"), "Montigny-lès-Metz"),
				chromedp.SendKeys(field("enfants.0.prenom"), "Ayşe"),
				chromedp.SendKeys(field("enfants.0.age"), "7"),
				chromedp.Click(field("certifie")),
				chromedp.Click(chromedp.CSS(`button[type=submit]:not([name])`)),
			)
			if status != http.StatusOK {
				t.Fatalf("right answers: %d: %s", status, browsertest.Text(t, ctx, "main"))
			}
			reference := browsertest.Text(t, ctx, "#reference")
			if !submit.IsReference(reference) {
				t.Fatalf("receipt reference %q", reference)
			}
			if next := browsertest.Text(t, ctx, "#confirmation"); next != "La Maison du Département vous répondra sous quinze jours." {
				t.Errorf("the receipt says next: %q", next)
			}
			if files := browsertest.Text(t, ctx, "#attachments"); !strings.Contains(files, "avis-2026.pdf") {
				t.Errorf("the receipt lists %q", files)
			}
			pdfURL := browsertest.Attribute(t, ctx, "#download-pdf", "href")
			client := testkit.Client{T: t, URL: base}
			client.WaitStatus(reference, pdfURL[strings.Index(pdfURL, "token=")+6:], "routed")
			got := client.Must(200, "GET", pdfURL, "", "")
			text := strings.Join(strings.Fields(pdftest.Text(t, got.Body)), " ")
			for _, want := range []string{
				reference,
				"Şükrü Yılmaz-Lefèvre",
				"sukru@example.fr",
				"Thionville",
				"En couple",
				"0387375757",
				"1 234,50",
				"Allocations familiales",
				"Montigny-lès-Metz",
				"Enfants n° 1",
				"Ayşe",
				"Œuvre « sociale » — 5 €",
				"Oui",
				"Nom du conjoint",
				"Jean Klein",
				"Pièces jointes",
				"avis-2026.pdf",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("the PDF lacks %q:\n%s", want, text)
				}
			}
		})
	}
}

// The server applies the same conditions: a shown field is required, a
// hidden field's answer is dropped.
func TestConditionalFieldsOnTheServer(t *testing.T) {
	base := startWithForm(t)
	const token = "jeton-du-formulaire-assez-long-pour-etre-un-vrai"
	client := testkit.Client{T: t, URL: base, NoRedirects: true}
	post := func(extra string) testkit.Response {
		body := "form_csrf=" + token + "&nom=Dupont&email=d%40example.fr&commune=Metz&adresse.ville=Metz" +
			"&enfants._n=1&enfants.0.prenom=Léa&" + extra
		return client.Do(
			"POST",
			"/f/aide-familles",
			"",
			body,
			"Content-Type",
			"application/x-www-form-urlencoded",
			"Cookie",
			"guichet_form_csrf="+token,
		)
	}
	r := post("situation=couple")
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "Le champ « Nom du conjoint » est obligatoire.") {
		t.Errorf("couple without a spouse: %d", r.Status)
	}
	r = post("situation=seul&conjoint=Jean+Klein")
	if r.Status != http.StatusSeeOther {
		t.Fatalf("single with a hidden answer: %d %.300s", r.Status, r.Body)
	}
	receipt := r.Header.Get("Location")
	reference := receipt[len("/recu/"):strings.Index(receipt, "?")]
	token2 := receipt[strings.Index(receipt, "token=")+6:]
	client.WaitProcessed(reference, token2)
	text := pdftest.Text(t, client.Must(200, "GET", "/api/submissions/"+reference+"/pdf?token="+token2, "", "").Body)
	if strings.Contains(text, "Jean Klein") || !strings.Contains(text, "Seul ou seule") {
		t.Errorf("the hidden answer was kept:\n%s", text)
	}
}

// An internal form needs a signed-in agent, and starts with their details.
func TestInternalFormPrefilledForTheAgent(t *testing.T) {
	a, base := testkit.StartApp(t, app.Config{AdminToken: adminToken, Demo: true})
	api := testkit.Client{T: t, URL: base, NoRedirects: true}
	api.Must(200, "PUT", "/api/accounts/j-muller", adminToken, `{"name":"Jean Muller","role":"manager","active":true,"departments":["rh"]}`)
	api.Must(
		200,
		"PUT",
		"/api/accounts/c-schmitt",
		adminToken,
		`{"name":"Claire Schmitt","role":"agent","active":true,"departments":["rh"],`+
			`"manager":"j-muller"}`,
	)
	r := api.Do("GET", "/f/demande-conges", "", "")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("internal form, anonymous: %d %s", r.Status, r.Header.Get("Location"))
	}
	id, _, err := a.Services.Sessions.Create(t.Context(), "c-schmitt")
	if err != nil {
		t.Fatal(err)
	}
	page := string(api.Must(200, "GET", "/f/demande-conges", "", "", "Cookie", "guichet_session="+id).Body)
	for _, want := range []string{`value="Claire Schmitt"`, `value="Direction des Ressources Humaines"`, `value="Jean Muller"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the leave request does not start with %s", want)
		}
	}
}

// A closed or not yet open form says so and refuses posts; answers and
// titles are escaped; English is one click away.
func TestClosedEscapedAndEnglish(t *testing.T) {
	_, base := testkit.StartApp(t, app.Config{AdminToken: adminToken})
	api := testkit.Client{T: t, URL: base, NoRedirects: true}
	api.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	form := func(id, extra string) {
		api.Must(200, "PUT", "/api/forms/"+id+"/draft", adminToken, `{"title":"Aide <script>alert(1)</script>","audience":"public",`+extra+
			`"schema":{"type":"object","properties":{"nom":{"type":"string","title":"Nom <b>gras</b>","maxLength":3}}},`+
			`"routing":{"default":"accueil"}}`)
		api.Must(200, "POST", "/api/forms/"+id+"/publish", adminToken, "")
	}
	form("fermee", `"closesAt":"2020-01-01T00:00:00Z",`)
	form("future", `"opensAt":"2099-01-01T00:00:00Z",`)
	form("ouverte", "")
	for path, want := range map[string]int{"/f/fermee": http.StatusGone, "/f/future": http.StatusForbidden} {
		r := api.Do("GET", path, "", "")
		if r.Status != want ||
			!strings.Contains(string(r.Body), "accepte pas de demande") && !strings.Contains(string(r.Body), "pas encore ouverte") {
			t.Errorf("GET %s: %d", path, r.Status)
		}
		const token = "jeton-du-formulaire-assez-long-pour-etre-un-vrai"
		r = api.Do(
			"POST",
			path,
			"",
			"form_csrf="+token+"&nom=x",
			"Content-Type",
			"application/x-www-form-urlencoded",
			"Cookie",
			"guichet_form_csrf="+token,
		)
		if r.Status != want {
			t.Errorf("POST %s: %d", path, r.Status)
		}
	}
	const token = "jeton-du-formulaire-assez-long-pour-etre-un-vrai"
	r := api.Do(
		"POST",
		"/f/ouverte",
		"",
		"form_csrf="+token+"&nom=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E",
		"Content-Type",
		"application/x-www-form-urlencoded",
		"Cookie",
		"guichet_form_csrf="+token,
	)
	page := string(r.Body)
	if r.Status != http.StatusUnprocessableEntity || strings.Contains(page, "<script>alert") || strings.Contains(page, "<img src=x") ||
		strings.Contains(page, "<b>gras</b>") {
		t.Errorf("unescaped content on the page (%d)", r.Status)
	}
	if !strings.Contains(page, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Error("the refused answer is not shown back, escaped")
	}
	english := string(api.Must(200, "GET", "/f/ouverte?lang=en", "", "").Body)
	if !strings.Contains(english, `<html lang="en">`) || !strings.Contains(english, "Send my request") {
		t.Error("?lang=en does not give the English page")
	}
}

// A post without its CSRF token is refused, and the answers come back.
func TestExpiredFormKeepsAnswers(t *testing.T) {
	base := startWithForm(t)
	client := testkit.Client{T: t, URL: base, NoRedirects: true}
	r := client.Do("POST", "/f/aide-familles", "", "nom=Ma%C3%AFa+Lef%C3%A8vre&email=maia%40example.fr",
		"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-origin",
		"Cookie", "guichet_form_csrf=un-jeton-renouvele-depuis-dans-un-autre-onglet")
	page := string(r.Body)
	if r.Status != http.StatusForbidden || !strings.Contains(page, "Le formulaire a expiré") ||
		!strings.Contains(page, `value="Maïa Lefèvre"`) {
		t.Errorf("post with another token than its cookie's: %d", r.Status)
	}
	r = client.Do("POST", "/f/aide-familles", "", "nom=Ma%C3%AFa", "Content-Type", "application/x-www-form-urlencoded",
		"Sec-Fetch-Site", "cross-site")
	if r.Status != http.StatusForbidden {
		t.Errorf("post from another site: %d", r.Status)
	}
	// Without a cookie, as in a frame on another site, a post the browser
	// says comes from this site is taken.
	r = client.Do("POST", "/f/aide-familles", "", "nom=Ma%C3%AFa+Lef%C3%A8vre&email=maia%40example.fr",
		"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-origin")
	if r.Status == http.StatusForbidden {
		t.Errorf("post from this site without the cookie: %d", r.Status)
	}
	r = client.Do("POST", "/f/aide-familles", "", "nom=Ma%C3%AFa", "Content-Type", "application/x-www-form-urlencoded")
	if r.Status != http.StatusForbidden {
		t.Errorf("post that says nothing of where it comes from, without its token: %d", r.Status)
	}
}
