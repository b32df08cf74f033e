package webform_test

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/browsertest"
)

// Every page of a citizen's journey passes axe-core's WCAG 2.1 AA rules,
// and is photographed at desktop and phone width (into docs/screenshots
// under make screenshots).
func TestPagesAreAccessible(t *testing.T) {
	api, base := startPublished(t, app.Config{Demo: true}, map[string]string{"aide-familles": everyControl, "vacances": threeSteps})
	ctx := browsertest.New(t)
	send := chromedp.Click(chromedp.CSS("#send"))

	check := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		browsertest.Load(t, ctx, actions...)
		for _, v := range browsertest.Axe(t, ctx) {
			t.Errorf("%s: %s", name, v)
		}
		browsertest.Screenshot(t, ctx, name)
	}
	check("01-catalogue", chromedp.Navigate(base+"/"))
	check("02-form", chromedp.Navigate(base+"/f/aide-familles"))
	check("03-errors", chromedp.SendKeys(field("email"), "pas-une-adresse"), send)
	check("04-step", chromedp.Navigate(base+"/f/vacances"))
	check("05-saved", chromedp.SendKeys(field("nom"), "Marie Weber"), chromedp.Click(chromedp.CSS("#save")))
	check("06-resumed", chromedp.Navigate(browsertest.Attribute(t, ctx, "#resume-link", "href")))
	browsertest.Load(t, ctx, chromedp.SendKeys(field("email"), "marie@example.fr"), send)
	browsertest.Load(t, ctx, chromedp.Click(chromedp.CSS(`button[value="add:enfants"]`)))
	browsertest.Load(t, ctx, chromedp.SendKeys(field("enfants.0.prenom"), "Zoé"), send)
	browsertest.Load(t, ctx, chromedp.Click(chromedp.CSS(`input[name="situation"][value="seul"]`)), send)
	for _, v := range browsertest.Axe(t, ctx) {
		t.Errorf("07-check-answers: %s", v)
	}
	browsertest.Screenshot(t, ctx, "07-check-answers")
	check("08-receipt", send)
	check("09-login", chromedp.Navigate(base+"/login"))

	// An address that leads nowhere: a laid-out page, in either language,
	// with the site's icon.
	if status := browsertest.Load(t, ctx, chromedp.Navigate(base+"/nulle-part")); status != http.StatusNotFound {
		t.Errorf("an unknown address: %d", status)
	}
	if h1 := browsertest.Text(t, ctx, "h1"); h1 != "Page introuvable" {
		t.Errorf("the 404 page says %q", h1)
	}
	for _, v := range browsertest.Axe(t, ctx) {
		t.Errorf("10-not-found: %s", v)
	}
	browsertest.Screenshot(t, ctx, "10-not-found")
	browsertest.Load(t, ctx, chromedp.Navigate(base+"/nulle-part?lang=en"))
	if h1 := browsertest.Text(t, ctx, "h1"); h1 != "Page not found" {
		t.Errorf("the English 404 page says %q", h1)
	}
	icon := browsertest.Attribute(t, ctx, `link[rel="icon"]`, "href")
	if got := api.Do("GET", icon, "", ""); got.Status != http.StatusOK || got.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("the icon %s: %d %s", icon, got.Status, got.Header.Get("Content-Type"))
	}
}
