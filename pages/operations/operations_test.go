package operations_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/testkit"
	"github.com/guichet/guichet/submit"
)

const (
	adminToken    = "jeton-admin-des-tests"
	adminPassword = "une phrase de passe pour les traitements"
)

// In chromium: an admin finds the messages routing and the PDF processor
// gave up on, replays one in vain, then both once the form exists. The page passes
// axe-core and is photographed.
func TestAdminReplaysAFailedMessage(t *testing.T) {
	a, base := testkit.StartApp(t, app.Config{AdminToken: adminToken})
	api := testkit.Client{T: t, URL: base}
	api.Must(200, "PUT", "/api/accounts/c-muller", adminToken, `{"name":"Claire Muller","role":"admin","active":true}`)
	api.Must(200, "POST", "/api/accounts/c-muller/password", adminToken, `{"password":"`+adminPassword+`"}`)
	raw, _ := json.Marshal(submit.Submission{
		Reference:   "2026-AAAA-BBBB-CCCC",
		Form:        "aide",
		FormVersion: 1,
		SubmittedAt: time.Now(),
		Data:        json.RawMessage(`{"nom":"Jeanne Schmitt"}`),
	})
	if _, err := a.Bus.JS.Publish(t.Context(), bus.SubmissionSubject("aide"), raw); err != nil {
		t.Fatal(err)
	}

	ctx := browsertest.New(t)
	load := func(want int64, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if status := browsertest.Load(t, ctx, actions...); status != want {
			t.Fatalf("status %d, want %d: %s", status, want, browsertest.Text(t, ctx, "main"))
		}
	}
	load(http.StatusOK, chromedp.Navigate(base+"/login?next=/admin/traitements"))
	load(http.StatusOK, chromedp.SendKeys(chromedp.CSS("#id"), "c-muller"), chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
		chromedp.Click(chromedp.CSS("main button[type=submit]")))
	for deadline := time.Now().Add(10 * time.Second); strings.Count(browsertest.Text(t, ctx, "main"), "not found") < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("the failed messages are not listed: %s", browsertest.Text(t, ctx, "main"))
		}
		time.Sleep(100 * time.Millisecond)
		load(http.StatusOK, chromedp.Reload())
	}
	for _, v := range browsertest.Axe(t, ctx) {
		t.Errorf("failed processing page: %s", v)
	}
	browsertest.Screenshot(t, ctx, "21-failed-processing")
	browsertest.Do(t, ctx, chromedp.EmulateViewport(1280, 900))

	load(http.StatusConflict, chromedp.Click(chromedp.CSS("main table button")))
	if text := browsertest.Text(t, ctx, "[role=alert]"); !strings.Contains(text, "Le traitement échoue encore") {
		t.Errorf("replay before the fix: %q", text)
	}

	api.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	api.Must(200, "PUT", "/api/forms/aide/draft", adminToken, `{"title":"Aide","audience":"public","schema":{"type":"object",`+
		`"properties":{"nom":{"type":"string","title":"Nom"}}},"routing":{"default":"accueil"}}`)
	api.Must(200, "POST", "/api/forms/aide/publish", adminToken, "")
	for range 2 {
		load(http.StatusOK, chromedp.Click(chromedp.CSS("main table button")))
		if text := browsertest.Text(t, ctx, "main"); !strings.Contains(text, "Le message a été traité") {
			t.Errorf("replay after the fix: %s", text)
		}
	}
	if text := browsertest.Text(t, ctx, "main"); !strings.Contains(text, "Aucun traitement en échec") {
		t.Errorf("after both replays: %s", text)
	}
}
