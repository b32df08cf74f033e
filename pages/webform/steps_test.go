package webform_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/pdftest"
	"github.com/guichet/guichet/internal/test/testkit"
)

const threeSteps = `{
	"title": "Aide aux vacances familiales", "audience": "public", "draftDays": 7,
	"schema": {
		"type": "object",
		"required": ["nom", "email", "enfants", "situation"],
		"properties": {
			"nom": {"type": "string", "title": "Nom complet", "minLength": 1},
			"email": {"type": "string", "title": "Courriel", "format": "email"},
			"enfants": {"type": "array", "title": "Enfants", "minItems": 1, "items": {"type": "object", "required": ["prenom"], "properties": {
				"prenom": {"type": "string", "title": "Prénom"}}}},
			"situation": {"type": "string", "title": "Situation", "enum": ["seul", "couple"], "enumNames": ["Seul ou seule", "En couple"]},
			"revenus": {"type": "number", "title": "Revenus mensuels (€)"}
		},
		"if": {"properties": {"situation": {"const": "couple"}}, "required": ["situation"]},
		"then": {"properties": {"conjoint": {"type": "string", "title": "Nom du conjoint", "minLength": 1}}, "required": ["conjoint"]}
	},
	"uiSchema": {"ui:steps": [
		{"title": "Vous", "fields": ["nom", "email"]},
		{"title": "Vos enfants", "fields": ["enfants"]},
		{"title": "Votre situation", "fields": ["situation", "revenus"]}
	]},
	"routing": {"default": "accueil"}
}`

// Steps, saving, resuming in a fresh browser, checking and changing answers, sending.
func TestStepsSaveResumeCheck(t *testing.T) {
	_, base := startPublished(t, app.Config{}, map[string]string{"vacances": threeSteps})
	send := chromedp.Click(chromedp.CSS("#send"))

	for _, js := range []bool{true, false} {
		t.Run(map[bool]string{true: "with JavaScript", false: "without JavaScript"}[js], func(t *testing.T) {
			ctx := browsertest.New(t)
			if !js {
				browsertest.WithoutJavaScript(t, ctx)
			}
			browsertest.Load(t, ctx, chromedp.Navigate(base+"/f/vacances"))
			if got := browsertest.Text(t, ctx, "#progress"); got != "Étape 1 sur 3" {
				t.Errorf("progress: %q", got)
			}
			if status := browsertest.Load(t, ctx, send); status != http.StatusUnprocessableEntity {
				t.Fatalf("empty first step: %d", status)
			}
			summary := browsertest.Text(t, ctx, "#error-summary")
			if !strings.Contains(summary, "Nom complet") || strings.Contains(summary, "Situation") {
				t.Errorf("the first step reports other steps' errors:\n%s", summary)
			}
			browsertest.Load(t, ctx, chromedp.SendKeys(field("nom"), "Marie Weber"), chromedp.SendKeys(field("email"), "marie@example.fr"), send)
			if got := browsertest.Text(t, ctx, "#progress"); got != "Étape 2 sur 3" {
				t.Fatalf("after the first step: %q", got)
			}
			browsertest.Load(t, ctx, chromedp.Click(chromedp.CSS(`button[value="add:enfants"]`)))
			browsertest.Load(t, ctx, chromedp.SendKeys(field("enfants.0.prenom"), "Zoé"), chromedp.Click(chromedp.CSS("#save")))
			resume := browsertest.Attribute(t, ctx, "#resume-link", "href")
			if shown := browsertest.Value(t, ctx, "#resume-url"); shown != resume {
				t.Errorf("the link to copy is %q, the link %q", shown, resume)
			}
			if hidden := browsertest.HasAttribute(t, ctx, "#copy-link", "hidden"); hidden == js {
				t.Errorf("the copy button is hidden=%v with JavaScript=%v", hidden, js)
			}
			if !strings.HasPrefix(resume, base+"/f/vacances/d/") || len(resume) < len(base)+len("/f/vacances/d/")+22 {
				t.Fatalf("resume link %q", resume)
			}

			// Another browser, another day: the answers are back.
			ctx = browsertest.New(t)
			if !js {
				browsertest.WithoutJavaScript(t, ctx)
			}
			if status := browsertest.Load(t, ctx, chromedp.Navigate(resume)); status != http.StatusOK {
				t.Fatalf("resume: %d", status)
			}
			if got := browsertest.Value(t, ctx, `[name="enfants.0.prenom"]`); got != "Zoé" {
				t.Errorf("resumed child: %q", got)
			}
			browsertest.Load(t, ctx, send)
			// The spouse's name is asked on this page, of couples only.
			status := browsertest.Load(t, ctx, chromedp.Click(chromedp.CSS(`input[name="situation"][value="couple"]`)), send)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("a couple without a spouse's name: %d", status)
			}
			browsertest.Load(t, ctx, chromedp.SendKeys(field("conjoint"), "Jean Klein"), chromedp.SendKeys(field("revenus"), "2 100"), send)
			page := browsertest.Text(t, ctx, "main")
			for _, want := range []string{
				"Vérifiez vos réponses",
				"Marie Weber",
				"marie@example.fr",
				"Zoé",
				"En couple",
				"Nom du conjoint",
				"Jean Klein",
				"2\u00a0100",
			} {
				if !strings.Contains(page, want) {
					t.Errorf("check page lacks %q:\n%s", want, page)
				}
			}
			// Change the name from the check page.
			browsertest.Load(t, ctx, chromedp.Click(chromedp.CSS(`a[href$="?step=0"]:not(.back)`)))
			browsertest.Load(t, ctx, chromedp.SetValue(field("nom"), "Marie Weber-Klein"), send)
			browsertest.Load(t, ctx, send)
			browsertest.Load(t, ctx, send)
			if !strings.Contains(browsertest.Text(t, ctx, "main"), "Marie Weber-Klein") {
				t.Fatal("the changed answer is not on the check page")
			}
			if status := browsertest.Load(t, ctx, send); status != http.StatusOK {
				t.Fatalf("send: %d", status)
			}
			reference := browsertest.Text(t, ctx, "#reference")
			pdfURL := browsertest.Attribute(t, ctx, "#download-pdf", "href")
			client := testkit.Client{T: t, URL: base}
			client.WaitStatus(reference, pdfURL[strings.Index(pdfURL, "token=")+6:], "routed")
			text := pdftest.Text(t, client.Must(200, "GET", pdfURL, "", "").Body)
			for _, want := range []string{"Marie Weber-Klein", "Zoé", "En couple", "Jean Klein"} {
				if !strings.Contains(text, want) {
					t.Errorf("PDF lacks %q", want)
				}
			}
			// A sent draft cannot be resumed.
			if status := browsertest.Load(t, ctx, chromedp.Navigate(resume)); status != http.StatusNotFound {
				t.Errorf("resuming a sent draft: %d", status)
			}
		})
	}
}

