package editor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/test/testkit"
)

// adminPages sends requests to the builder's pages as a signed-in admin.
type adminPages struct {
	t            *testing.T
	client       testkit.Client
	cookie, csrf string
}

func signedInAdmin(t *testing.T) (*app.App, adminPages, testkit.Client) {
	a, base := testkit.StartApp(t, app.Config{AdminToken: adminToken})
	api := testkit.Client{T: t, URL: base}
	api.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil des usagers"}`)
	api.Must(200, "PUT", "/api/departments/finances", adminToken, `{"name":"Finances"}`)
	id, sess, err := a.Services.Sessions.Create(context.Background(), "bootstrap-admin")
	if err != nil {
		t.Fatal(err)
	}
	return a, adminPages{
		t:      t,
		client: testkit.Client{T: t, URL: base, NoRedirects: true},
		cookie: "guichet_session=" + id,
		csrf:   sess.CSRF,
	}, api
}

func (p adminPages) get(path string) testkit.Response {
	p.t.Helper()
	return p.client.Do("GET", path, "", "", "Cookie", p.cookie)
}

func (p adminPages) post(path string, form url.Values) testkit.Response {
	p.t.Helper()
	form.Set("csrf", p.csrf)
	return p.client.Do("POST", path, "", form.Encode(), "Cookie", p.cookie, "Content-Type", "application/x-www-form-urlencoded")
}

// must checks a response's status and that its body holds each text.
func must(t *testing.T, r testkit.Response, status int, texts ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %.600s", r.Status, status, r.Body)
	}
	page := html.UnescapeString(string(r.Body))
	for _, text := range texts {
		if !strings.Contains(page, text) {
			t.Errorf("the page lacks %q: %.2000s", text, r.Body)
		}
	}
}

func fieldNames(t *testing.T, api testkit.Client, form string) string {
	t.Helper()
	var names []string
	for _, f := range api.Must(200, "GET", "/api/forms/"+form+"/fields", adminToken, "").JSON(t)["fields"].([]any) {
		names = append(names, f.(map[string]any)["name"].(string))
	}
	return strings.Join(names, " ")
}

const draft = `{"title":"Subvention aux associations","audience":"public","schema":{"type":"object","required":["nom"],"properties":{
	"nom":{"type":"string","title":"Nom de l'association"},"montant":{"type":"number","title":"Montant demandé"}}},
		"routing":{"default":"accueil"}}`

