package webform_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/testkit"
)

// With JavaScript, the commune list proposes the communes that match a
// few letters typed without their accent, to choose with the keyboard;
// the answer posted is the commune's code. Without JavaScript, the list
// stays a select.
func TestLongListProposesAsOneTypes(t *testing.T) {
	_, base := testkit.StartApp(t, app.Config{AdminToken: adminToken, Demo: true})
	api := testkit.Client{T: t, URL: base}
	api.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	api.Must(200, "PUT", "/api/forms/inscription/draft", adminToken,
		`{"title":"Inscription","audience":"public","routing":{"default":"accueil"},"schema":{"type":"object","properties":{}}}`)
	api.Must(201, "POST", "/api/forms/inscription/fields", adminToken, `{"type":"commune","name":"commune","label":"Commune","required":true}`)
	api.Must(200, "POST", "/api/forms/inscription/publish", adminToken, "")
	ctx := browsertest.New(t)

	browsertest.Load(t, ctx, chromedp.Navigate(base+"/f/inscription"))
	browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`input#champ\.commune`)),
		chromedp.SendKeys(chromedp.CSS(`input#champ\.commune`), "ebers"),
		chromedp.WaitVisible(chromedp.CSS(`.autocomplete__option`)))
	if first := browsertest.Text(t, ctx, ".autocomplete__option"); first != "Ébersviller" {
		t.Errorf("the first commune proposed for “ebers”: %q", first)
	}
	for _, v := range browsertest.Axe(t, ctx) {
		t.Errorf("the list proposing: %s", v)
	}
	browsertest.Screenshot(t, ctx, "34-commune-autocomplete")
	// The screenshot took the focus away: type again, then choose the
	// first commune proposed with the keyboard.
	browsertest.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`input#champ\.commune`), kb.Backspace+"s"),
		chromedp.WaitVisible(chromedp.CSS(`.autocomplete__option`)))
	browsertest.PressEnter(t, ctx)
	code, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('select[name="commune"]').value`))
	if err != nil || code != "57186" {
		t.Errorf("the select holds %q once Ébersviller is chosen", code)
	}
	if page := browsertest.Text(t, ctx, "h1"); page != "Inscription" {
		t.Errorf("choosing with Enter went to %q rather than staying on the form", page)
	}
	browsertest.Load(t, ctx, chromedp.Click(chromedp.CSS("#send")))
	if got := answerOf(t, ctx, api, "Commune"); got != "Ébersviller" {
		t.Errorf("the commune sent: %q", got)
	}

	plain := browsertest.New(t)
	browsertest.WithoutJavaScript(t, plain)
	browsertest.Load(t, plain, chromedp.Navigate(base+"/f/inscription"))
	browsertest.Do(t, plain, chromedp.SetValue(chromedp.CSS(`select#champ\.commune`), "57521"))
	browsertest.Load(t, plain, chromedp.Click(chromedp.CSS("#send")))
	if got := answerOf(t, plain, api, "Commune"); got != "Œting" {
		t.Errorf("the commune sent without JavaScript: %q", got)
	}
}
