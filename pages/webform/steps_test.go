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
	_, base := testkit.StartApp(t, app.Config{AdminToken: adminToken})
	api := testkit.Client{T: t, URL: base}
	api.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	api.Must(200, "PUT", "/api/forms/vacances/draft", adminToken, threeSteps)
	api.Must(200, "POST", "/api/forms/vacances/publish", adminToken, "")
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
