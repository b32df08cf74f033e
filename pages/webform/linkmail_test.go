package webform_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/platform/mailer"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/mailtest"
)

// Where an SMTP relay is set, a visitor who saves their answers can have
// the resume link emailed, in their language; a wrong address is refused
// with the link still shown; one connection cannot have many sent. With
// no relay, nothing offers it.
func TestResumeLinkByEmail(t *testing.T) {
	relay := mailtest.Start(t)
	api, base := startPublished(t, app.Config{Organisation: "Département de la Moselle",
		Mail: mailer.Config{Addr: relay.Addr, From: "Département de la Moselle <ne-pas-repondre@moselle.example>", TLS: mailer.NoTLS}},
		map[string]string{"vacances": threeSteps})

	ctx := browsertest.New(t)
	browsertest.Load(t, ctx, chromedp.Navigate(base+"/f/vacances"))
	browsertest.Load(t, ctx, chromedp.SendKeys(field("nom"), "Marie Weber"), chromedp.Click(chromedp.CSS("#save")))
	resume := browsertest.Attribute(t, ctx, "#resume-link", "href")
	status := browsertest.Load(t, ctx, chromedp.SendKeys(chromedp.CSS("#email"), "marie@"), chromedp.Click(chromedp.CSS("#email-link")))
	if status != http.StatusUnprocessableEntity {
		t.Errorf("a wrong address: %d", status)
	}
	msg := browsertest.Text(t, ctx, "#email-error")
	if !strings.Contains(msg, "adresse électronique") || browsertest.Value(t, ctx, "#resume-url") != resume {
		t.Errorf("a wrong address: %q, link %q", msg, browsertest.Value(t, ctx, "#resume-url"))
	}
	for _, v := range browsertest.Axe(t, ctx) {
		t.Errorf("saved page with an error: %s", v)
	}
	browsertest.Load(t, ctx, chromedp.SetValue(chromedp.CSS("#email"), "marie.weber@example.fr"), chromedp.Click(chromedp.CSS("#email-link")))
	if sent := browsertest.Text(t, ctx, "#link-sent"); !strings.Contains(sent, "marie.weber@example.fr") {
		t.Errorf("after sending: %q", sent)
	}
	got := relay.Wait(t, 1)[0]
	if strings.Join(got.To, ",") != "marie.weber@example.fr" || got.Subject != "Votre demande « Aide aux vacances familiales » en cours" ||
		!strings.Contains(got.Text, resume) || !strings.Contains(got.Text, "Département de la Moselle") {
		t.Errorf("the email: to %v, %q:\n%s", got.To, got.Subject, got.Text)
	}

	// Many sendings from one connection: the first five go, then a wait.
	draft := regexp.MustCompile(`/d/([^/?#]+)$`).FindStringSubmatch(resume)[1]
	const token = "jeton-du-formulaire-assez-long-pour-etre-un-vrai"
	statuses := []int{}
	for range 6 {
		r := api.Do("POST", "/f/vacances/d/"+draft+"/courriel", "", "form_csrf="+token+"&email="+url.QueryEscape("x@example.fr"),
			"Content-Type", "application/x-www-form-urlencoded", "Cookie", "guichet_form_csrf="+token)
		statuses = append(statuses, r.Status)
	}
	if statuses[3] != http.StatusOK || statuses[5] != http.StatusTooManyRequests {
		t.Errorf("six sendings in a row: %v", statuses)
	}
	r := api.Do("POST", "/f/vacances/d/"+draft+"/courriel", "", "email=x%40example.fr", "Content-Type", "application/x-www-form-urlencoded")
	if r.Status != http.StatusForbidden {
		t.Errorf("without the form's token: %d", r.Status)
	}

	// Without a relay, the page offers no email.
	_, plain := startPublished(t, app.Config{}, map[string]string{"vacances": threeSteps})
	browsertest.Load(t, ctx, chromedp.Navigate(plain+"/f/vacances"))
	browsertest.Load(t, ctx, chromedp.SendKeys(field("nom"), "Marie Weber"), chromedp.Click(chromedp.CSS("#save")))
	if nodes, _ := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#email"), chromedp.AtLeast(0))); len(nodes) != 0 {
		t.Error("the page offers an email without a relay")
	}
}