// Refused edits come back with clear messages and what was typed; the
// other edits land in the draft: choices with kept values, rename,
// condition set and removed, duplicate, delete.
func TestFieldPages(t *testing.T) {
	_, pages, api := signedInAdmin(t)
	api.Must(200, "PUT", "/api/forms/subvention/draft", adminToken, draft)

	r := pages.post("/admin/forms/subvention/fields", url.Values{"type": {"single-choice"}, "label": {""}, "hint": {"gardé"}})
	must(t, r, http.StatusUnprocessableEntity, "Donnez un libellé au champ", "Indiquez les réponses proposées", ">gardé</textarea>")
	r = pages.post("/admin/forms/subvention/fields", url.Values{"type": {"number"}, "label": {"Effectif"}, "minimum": {"beaucoup"}})
	must(t, r, http.StatusUnprocessableEntity, "Le minimum doit être un nombre", `value="beaucoup"`)
	r = pages.post("/admin/forms/subvention/fields", url.Values{"type": {"short-text"}, "label": {"Sigle"}, "pattern": {"[A-Z"}})
	must(t, r, http.StatusUnprocessableEntity, "n'est pas un JSON Schema draft-07 valide", "properties.sigle.pattern")

	r = pages.post("/admin/forms/subvention/fields", url.Values{"type": {"single-choice"}, "label": {"Domaine"}, "required": {"on"},
		"choices": {"Culture et patrimoine\nsport | Sport amateur\n"}})
	must(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/admin/forms/subvention?done=added#champ-domaine" {
		t.Errorf("after adding: %s", loc)
	}
	field := api.Must(200, "GET", "/api/forms/subvention/fields", adminToken, "").JSON(t)["fields"].([]any)[2].(map[string]any)
	if choices := fmt.Sprint(field["choices"]); choices != "[map[label:Culture et patrimoine value:culture_et_patrimoine] map[label:Sport "+
		"amateur value:sport]]" || field["required"] != true {
		t.Errorf("choices saved as %s, field %v", choices, field)
	}
	must(
		t,
		pages.get("/admin/forms/subvention/fields/domaine"),
		http.StatusOK,
		">Culture et patrimoine\nsport | Sport amateur\n</textarea>",
	)

	// Shown only for sport; then always again.
	must(t, pages.post("/admin/forms/subvention/fields/montant", url.Values{
		"type":            {"number"},
		"label":           {"Montant demandé"},
		"name":            {"montant"},
		"rule.0.field":    {"domaine"},
		"rule.0.operator": {"equals"},
		"rule.0.value":    {"Sport amateur"},
	}), http.StatusSeeOther)
	must(t, pages.get("/admin/forms/subvention"), http.StatusOK, "Affiché si « Domaine » vaut « Sport amateur »")
	must(t, pages.get("/admin/forms/subvention/fields/montant"), http.StatusOK, `<option value="domaine" selected>`, "readonly",
		"<strong>Affiché si</strong> « Domaine » vaut « Sport amateur ».")
	must(t, pages.post("/admin/forms/subvention/fields/montant", url.Values{
		"type":         {"number"},
		"label":        {"Montant demandé"},
		"name":         {"montant"},
		"rule.0.field": {""},
	}), http.StatusSeeOther)
	if got := fieldNames(t, api, "subvention"); got != "nom domaine montant" {
		t.Errorf("after removing the condition, the field stays after the one that decided it: %s", got)
	}
	// A long form moves a field to a position at once.
	must(t, pages.get("/admin/forms/subvention"), http.StatusOK, `<select id="position-montant" name="to">`)
	must(t, pages.post("/admin/forms/subvention/fields/montant/move", url.Values{"to": {"1"}}), http.StatusSeeOther)
	if got := fieldNames(t, api, "subvention"); got != "montant nom domaine" {
		t.Errorf("after moving to position 1: %s", got)
	}
	must(t, pages.post("/admin/forms/subvention/fields/montant/move", url.Values{"to": {"3"}}), http.StatusSeeOther)

	must(t, pages.post("/admin/forms/subvention/fields/nom", url.Values{
		"type":     {"short-text"},
		"label":    {"Nom de l'association"},
		"name":     {"association"},
		"required": {"on"},
	}), http.StatusSeeOther)
	must(t, pages.post("/admin/forms/subvention/fields/association/duplicate", url.Values{}), http.StatusSeeOther)
	must(t, pages.post("/admin/forms/subvention/fields/montant/delete", url.Values{}), http.StatusSeeOther)
	must(t, pages.post("/admin/forms/subvention/fields/montant/delete", url.Values{}), http.StatusUnprocessableEntity, "n'existe pas")
	if got := fieldNames(t, api, "subvention"); got != "association association_2 domaine" {
		t.Errorf("after renaming, duplicating and deleting: %s", got)
	}
	// A date takes bounds, fixed or counted from the day of the answer.
	must(t, pages.post("/admin/forms/subvention/fields", url.Values{"type": {"date"}, "label": {"Date de création"},
		"latestKind": {"relative"}, "latestCount": {"douze"}, "latestUnit": {"m"}, "latestWay": {"before"}}),
		http.StatusUnprocessableEntity, "La date au plus tard doit être", `value="douze"`)
	must(t, pages.post("/admin/forms/subvention/fields", url.Values{"type": {"date"}, "label": {"Date de création"},
		"earliestKind": {"fixed"}, "earliestDate": {"1901-07-01"},
		"latestKind": {"relative"}, "latestCount": {"12"}, "latestUnit": {"m"}, "latestWay": {"before"}}), http.StatusSeeOther)
	created := api.Must(200, "GET", "/api/forms/subvention/fields", adminToken, "").JSON(t)["fields"].([]any)[3].(map[string]any)
	if created["earliest"] != "1901-07-01" || created["latest"] != "today-12m" {
		t.Errorf("the date's bounds: %v", created)
	}
	must(t, pages.get("/admin/forms/subvention/fields/date_de_creation"), http.StatusOK,
		`id="earliestDate" name="earliestDate" value="1901-07-01"`, `id="latestCount" name="latestCount" value="12"`,
		`<option value="m" selected>mois</option>`)

	must(t, pages.get("/admin/forms/subvention/fields/inconnu"), http.StatusNotFound)
	must(t, pages.get("/admin/forms/inconnu"), http.StatusNotFound, "n'existe pas")
}

