package rights_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/testkit"
)

const (
	adminToken    = "jeton-admin-des-tests"
	adminPassword = "une phrase de passe pour les droits"
	association   = `{"data":{"association":"Chorale de Sarrebourg","siret":"12345678901234","domaine":"culture","projet":"Concert de Noël ` +
		`dans la chapelle des Cordeliers","montant":800,"contact":{"nom":"Inès Muller","email":"i.muller@example.fr"}}}`
)

// In chromium: an admin looks up what is held about an address, finds
// the submission, erases it with the request's reference, and finds
// nothing left. The page passes axe-core and is photographed.
func TestAdminAnswersAPersonsRights(t *testing.T) {
	_, base := testkit.StartApp(t, app.Config{AdminToken: adminToken, Demo: true})
	api := testkit.Client{T: t, URL: base}
	api.Must(200, "PUT", "/api/accounts/c-muller", adminToken, `{"name":"Claire Muller","role":"admin","active":true}`)
	api.Must(200, "POST", "/api/accounts/c-muller/password", adminToken, `{"password":"`+adminPassword+`"}`)
	receipt := api.Must(201, "POST", "/api/forms/subvention-association/submissions", "", association).JSON(t)
	ref := receipt["reference"].(string)
	api.WaitStatus(ref, receipt["token"].(string), "routed")

	ctx := browsertest.New(t)
	load := func(want int64, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if status := browsertest.Load(t, ctx, actions...); status != want {
			t.Fatalf("status %d, want %d: %s", status, want, browsertest.Text(t, ctx, "main"))
		}
	}
	load(http.StatusOK, chromedp.Navigate(base+"/login?next=/admin/donnees-personnelles"))
	load(http.StatusOK, chromedp.SendKeys(chromedp.CSS("#id"), "c-muller"), chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
		chromedp.Click(chromedp.CSS("main button[type=submit]")))
	load(
		http.StatusOK,
		chromedp.SendKeys(chromedp.CSS("#email"), "I.Muller@example.fr"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/donnees-personnelles"] button`)),
	)
	if text := browsertest.Text(t, ctx, "main table"); !strings.Contains(text, ref) || !strings.Contains(text, "subvention-association") {
		t.Fatalf("the submission is not listed: %s", browsertest.Text(t, ctx, "main"))
	}
	for _, v := range browsertest.Axe(t, ctx) {
		t.Errorf("personal data page: %s", v)
	}
	browsertest.Screenshot(t, ctx, "22-personal-data")
	browsertest.Do(t, ctx, chromedp.EmulateViewport(1280, 900))

	search := func(email string) {
		t.Helper()
		load(http.StatusOK, chromedp.Navigate(base+"/admin/donnees-personnelles"))
		load(
			http.StatusOK,
			chromedp.SendKeys(chromedp.CSS("#email"), email),
			chromedp.Click(chromedp.CSS(`form[action="/admin/donnees-personnelles"] button`)),
		)
	}
	// Without the request's reference or the confirmation, the server
	// refuses too, and says what is missing.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelectorAll("[required],[minlength]").forEach(e => { `+
		`e.removeAttribute("required"); e.removeAttribute("minlength") }) || true`)); err != nil {
		t.Fatal(err)
	}
	load(http.StatusUnprocessableEntity, chromedp.Click(chromedp.CSS(`form[action="/admin/donnees-personnelles/effacer"] button`)))
	text := browsertest.Text(t, ctx, "[role=alert]")
	if !strings.Contains(text, "Dites quelle demande") || !strings.Contains(text, "Cochez la confirmation") {
		t.Errorf("erasure without reason: %q", text)
	}
	if text := browsertest.Text(t, ctx, "main table"); !strings.Contains(text, ref) {
		t.Errorf("nothing should be erased yet: %s", text)
	}

	search("i.muller@example.fr")
	load(http.StatusOK, chromedp.SendKeys(chromedp.CSS("#reason"), "Courrier du 2 décembre 2026, réf. DPO-2026-118"),
		chromedp.Click(chromedp.CSS("#confirm")),
		chromedp.Click(chromedp.CSS(`form[action="/admin/donnees-personnelles/effacer"] button`)))
	if text := browsertest.Text(t, ctx, "[role=status]"); !strings.Contains(text, "1 dépôt effacé, 0 brouillon effacé") {
		t.Errorf("after the erasure: %q", text)
	}
	search("i.muller@example.fr")
	if text := browsertest.Text(t, ctx, "main"); !strings.Contains(text, "Aucun dépôt ne donne cette adresse.") {
		t.Errorf("searched again: %s", text)
	}
	api.Must(404, "GET", "/api/submissions/"+ref+"?token="+receipt["token"].(string), "", "")
}
