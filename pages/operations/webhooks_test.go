package operations_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/testkit"
)

// In chromium: an admin declares a webhook. An address inside the network
// is refused on the form, with the setting that would open it; a name
// that leads there is saved, its secret shown once, and its deliveries are
// refused when connecting, which the webhook's page says. The receiver
// behind the name is never reached. The pages pass axe-core.
func TestAdminSeesAWebhookKeptOutOfTheNetwork(t *testing.T) {
	var reached atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached.Add(1) }))
	t.Cleanup(receiver.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(receiver.URL, "http://"))

	_, base := testkit.StartApp(t, app.Config{AdminToken: adminToken})
	api := testkit.Client{T: t, URL: base}
	api.Must(200, "PUT", "/api/accounts/c-muller", adminToken, `{"name":"Claire Muller","role":"admin","active":true}`)
	api.Must(200, "POST", "/api/accounts/c-muller/password", adminToken, `{"password":"`+adminPassword+`"}`)
	api.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	api.Must(200, "PUT", "/api/forms/aide/draft", adminToken, `{"title":"Aide","audience":"public","schema":{"type":"object",`+
		`"properties":{"nom":{"type":"string","title":"Nom"}}},"routing":{"default":"accueil"}}`)
	api.Must(200, "POST", "/api/forms/aide/publish", adminToken, "")

	ctx := browsertest.New(t)
	load := func(want int64, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if status := browsertest.Load(t, ctx, actions...); status != want {
			t.Fatalf("status %d, want %d: %s", status, want, browsertest.Text(t, ctx, "main"))
		}
	}
	axe := func(page string) {
		t.Helper()
		for _, v := range browsertest.Axe(t, ctx) {
			t.Errorf("%s: %s", page, v)
		}
	}
	load(http.StatusOK, chromedp.Navigate(base+"/login?next=/admin/webhooks"))
	load(http.StatusOK, chromedp.SendKeys(chromedp.CSS("#id"), "c-muller"), chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
		chromedp.Click(chromedp.CSS("main button[type=submit]")))
	if text := browsertest.Text(t, ctx, "main"); !strings.Contains(text, "Aucun webhook n'est déclaré") {
		t.Errorf("webhooks before any: %s", text)
	}
	axe("webhooks")
	load(http.StatusOK, chromedp.Click(chromedp.CSS("main a.button")))
	load(http.StatusUnprocessableEntity, chromedp.SendKeys(chromedp.CSS("#id"), "gestion"),
		chromedp.SendKeys(chromedp.CSS("#url"), "http://127.0.0.1:"+port+"/evenements"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")))
	refusal := browsertest.Text(t, ctx, "[role=alert]")
	if !strings.Contains(refusal, "à l'intérieur du réseau") || !strings.Contains(refusal, "webhook-allow") {
		t.Errorf("a loopback address: %q", refusal)
	}
	axe("refused webhook")

	// A name is resolved only when connecting: saved, then refused there.
	load(http.StatusOK, chromedp.SetValue(chromedp.CSS("#url"), "http://localhost:"+port+"/evenements"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")))
	secret, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#secret")))
	if err != nil || len(secret) < 40 {
		t.Fatalf("the secret is not shown once: %q %v", secret, err)
	}
	axe("saved webhook")
	testkit.Client{T: t, URL: base}.Must(201, "POST", "/api/forms/aide/submissions", "", `{"data":{"nom":"Jeanne Schmitt"}}`)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		load(http.StatusOK, chromedp.Navigate(base+"/admin/webhooks/gestion"))
		text := browsertest.Text(t, ctx, "main")
		if strings.Contains(text, "Adresse à l'intérieur du réseau, refusée à la connexion") {
			if strings.Contains(text, secret) {
				t.Error("the secret is shown again")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no refused delivery on the webhook's page: %s", text)
		}
	}
	axe("webhook deliveries")
	browsertest.Screenshot(t, ctx, "24-webhook-deliveries")
	browsertest.Do(t, ctx, chromedp.EmulateViewport(1280, 900))
	load(http.StatusOK, chromedp.Navigate(base+"/admin/webhooks/gestion?lang=en"))
	if text := browsertest.Text(t, ctx, "main"); !strings.Contains(text, "Address inside the network, refused when connecting") {
		t.Errorf("in English: %s", text)
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the receiver inside the network was reached %d times", n)
	}
}