// The check before publishing refuses a form with a field on no step;
// versions compare; unpublished, archived and restored forms behave.
func TestPublicationPages(t *testing.T) {
	a, pages, api := signedInAdmin(t)
	api.Must(200, "PUT", "/api/forms/subvention/draft", adminToken, draft)
	api.Must(200, "PUT", "/api/forms/subvention/steps", adminToken, `{"steps":[{"title":"L'association","fields":["nom"]}]}`)
	must(t, pages.get("/admin/forms/subvention"), http.StatusOK, "À corriger avant de publier", `"montant" n'est sur aucune étape`)
	must(
		t,
		pages.post("/admin/forms/subvention/publish", url.Values{}),
		http.StatusUnprocessableEntity,
		"Ce n'est pas fait",
		"n'est sur aucune étape",
	)
	api.Must(404, "GET", "/api/forms/subvention", "", "")
	must(t, pages.post("/admin/forms/subvention/steps", url.Values{
		"title": {"", "Le projet"},
		"start": {"", "montant"},
	}), http.StatusUnprocessableEntity, "La première étape a besoin d'un titre.")
	must(t, pages.post("/admin/forms/subvention/steps", url.Values{
		"title": {"L'association", "", "Le projet"},
		"start": {"", "montant", ""},
	}), http.StatusUnprocessableEntity, "Une étape a un premier champ mais pas de titre")
	must(t, pages.post("/admin/forms/subvention/steps", url.Values{
		"title": {"L'association", "Le projet"},
		"start": {"", "montant"},
	}), http.StatusSeeOther)
	if steps := api.Must(200, "GET", "/api/forms/subvention/draft", adminToken, "").JSON(t)["uiSchema"]; !strings.Contains(
		fmt.Sprint(steps), "[map[fields:[nom] title:L'association] map[fields:[montant] title:Le projet]]") {
		t.Errorf("the steps saved: %v", steps)
	}
	must(t, pages.post("/admin/forms/subvention/publish", url.Values{}), http.StatusSeeOther)
	api.Must(200, "GET", "/api/forms/subvention", "", "")

	must(t, pages.post("/admin/forms/subvention/fields/montant", url.Values{
		"type":  {"amount"},
		"label": {"Montant demandé en euros"},
		"name":  {"montant"},
	}), http.StatusSeeOther)
	must(t, pages.get("/admin/forms/subvention"), http.StatusOK, "brouillon modifié", "v1")
	must(
		t,
		pages.get("/admin/forms/subvention/versions"),
		http.StatusOK,
		"Libellé changé",
		"Montant demandé en euros",
		"/api/forms/subvention/export?version=1",
	)
	must(t, pages.post("/admin/forms/subvention/publish", url.Values{}), http.StatusSeeOther)
	must(t, pages.get("/admin/forms/subvention/versions?from=1&to=2"), http.StatusOK, "Libellé changé")
	must(t, pages.get("/admin/forms/subvention/versions?from=2&to=2"), http.StatusOK, "Aucune différence")
	must(t, pages.get("/admin/forms/subvention/versions?from=1&to=9"), http.StatusOK, "Cette version n'existe pas")

	must(t, pages.post("/admin/forms/subvention/unpublish", url.Values{}), http.StatusSeeOther)
	api.Must(404, "GET", "/api/forms/subvention", "", "")
	must(t, pages.post("/admin/forms/subvention/unpublish", url.Values{}), http.StatusConflict, "n'est pas publié")
	must(t, pages.post("/admin/forms/subvention/archive", url.Values{}), http.StatusSeeOther)
	must(t, pages.get("/admin/forms"), http.StatusOK, "Formulaires archivés", "archivé")
	must(t, pages.post("/admin/forms/subvention/publish", url.Values{}), http.StatusUnprocessableEntity, "archivé : restaurez-le")
	must(t, pages.post("/admin/forms/subvention/restore", url.Values{}), http.StatusSeeOther)
	must(t, pages.post("/admin/forms/subvention/publish", url.Values{}), http.StatusSeeOther)
	if v := api.Must(200, "GET", "/api/forms/subvention", "", "").JSON(t)["version"]; v != 3.0 {
		t.Errorf("published again as version %v", v)
	}

	// Each change made in the pages is in the security log, with who made it.
	stream, err := a.Bus.JS.Stream(t.Context(), bus.StreamAudit)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"form.draft_saved", "form.published", "form.unpublished", "form.archived", "form.restored"} {
		last, err := stream.GetLastMsgForSubject(t.Context(), bus.AuditSubject(kind, "_"))
		if err != nil || !strings.Contains(string(last.Data), `"by":"bootstrap-admin"`) ||
			!strings.Contains(string(last.Data), `subvention`) {
			t.Errorf("%s in the security log: %v, %v", kind, last, err)
		}
	}
}

