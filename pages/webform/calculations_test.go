package webform_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/testkit"
)

const refund = `{"title": "Remboursement de frais", "audience": "public",
	"schema": {"type": "object", "required": ["km", "bareme"], "properties": {
		"km": {"type": "number", "title": "Kilomètres parcourus"},
		"bareme": {"type": "string", "title": "Barème", "oneOf": [{"const": "petit", "title": "0,32 € par km"},
			{"const": "grand", "title": "0,45 € par km"}]},
		"repas": {"type": "integer", "title": "Repas"},
		"indemnite": {"type": "number", "title": "Indemnités kilométriques", "multipleOf": 0.01, "readOnly": true,
			"x-calculate": "km * (bareme == \"petit\" ? 0.32 : 0.45)"},
		"total": {"type": "number", "title": "Total", "multipleOf": 0.01, "readOnly": true, "x-calculate": "indemnite + (repas ?? 0) * 20"},
		"debut": {"type": "string", "format": "date", "title": "Premier jour"},
		"fin": {"type": "string", "format": "date", "title": "Dernier jour"}}},
	"checks": [{"expr": "fin >= debut", "field": "fin", "messageFr": "Le dernier jour précède le premier.",
		"messageEn": "The last day is before the first."}],
	"routing": {"default": "accueil"}}`

// A calculated total shows as the answers are typed, worked out by the
// server, and is the total stored; a check across answers shows under its
// field before the page is sent. Without JavaScript, the server works the
// total out when the page is sent.
func TestCalculationsAndChecksLive(t *testing.T) {
	api, base := startPublished(t, app.Config{}, map[string]string{"remboursement": refund})
	ctx := browsertest.New(t)
	waitText := func(selector, want string) {
		t.Helper()
		if !browsertest.Holds(t, ctx, `(document.querySelector(`+"`"+selector+"`"+`) || {}).textContent === `+"`"+want+"`") {
			t.Errorf("%s never reads %q, but %q", selector, want, browsertest.Text(t, ctx, selector))
		}
	}
	browsertest.Load(t, ctx, chromedp.Navigate(base+"/f/remboursement"))
	browsertest.Do(t, ctx, chromedp.SendKeys(field("km"), "125,5"), chromedp.Click(chromedp.CSS(`[name="bareme"][value="petit"]`)))
	waitText(`output[data-calculated="indemnite"]`, "40,16")
	browsertest.Do(t, ctx, chromedp.SendKeys(field("repas"), "2"))
	waitText(`output[data-calculated="total"]`, "80,16")
	browsertest.Do(t, ctx, chromedp.SetValue(field("debut"), "2026-03-10"), chromedp.SetValue(field("fin"), "2026-03-02"),
		chromedp.SendKeys(field("fin"), ""))
	waitText(`p.live-check[data-field="fin"]`, "Le dernier jour précède le premier.")
	for _, v := range browsertest.Axe(t, ctx) {
		t.Errorf("the page with its live total: %s", v)
	}
	browsertest.Screenshot(t, ctx, "36-calculated-total")
	browsertest.Do(t, ctx, chromedp.SetValue(field("fin"), "2026-03-12"), chromedp.SendKeys(field("fin"), ""))
	if !browsertest.Holds(t, ctx, `!document.querySelector("p.live-check")`) {
		t.Error("the check's message stays once the dates are right")
	}
	shown := browsertest.Text(t, ctx, `output[data-calculated="total"]`)
	browsertest.Load(t, ctx, chromedp.Click(chromedp.CSS("#send")))
	if got := answerOf(t, ctx, api, "Total"); got != shown {
		t.Errorf("the total stored is %q, the page showed %q", got, shown)
	}

	plain := browsertest.New(t)
	browsertest.WithoutJavaScript(t, plain)
	browsertest.Load(t, plain, chromedp.Navigate(base+"/f/remboursement"))
	if got := browsertest.Text(t, plain, `output[data-calculated="total"]`); got != "—" {
		t.Errorf("the total before any answer: %q", got)
	}
	browsertest.Load(t, plain, chromedp.SendKeys(field("km"), "100"), chromedp.Click(chromedp.CSS(`[name="bareme"][value="grand"]`)),
		chromedp.Click(chromedp.CSS("#send")))
	if got := answerOf(t, plain, api, "Total"); got != "45" {
		t.Errorf("the total worked out without JavaScript: %q", got)
	}
}

// answerOf is the answer, as the dossier shows it, to the question
// labelled label in the request whose receipt the tab shows.
func answerOf(t *testing.T, ctx context.Context, api testkit.Client, label string) string {
	t.Helper()
	path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil || !strings.HasPrefix(path, "/recu/") {
		t.Fatalf("no receipt after sending: %s %v", path, err)
	}
	dossier := api.Must(200, "GET", "/api/dossiers/"+strings.TrimPrefix(path, "/recu/"), adminToken, "").JSON(t)
	for _, a := range dossier["answers"].([]any) {
		if answer := a.(map[string]any); answer["label"] == label {
			return answer["value"].(string)
		}
	}
	return ""
}
