package account_test

import (
	"context"
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
	"github.com/guichet/guichet/internal/test/testkit"
)

const newPassword = "une tasse de thé au jardin"

// In two browsers: an admin creates an account and has a sign-in link
// emailed; its holder opens it, chooses a password under the usual rules
// and lands on the inbox; the link then works no more. The admin resets
// the password with a one-time password, shown on its own page, with
// which the holder signs in and is asked for their own. Every page passes
// axe-core.
func TestAccountHandedOver(t *testing.T) {
	relay := mailtest.Start(t)
	_, base := testkit.StartApp(t, app.Config{AdminToken: adminToken, PublicURL: "https://guichet.test",
		Mail: mailer.Config{Addr: relay.Addr, From: "Guichet <ne-pas-repondre@moselle.example>", TLS: mailer.NoTLS}})
	api := testkit.Client{T: t, URL: base}
	api.Must(200, "PUT", "/api/departments/transports", adminToken, `{"name":"Transports scolaires"}`)
	api.Must(200, "PUT", "/api/accounts/a-muller", adminToken, `{"name":"Anne Muller","role":"admin","active":true}`)
	api.Must(200, "POST", "/api/accounts/a-muller/password", adminToken, `{"password":"`+newPassword+` du lundi"}`)

	admin := browsertest.New(t)
	load := func(ctx context.Context, want int64, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if status := browsertest.Load(t, ctx, actions...); status != want {
			t.Fatalf("status %d, want %d: %s", status, want, browsertest.Text(t, ctx, "main"))
		}
	}
	axe := func(ctx context.Context, page string) {
		t.Helper()
		for _, v := range browsertest.Axe(t, ctx) {
			t.Errorf("%s: %s", page, v)
		}
	}
	load(admin, http.StatusOK, chromedp.Navigate(base+"/login"))
	load(admin, http.StatusOK, chromedp.SendKeys(chromedp.CSS("#id"), "a-muller"),
		chromedp.SendKeys(chromedp.CSS("#password"), newPassword+" du lundi"), chromedp.Click(chromedp.CSS("main button[type=submit]")))
	load(admin, http.StatusOK, chromedp.Navigate(base+"/admin/accounts/new"))
	axe(admin, "new account")
	load(admin, http.StatusOK, chromedp.SendKeys(chromedp.CSS("#id"), "p-klein"), chromedp.SendKeys(chromedp.CSS("#name"), "Paul Klein"),
		chromedp.SendKeys(chromedp.CSS("#email"), "paul.klein@moselle.example"), chromedp.Click(chromedp.CSS("#dep-transports")),
		chromedp.Click(chromedp.CSS("#handover-link")), chromedp.Click(chromedp.CSS("main form button[type=submit]")))
	if sent := browsertest.Text(t, admin, "#link-sent"); !strings.Contains(sent, "paul.klein@moselle.example") {
		t.Errorf("the handover page: %q", sent)
	}
	if id := browsertest.Text(t, admin, "#login-id"); id != "p-klein" {
		t.Errorf("the login id shown: %q", id)
	}
	axe(admin, "handover")
	browsertest.Screenshot(t, admin, "29-account-link-sent")

	mail := relay.Wait(t, 1)[0]
	link := regexp.MustCompile(`https://guichet\.test(/connexion/\S+)`).FindStringSubmatch(mail.Text)
	if link == nil || strings.Join(mail.To, ",") != "paul.klein@moselle.example" || !strings.Contains(mail.Text, "p-klein") {
		t.Fatalf("the sign-in email to %v:\n%s", mail.To, mail.Text)
	}
	holder := browsertest.New(t)
	load(holder, http.StatusOK, chromedp.Navigate(base+link[1]))
	axe(holder, "sign-in link")
	load(holder, http.StatusUnprocessableEntity, chromedp.SendKeys(chromedp.CSS("#password"), "court"),
		chromedp.SendKeys(chromedp.CSS("#confirm"), "court"), chromedp.Click(chromedp.CSS("#choose-password")))
	axe(holder, "sign-in link, refused")
	load(holder, http.StatusOK, chromedp.SendKeys(chromedp.CSS("#password"), newPassword),
		chromedp.SendKeys(chromedp.CSS("#confirm"), newPassword), chromedp.Click(chromedp.CSS("#choose-password")))
	if h1 := browsertest.Text(t, holder, "h1"); h1 != "Transports scolaires" {
		t.Errorf("after choosing a password, the holder lands on %q", h1)
	}
	load(holder, http.StatusGone, chromedp.Navigate(base+link[1]))

	load(admin, http.StatusOK, chromedp.Navigate(base+"/admin/accounts/p-klein"))
	load(admin, http.StatusOK, chromedp.Click(chromedp.CSS("#reset-password")))
	password := browsertest.Text(t, admin, "#new-password")
	if len(password) < 12 {
		t.Fatalf("the one-time password shown: %q", password)
	}
	axe(admin, "reset")
	browsertest.Screenshot(t, admin, "30-account-one-time-password")
	login := func(password string) testkit.Response {
		t.Helper()
		const formToken = "jeton-du-formulaire-assez-long-pour-etre-un-vrai"
		form := url.Values{"id": {"p-klein"}, "password": {password}, "form_csrf": {formToken}}
		return testkit.Client{T: t, URL: base, NoRedirects: true}.Do("POST", "/login", "", form.Encode(),
			"Content-Type", "application/x-www-form-urlencoded", "Cookie", "guichet_form_csrf="+formToken)
	}
	if status := login(newPassword).Status; status != http.StatusUnauthorized {
		t.Errorf("the old password after the reset: %d", status)
	}
	if to := login(password).Header.Get("Location"); !strings.HasPrefix(to, "/me/password?first=1") {
		t.Errorf("signing in with the one-time password leads to %q", to)
	}
}