// Forms are created and imported from the list page; settings round-trip
// in Paris time; refusals keep what was typed.
func TestListAndSettingsPages(t *testing.T) {
	_, pages, api := signedInAdmin(t)
	must(t, pages.post("/admin/forms", url.Values{
		"id":         {"Mauvais Id"},
		"title":      {"Essai"},
		"audience":   {"public"},
		"department": {"accueil"},
	}), http.StatusUnprocessableEntity, "identifiant", `value="Essai"`)
	must(t, pages.post("/admin/forms", url.Values{
		"id":         {"essai"},
		"title":      {"Essai"},
		"audience":   {"internal"},
		"department": {"finances"},
	}), http.StatusSeeOther)
	must(t, pages.post("/admin/forms", url.Values{
		"id":         {"essai"},
		"title":      {"Autre"},
		"audience":   {"public"},
		"department": {"accueil"},
	}), http.StatusUnprocessableEntity, "déjà cet identifiant")
	// Left empty, the id is made from the title, past those taken.
	must(t, pages.post("/admin/forms", url.Values{
		"title":      {"Essai"},
		"audience":   {"public"},
		"department": {"accueil"},
	}), http.StatusSeeOther)
	if draft := api.Must(200, "GET", "/api/forms/essai-2/draft", adminToken, "").JSON(t); draft["title"] != "Essai" {
		t.Errorf("the form whose id was made from its title: %v", draft)
	}

	// A new form from a template takes its fields and steps, with the
	// id, title, audience and department chosen; from a published form,
	// its fields too.
	must(t, pages.get("/admin/forms"), http.StatusOK, `<option value="modele:transport-scolaire">Modèle : `)
	must(t, pages.post("/admin/forms", url.Values{
		"from":       {"modele:transport-scolaire"},
		"id":         {"cantine"},
		"title":      {"Cantine scolaire"},
		"audience":   {"public"},
		"department": {"accueil"},
	}), http.StatusSeeOther)
	copied := api.Must(200, "GET", "/api/forms/cantine/draft", adminToken, "").JSON(t)
	if schema := fmt.Sprint(copied["schema"]); copied["title"] != "Cantine scolaire" || !strings.Contains(schema, "etablissement") ||
		copied["routing"].(map[string]any)["default"] != "accueil" {
		t.Errorf("the form made from a template: %v", copied)
	}
	api.Must(200, "POST", "/api/forms/cantine/publish", adminToken, "")
	must(t, pages.post("/admin/forms", url.Values{
		"from":       {"formulaire:cantine"},
		"id":         {"cantine-2"},
		"title":      {"Cantine, l'an prochain"},
		"audience":   {"public"},
		"department": {"accueil"},
	}), http.StatusSeeOther)
	if schema := fmt.Sprint(api.Must(200, "GET", "/api/forms/cantine-2/draft", adminToken, "").JSON(t)["schema"]); !strings.Contains(
		schema, "etablissement") {
		t.Errorf("the copy of a published form: %s", schema)
	}

	must(t, pages.post("/admin/forms/essai/settings", url.Values{
		"title":          {"Essai"},
		"audience":       {"public"},
		"maxSubmissions": {"beaucoup"},
		"opensAt":        {"demain"},
	}), http.StatusUnprocessableEntity,
		"nombre maximal de dépôts", "date d'ouverture", `value="beaucoup"`)
	must(t, pages.post("/admin/forms/essai/settings", url.Values{
		"title":          {"Essai de paramètres"},
		"audience":       {"public"},
		"description":    {"Pour voir."},
		"opensAt":        {"2026-12-01T08:00"},
		"closesAt":       {"2027-07-01T18:30"},
		"maxSubmissions": {"500"},
		"draftDays":      {"10"},
		"retentionDays":  {"365"},
		"confirmation":   {"Réponse sous un mois."},
		"embedOrigins":   {"https://www.moselle.fr/\nhttps://www.moselle-jeunesse.fr"},
	}), http.StatusSeeOther)
	must(t, pages.post("/admin/forms/essai/settings", url.Values{"title": {"Essai de paramètres"}, "audience": {"public"},
		"embedOrigins": {"www.moselle.fr/page"}}), http.StatusUnprocessableEntity, "n'est pas l'adresse d'un site")
	api.Must(201, "POST", "/api/forms/essai/fields", adminToken, `{"type":"short-text","name":"nom","label":"Nom"}`)
	api.Must(200, "POST", "/api/forms/essai/publish", adminToken, "")
	must(t, pages.get("/admin/forms/essai/settings"), http.StatusOK, "https://www.moselle.fr\nhttps://www.moselle-jeunesse.fr</textarea>",
		`/f/essai" title="Essai de paramètres"`, `/static/embed.js" defer></script></textarea>`)
	got := api.Must(200, "GET", "/api/forms/essai/draft", adminToken, "").JSON(t)
	for key, want := range map[string]any{
		"title":          "Essai de paramètres",
		"audience":       "public",
		"opensAt":        "2026-12-01T07:00:00Z",
		"closesAt":       "2027-07-01T16:30:00Z",
		"maxSubmissions": 500.0,
		"draftDays":      10.0,
		"retentionDays":  365.0,
		"confirmation":   "Réponse sous un mois.",
		"description":    "Pour voir.",
	} {
		if got[key] != want {
			t.Errorf("%s = %v, want %v", key, got[key], want)
		}
	}
	must(t, pages.get("/admin/forms/essai/settings"), http.StatusOK, `value="2026-12-01T08:00"`, `value="2027-07-01T18:30"`)

	// Consistency checks: refused with their reason when they do not
	// read, kept when they do.
	check := func(expr string) url.Values {
		return url.Values{"title": {"Cantine scolaire"}, "audience": {"public"}, "check.0.expr": {expr},
			"check.0.field": {"etablissement"}, "check.0.fr": {"Nom trop long."}, "check.1.expr": {""}}
	}
	must(t, pages.post("/admin/forms/cantine/settings", check("len(etablissement) <= inconnu")), http.StatusUnprocessableEntity,
		"Le contrôle « len(etablissement) <= inconnu » ne se lit pas")
	must(t, pages.post("/admin/forms/cantine/settings", check("len(etablissement) <= 80")), http.StatusSeeOther)
	if checks := fmt.Sprint(api.Must(200, "GET", "/api/forms/cantine/draft", adminToken, "").JSON(t)["checks"]); !strings.Contains(checks,
		"len(etablissement) <= 80") {
		t.Errorf("the checks saved: %s", checks)
	}
	must(t, pages.get("/admin/forms/cantine/settings"), http.StatusOK, `value="len(etablissement) <= 80"`)

	file := api.Must(200, "GET", "/api/forms/essai/draft", adminToken, "").JSON(t)
	file["id"], file["title"] = "essai-importe", "Essai importé"
	raw, _ := json.Marshal(file)
	must(t, pages.upload("/admin/forms/import", "essai.json", raw), http.StatusSeeOther)
	api.Must(200, "GET", "/api/forms/essai-importe/draft", adminToken, "")
	must(t, pages.upload("/admin/forms/import", "essai.json", []byte("pas du JSON")), http.StatusUnprocessableEntity, "pas une définition "+
		"de formulaire")
	must(t, pages.upload("/admin/forms/import", "piege.json", []byte(`{"id":"piege","title":"Piège","audience":"public",`+
		`"schema":{"$ref":"file:///etc/passwd"},"routing":{"default":"accueil"}}`)),
		http.StatusUnprocessableEntity, "La modification n'est pas enregistrée")
	api.Must(404, "GET", "/api/forms/piege/draft", adminToken, "")

	must(t, pages.get("/admin/forms?lang=en"), http.StatusOK, "<h1>Forms</h1>", "Essai importé", "Create a form")
}

