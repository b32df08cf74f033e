package account_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/testkit"
)

const adminToken = "jeton-admin-des-tests"

// In a real browser: an agent signs in, is refused an admin page, and signs out.
func TestSignInForbiddenPageSignOut(t *testing.T) {
	_, base := testkit.StartApp(t, app.Config{AdminToken: adminToken})
	api := testkit.Client{T: t, URL: base}
	api.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil des usagers"}`)
	api.Must(
		200,
		"PUT",
		"/api/accounts/m-weber",
		adminToken,
		`{"name":"Marie Weber","role":"agent","active":true,"departments":["accueil"]}`,
	)
	api.Must(200, "POST", "/api/accounts/m-weber/password", adminToken, `{"password":"trois pommes vertes sur la table"}`)

	ctx := browsertest.New(t)
	if status := browsertest.Load(t, ctx, chromedp.Navigate(base+"/me")); status != http.StatusOK {
		t.Fatalf("/me, anonymous, ends on a %d page", status)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasPrefix(loc, base+"/login?next=") {
		t.Fatalf("anonymous visit of /me ends at %s", loc)
	}
	// In English, the login field says what it takes.
	browsertest.Load(t, ctx, chromedp.Navigate(base+"/login?lang=en"))
	if label := browsertest.Text(t, ctx, `label[for="id"]`); label != "Login id" {
		t.Errorf("the English login label: %q", label)
	}
	browsertest.Load(t, ctx, chromedp.Navigate(base+"/login?lang=fr&next=/me"))
	status := browsertest.Load(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#id"), "m-weber"),
		chromedp.SendKeys(chromedp.CSS("#password"), "trois pommes vertes sur la table"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
	)
	if status != http.StatusOK {
		t.Fatalf("after signing in: %d", status)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != base+"/me" {
		t.Fatalf("after signing in the browser is at %s", loc)
	}
	if name := browsertest.Text(t, ctx, "#me-name"); name != "Marie Weber" {
		t.Errorf("/me shows %q", name)
	}
	// The password change page, reached from /me, is accessible; an error
	// is said in the page.
	browsertest.Load(t, ctx, chromedp.Click(chromedp.CSS("#change-password")))
	for _, v := range browsertest.Axe(t, ctx) {
		t.Errorf("password page: %s", v)
	}
	status = browsertest.Load(
		t,
		ctx,
		chromedp.SendKeys(chromedp.CSS("#current"), "faux"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
	)
	if status != http.StatusUnprocessableEntity {
		t.Errorf("a wrong current password: %d", status)
	}
	for _, v := range browsertest.Axe(t, ctx) {
		t.Errorf("password page with an error: %s", v)
	}

	if status := browsertest.Load(t, ctx, chromedp.Navigate(base+"/admin/accounts")); status != http.StatusForbidden {
		t.Errorf("an agent reaching an admin page: %d, want 403", status)
	}
	if h1 := browsertest.Text(t, ctx, "h1"); h1 != "Accès refusé" {
		t.Errorf("403 page heading: %q", h1)
	}

	status = browsertest.Load(t, ctx, chromedp.Click(chromedp.CSS("header form[action='/logout'] button")))
	if status != http.StatusOK {
		t.Fatalf("after signing out: %d", status)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != base+"/login?logged_out=1" {
		t.Errorf("after signing out the browser is at %s", loc)
	}
	if notice := browsertest.Text(t, ctx, "[role=status]"); !strings.Contains(notice, "déconnecté") {
		t.Errorf("sign-out notice: %q", notice)
	}
	browsertest.Load(t, ctx, chromedp.Navigate(base+"/me"))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasPrefix(loc, base+"/login") {
		t.Errorf("/me after signing out is at %s", loc)
	}
}
