package webform_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/browsertest"
)

// A form shown in a frame on another site that its settings name: the
// frame fits the page, and the whole journey, from the first answer to the
// receipt, happens inside it, though the browser keeps Guichet's cookies
// from it. Any other site is kept out by the form's frame-ancestors.
func TestEmbeddedInAnotherSite(t *testing.T) {
	// The council's other site, at another host name: another site for
	// the browser.
	var frame string
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="fr"><head><title>Moselle</title></head>`+
			`<body><h1>Le site du Département</h1>%s</body></html>`, frame)
	}))
	defer host.Close()
	hostURL := "http://localhost:" + strconv.Itoa(host.Listener.Addr().(*net.TCPAddr).Port)

	api, base := startPublished(t, app.Config{}, map[string]string{"inscription": `{"title":"Inscription à la newsletter",
		"audience":"public", "embedOrigins":["` + hostURL + `"],
		"schema":{"type":"object","required":["nom"],"properties":{"nom":{"type":"string","title":"Nom","minLength":1}}},
		"routing":{"default":"accueil"}}`})
	api.Must(422, "PUT", "/api/forms/ailleurs/draft", adminToken, `{"title":"Ailleurs","audience":"public",
		"embedOrigins":["https://www.moselle.fr/page"],"schema":{"type":"object","properties":{}},"routing":{"default":"accueil"}}`)

	if csp := api.Do("GET", "/f/inscription", "", "").Header.Get("Content-Security-Policy"); !strings.Contains(csp,
		"frame-ancestors 'self' "+hostURL+";") {
		t.Errorf("the form's pages may be framed by: %s", csp)
	}
	if csp := api.Do("GET", "/", "", "").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("the other pages may be framed by: %s", csp)
	}

	frame = `<iframe src="` + base + `/f/inscription" title="Inscription à la newsletter" style="width: 100%; border: 0"></iframe>` +
		`<script src="` + base + `/static/embed.js" defer></script>`
	ctx := browsertest.New(t, browsertest.FramesInProcess...)
	browsertest.Load(t, ctx, chromedp.Navigate(hostURL+"/"))
	inFrame := func() chromedp.QueryOption {
		t.Helper()
		nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("iframe")))
		if err != nil || len(nodes) == 0 {
			t.Fatalf("no frame: %v", err)
		}
		return chromedp.FromNode(nodes[0])
	}
	// The frame says its height, and the page sizes it.
	if !browsertest.Holds(t, ctx, `parseInt(document.querySelector("iframe").style.height) > 300`) {
		t.Fatal("the frame was never sized")
	}
	browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`[name="nom"]`), inFrame()))
	// In the frame, the form goes without the site's header and footer.
	if chrome, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("header.site-header, footer.site-footer"), inFrame(),
		chromedp.AtLeast(0))); err != nil || len(chrome) > 0 {
		t.Errorf("the framed form shows the site's header or footer: %d, %v", len(chrome), err)
	}
	browsertest.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`[name="nom"]`), "Marie Weber", inFrame()))
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS("#send"), inFrame()))
	// The frame's document changes as it goes: it is looked up afresh.
	var page string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline) && !strings.Contains(page, "Demande envoyée"); {
		time.Sleep(200 * time.Millisecond)
		page, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main"), inFrame()))
	}
	reference, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#reference"), inFrame()))
	if err != nil || !strings.HasPrefix(reference, "20") {
		t.Fatalf("the receipt in the frame: %q %v", reference, err)
	}
	api.Must(200, "GET", "/api/dossiers/"+reference, adminToken, "")
	if top := browsertest.Text(t, ctx, "h1"); top != "Le site du Département" {
		t.Errorf("the page around the frame became %q", top)
	}
}