func (p adminPages) upload(path, name string, content []byte) testkit.Response {
	p.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf", p.csrf)
	part, _ := w.CreateFormFile("file", name)
	_, _ = part.Write(content)
	_ = w.Close()
	return p.client.Do("POST", path, "", body.String(), "Cookie", p.cookie, "Content-Type", w.FormDataContentType())
}

// The preview walks the draft's steps with the real renderer, checks
// answers, names the department they would go to, and stores nothing.
func TestPreviewPages(t *testing.T) {
	a, pages, api := signedInAdmin(t)
	api.Must(200, "PUT", "/api/forms/subvention/draft", adminToken, strings.Replace(draft, `"routing":{"default":"accueil"}`,
		`"uiSchema":{"ui:steps":[{"title":"L'association","fields":["nom"]},{"title":"Le projet","fields":["montant"]}]},`+
			`"routing":{"default":"accueil","rules":[{"when":{"properties":{"montant":{"minimum":1000}},"required":["montant"]},`+
			`"department":"finances"}]}`, 1))
	must(
		t,
		pages.get("/admin/forms/subvention/preview"),
		http.StatusOK,
		"Aperçu du brouillon",
		"<h1>L'association</h1>",
		`action="/admin/forms/subvention/preview"`,
	)
	must(
		t,
		pages.post("/admin/forms/subvention/preview", url.Values{"_step": {"0"}}),
		http.StatusUnprocessableEntity,
		"Nom de l'association",
	)
	r := pages.post("/admin/forms/subvention/preview", url.Values{"_step": {"0"}, "nom": {"Les Amis du Saulnois"}})
	must(t, r, http.StatusOK, "<h1>Le projet</h1>", "Les Amis du Saulnois")
	answers := regexpValue(t, string(r.Body), "_answers")
	must(t, pages.post("/admin/forms/subvention/preview", url.Values{
		"_step":    {"1"},
		"_answers": {answers},
		"montant":  {"2 500"},
	}), http.StatusOK,
		"Ces réponses seraient acceptées", "Finances")
	must(t, pages.post("/admin/forms/subvention/preview", url.Values{
		"_step":   {"1"},
		"montant": {"20"},
	}), http.StatusUnprocessableEntity, "<h1>L'association</h1>")
	stream, err := a.Bus.JS.Stream(t.Context(), bus.StreamSubmissions)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := stream.Info(t.Context()); err != nil || info.State.Msgs != 0 {
		t.Errorf("the preview stored submissions: %v, %v", info, err)
	}
}

