package webform_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/pdftest"
)

// A form published in English: the reader picks it, reads the form and
// its errors in it, and the request's PDF record follows.
func TestFormInEnglish(t *testing.T) {
	api, base := startPublished(t, app.Config{}, map[string]string{"subvention": `{"title":"Subvention aux associations","audience":"public",
		"schema":{"type":"object","required":["nom","domaine"],"properties":{
			"nom":{"type":"string","title":"Nom de l'association","minLength":1},
			"domaine":{"type":"string","title":"Domaine","oneOf":[{"const":"culture","title":"Culture"},
				{"const":"sport","title":"Sport amateur"}]}}},
		"uiSchema":{"nom":{"ui:help":"Tel qu'inscrit au répertoire."}},
		"languages":["en"],
		"translations":{"en":{"title":"Grants to associations","nom":"Name of the association","nom.help":"As registered.",
			"domaine":"Field","domaine=culture":"Culture","domaine=sport":"Amateur sport"}},
		"routing":{"default":"accueil"}}`})
	ctx := browsertest.New(t)
	browsertest.Load(t, ctx, chromedp.Navigate(base+"/f/subvention"))
	if h1 := browsertest.Text(t, ctx, "h1"); h1 != "Subvention aux associations" {
		t.Errorf("the form in French: %q", h1)
	}
	browsertest.Load(t, ctx, chromedp.Click(chromedp.CSS(`#languages a[lang="en"]`)))
	page := browsertest.Text(t, ctx, "main")
	for _, want := range []string{"Grants to associations", "Name of the association", "As registered.", "Amateur sport", "Send my request"} {
		if !strings.Contains(page, want) {
			t.Errorf("the English page lacks %q:\n%s", want, page)
		}
	}
	for _, v := range browsertest.Axe(t, ctx) {
		t.Errorf("the English page: %s", v)
	}
	browsertest.Load(t, ctx, chromedp.Click(chromedp.CSS("#send")))
	if summary := browsertest.Text(t, ctx, "#error-summary"); !strings.Contains(summary, "Name of the association") {
		t.Errorf("the errors in English: %s", summary)
	}
	browsertest.Load(t, ctx, chromedp.SendKeys(field("nom"), "Les Amis du Sport"),
		chromedp.Click(chromedp.CSS(`[name="domaine"][value="sport"]`)), chromedp.Click(chromedp.CSS("#send")))
	reference := browsertest.Text(t, ctx, "#reference")
	pdfURL := browsertest.Attribute(t, ctx, "#download-pdf", "href")
	api.WaitStatus(reference, pdfURL[strings.Index(pdfURL, "token=")+6:], "routed")
	text := pdftest.Text(t, api.Must(200, "GET", pdfURL, "", "").Body)
	for _, want := range []string{"Grants to associations", "Record of the request", "Name of the association", "Les Amis du Sport",
		"Amateur sport"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF record lacks %q:\n%s", want, text)
		}
	}
}