// A step shown on a condition: skipped, and not counted, while the
// answers of the steps before it do not meet it; asked and checked once
// they do; its answers dropped when they no longer do. The page's script
// leaves its fields shown, as their condition reads another page.
func TestConditionalStep(t *testing.T) {
	_, base := testkit.StartApp(t, app.Config{AdminToken: adminToken})
	api := testkit.Client{T: t, URL: base}
	api.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	api.Must(200, "PUT", "/api/forms/mission/draft", adminToken, `{"title": "Ordre de mission", "audience": "public",
		"schema": {"type": "object", "required": ["motif", "montant"], "properties": {
			"motif": {"type": "string", "title": "Motif", "minLength": 1},
			"avance": {"type": "boolean", "title": "Avance demandée"},
			"montant": {"type": "number", "title": "Montant de l'avance"},
			"note": {"type": "string", "title": "Note"}}},
		"uiSchema": {"ui:steps": [{"title": "La mission", "fields": ["motif", "avance"]}, {"title": "L'avance", "fields": ["montant"]},
			{"title": "Pour finir", "fields": ["note"]}]},
		"routing": {"default": "accueil"}}`)
	api.Must(200, "PUT", "/api/forms/mission/steps/2/condition", adminToken,
		`{"rules":[{"field":"avance","operator":"equals","values":[true]}]}`)
	api.Must(200, "POST", "/api/forms/mission/publish", adminToken, "")
	send := chromedp.Click(chromedp.CSS("#send"))

	for _, js := range []bool{true, false} {
		t.Run(map[bool]string{true: "with JavaScript", false: "without JavaScript"}[js], func(t *testing.T) {
			ctx := browsertest.New(t)
			if !js {
				browsertest.WithoutJavaScript(t, ctx)
			}
			progress := func(want string) {
				t.Helper()
				if got := browsertest.Text(t, ctx, "#progress") + " · " + browsertest.Text(t, ctx, "h1"); got != want {
					t.Errorf("at %q, want %q", got, want)
				}
			}
			browsertest.Load(t, ctx, chromedp.Navigate(base+"/f/mission"))
			progress("Étape 1 sur 2 · La mission")
			browsertest.Load(t, ctx, chromedp.SendKeys(field("motif"), "Colloque à Metz"), chromedp.Click(chromedp.CSS(`[name="avance"]`)), send)
			progress("Étape 2 sur 3 · L'avance")
			if status := browsertest.Load(t, ctx, send); status != http.StatusUnprocessableEntity {
				t.Errorf("the advance's step sent without its amount: %d", status)
			}
			browsertest.Load(t, ctx, chromedp.SendKeys(field("montant"), "120"), send)
			progress("Étape 3 sur 3 · Pour finir")
			browsertest.Load(t, ctx, send)
			if page := browsertest.Text(t, ctx, "main"); !strings.Contains(page, "L'avance") || !strings.Contains(page, "120") {
				t.Errorf("the check page lacks the advance:\n%s", page)
			}
			// No advance after all: its step goes, and its answer with it.
			browsertest.Load(t, ctx, chromedp.Click(chromedp.CSS(`a[href$="?step=0"]:not(.back)`)))
			browsertest.Load(t, ctx, chromedp.Click(chromedp.CSS(`[name="avance"]`)), send)
			progress("Étape 2 sur 2 · Pour finir")
			browsertest.Load(t, ctx, send)
			if page := browsertest.Text(t, ctx, "main"); strings.Contains(page, "L'avance") || strings.Contains(page, "Montant") {
				t.Errorf("the check page still has the advance:\n%s", page)
			}
			if status := browsertest.Load(t, ctx, send); status != http.StatusOK {
				t.Fatalf("send: %d", status)
			}
			dossier := api.Must(200, "GET", "/api/dossiers/"+browsertest.Text(t, ctx, "#reference"), adminToken, "").Body
			if strings.Contains(string(dossier), "Montant") {
				t.Errorf("the request keeps the advance: %s", dossier)
			}
		})
	}
}