// regexpValue reads the value of a hidden input of a page.
func regexpValue(t *testing.T, page, name string) string {
	t.Helper()
	marker := `name="` + name + `" value="`
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("no %s on the page", name)
	}
	rest := page[i+len(marker):]
	value := rest[:strings.IndexByte(rest, '"')]
	return strings.NewReplacer("&#34;", `"`, "&quot;", `"`, "&amp;", "&", "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(value)
}

// Every demo form, written through the builder's operations, opens in
// each builder page, field by field.
func TestDemoFormsOpenInTheBuilder(t *testing.T) {
	a, base := testkit.StartApp(t, app.Config{AdminToken: adminToken, Demo: true})
	id, sess, err := a.Services.Sessions.Create(context.Background(), "bootstrap-admin")
	if err != nil {
		t.Fatal(err)
	}
	pages := adminPages{t: t, client: testkit.Client{T: t, URL: base, NoRedirects: true}, cookie: "guichet_session=" + id, csrf: sess.CSRF}
	drafts, err := a.Services.Forms.Drafts(t.Context())
	if err != nil || len(drafts) < 4 {
		t.Fatalf("demo drafts: %d, %v", len(drafts), err)
	}
	must(t, pages.get("/admin/forms"), http.StatusOK, drafts[0].Title)
	must(t, pages.get("/admin/forms/transport-scolaire/routing"), http.StatusOK, ">Thionville\nYutz\nHayange</textarea>")
	must(t, pages.get("/admin/forms/frais-deplacement/routing"), http.StatusOK, `"exclusiveMinimum": 500`)
	for _, d := range drafts {
		for _, page := range []string{"", "/settings", "/steps", "/routing", "/versions", "/preview"} {
			must(t, pages.get("/admin/forms/"+d.ID+page), http.StatusOK, d.Title)
		}
		for _, name := range strings.Fields(fieldNames(t, testkit.Client{T: t, URL: base}, d.ID)) {
			must(t, pages.get("/admin/forms/"+d.ID+"/fields/"+name), http.StatusOK, d.Title)
		}
	}
}

// A step takes a condition on its own page, said in words on the steps'
// page and the form's; a rule on the step's own field is refused.
func TestStepConditionPage(t *testing.T) {
	_, pages, api := signedInAdmin(t)
	api.Must(200, "PUT", "/api/forms/subvention/draft", adminToken, draft)
	api.Must(200, "PUT", "/api/forms/subvention/steps", adminToken,
		`{"steps":[{"title":"L'association","fields":["nom"]},{"title":"Le projet","fields":["montant"]}]}`)
	must(t, pages.get("/admin/forms/subvention/steps"), http.StatusOK, "Toujours affichée.",
		`href="/admin/forms/subvention/steps/2/condition"`)
	must(t, pages.get("/admin/forms/subvention/steps/3/condition"), http.StatusNotFound)
	must(t, pages.post("/admin/forms/subvention/steps/2/condition", url.Values{
		"rule.0.field": {"montant"}, "rule.0.operator": {"filled"}}), http.StatusUnprocessableEntity,
		"Une étape ne peut dépendre de ses propres champs")
	must(t, pages.post("/admin/forms/subvention/steps/2/condition", url.Values{
		"rule.0.field": {"nom"}, "rule.0.operator": {"filled"}}), http.StatusSeeOther)
	must(t, pages.get("/admin/forms/subvention/steps"), http.StatusOK, "Affichée si</strong> « Nom de l'association » est rempli.")
	must(t, pages.get("/admin/forms/subvention"), http.StatusOK, "affichée si</strong> « Nom de l'association » est rempli")
	must(t, pages.get("/admin/forms/subvention/steps/2/condition"), http.StatusOK, `<option value="nom" selected>`)
	must(t, pages.post("/admin/forms/subvention/steps/2/condition", url.Values{"rule.0.field": {""}}), http.StatusSeeOther)
	must(t, pages.get("/admin/forms/subvention/steps"), http.StatusOK, "Toujours affichée.")
}

// The translations' page lists every text with its translation, counts
// what is missing, and a language is published only fully translated.
func TestTranslationsPage(t *testing.T) {
	_, pages, api := signedInAdmin(t)
	api.Must(200, "PUT", "/api/forms/subvention/draft", adminToken, draft)
	must(t, pages.get("/admin/forms/subvention"), http.StatusOK, `href="/admin/forms/subvention/traductions"`)
	must(t, pages.get("/admin/forms/subvention/traductions"), http.StatusOK, "3 textes restent à traduire.",
		`<td id="fr-en-1">Nom de l'association</td>`, `name="t.en.nom"`, `name="t.de.montant"`)
	must(t, pages.post("/admin/forms/subvention/traductions", url.Values{"lang.en": {"on"},
		"t.en.title": {"Grants to associations"}, "t.en.nom": {"Name of the association"}}), http.StatusSeeOther)
	must(t, pages.get("/admin/forms/subvention/traductions"), http.StatusOK, "1 texte reste à traduire.",
		`value="Grants to associations"`, `id="lang-en" name="lang.en" checked`)
	api.Must(422, "POST", "/api/forms/subvention/publish", adminToken, "")
	must(t, pages.post("/admin/forms/subvention/traductions", url.Values{"lang.en": {"on"}, "t.en.title": {"Grants to associations"},
		"t.en.nom": {"Name of the association"}, "t.en.montant": {"Amount asked"}}), http.StatusSeeOther)
	must(t, pages.get("/admin/forms/subvention/traductions"), http.StatusOK, "Tout est traduit.")
	must(t, pages.get("/admin/forms/subvention"), http.StatusOK, "Français, English.")
	api.Must(200, "POST", "/api/forms/subvention/publish", adminToken, "")
	if f := api.Must(200, "GET", "/api/forms/subvention/draft", adminToken, "").JSON(t); fmt.Sprint(f["languages"]) != "[en]" {
		t.Errorf("the draft's languages: %v", f["languages"])
	}
}

// Every change of a draft can be undone, a deletion too, and made again;
// a new change forgets what was undone.
func TestUndoRedo(t *testing.T) {
	_, pages, api := signedInAdmin(t)
	api.Must(200, "PUT", "/api/forms/subvention/draft", adminToken, draft)
	api.Must(409, "POST", "/api/forms/subvention/undo", adminToken, "")
	must(t, pages.post("/admin/forms/subvention/fields/montant/delete", url.Values{}), http.StatusSeeOther)
	must(t, pages.get("/admin/forms/subvention"), http.StatusOK, `id="undo" class="secondary">`, `id="redo" class="secondary" disabled>`)
	must(t, pages.post("/admin/forms/subvention/annuler", url.Values{}), http.StatusSeeOther)
	if got := fieldNames(t, api, "subvention"); got != "nom montant" {
		t.Errorf("after undoing the deletion: %s", got)
	}
	must(t, pages.get("/admin/forms/subvention?done=undone"), http.StatusOK, "La dernière modification est annulée.",
		`id="redo" class="secondary">`)
	must(t, pages.post("/admin/forms/subvention/retablir", url.Values{}), http.StatusSeeOther)
	if got := fieldNames(t, api, "subvention"); got != "nom" {
		t.Errorf("after redoing the deletion: %s", got)
	}
	api.Must(200, "POST", "/api/forms/subvention/undo", adminToken, "")
	api.Must(201, "POST", "/api/forms/subvention/fields", adminToken, `{"type":"short-text","name":"ville","label":"Ville"}`)
	api.Must(409, "POST", "/api/forms/subvention/redo", adminToken, "")
	if got := fieldNames(t, api, "subvention"); got != "nom montant ville" {
		t.Errorf("after a new change: %s", got)
	}
}

// A step is duplicated from the steps' page.
func TestDuplicateStepPage(t *testing.T) {
	_, pages, api := signedInAdmin(t)
	api.Must(200, "PUT", "/api/forms/subvention/draft", adminToken, draft)
	api.Must(200, "PUT", "/api/forms/subvention/steps", adminToken,
		`{"steps":[{"title":"L'association","fields":["nom"]},{"title":"Le projet","fields":["montant"]}]}`)
	must(t, pages.get("/admin/forms/subvention/steps"), http.StatusOK, `formaction="/admin/forms/subvention/steps/2/duplicate"`)
	must(t, pages.post("/admin/forms/subvention/steps/2/duplicate", url.Values{}), http.StatusSeeOther)
	must(t, pages.get("/admin/forms/subvention/steps"), http.StatusOK, `value="Le projet (copie)"`)
	if got := fieldNames(t, api, "subvention"); got != "nom montant montant_2" {
		t.Errorf("after duplicating the step: %s", got)
	}
	must(t, pages.post("/admin/forms/subvention/steps/9/duplicate", url.Values{}), http.StatusNotFound)
}
