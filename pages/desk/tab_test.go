package desk_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/internal/test/browsertest"
)

// browserTab is one signed-in browser of a test.
type browserTab struct {
	t   *testing.T
	ctx context.Context
}

func (b browserTab) load(want int64, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if status := browsertest.Load(b.t, b.ctx, actions...); status != want {
		b.t.Fatalf("status %d, want %d: %s", status, want, browsertest.Text(b.t, b.ctx, "main"))
	}
}

func (b browserTab) text(selector string) string {
	b.t.Helper()
	return browsertest.Text(b.t, b.ctx, selector)
}

// textAt loads a page and returns the text of an element, or "" when the
// page has none.
func (b browserTab) textAt(url, selector string) string {
	b.t.Helper()
	browsertest.Load(b.t, b.ctx, chromedp.Navigate(url))
	found, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector(`+"`"+selector+"`"+`) || {textContent: `+
		`""}).textContent`))
	if err != nil {
		b.t.Fatal(err)
	}
	return found
}

// waitFor reloads a page until an element is on it.
func (b browserTab) waitFor(url, selector string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		browsertest.Load(b.t, b.ctx, chromedp.Navigate(url))
		nodes, err := chromedp.Run(b.ctx, chromedp.Nodes(chromedp.CSS(selector), chromedp.AtLeast(0)))
		if err == nil && len(nodes) > 0 {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s never shows %s", url, selector)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// check runs axe-core on the page and photographs it.
func (b browserTab) check(name string) {
	b.t.Helper()
	for _, v := range browsertest.Axe(b.t, b.ctx) {
		b.t.Errorf("%s: %s", name, v)
	}
	browsertest.Screenshot(b.t, b.ctx, name)
	browsertest.Do(b.t, b.ctx, chromedp.EmulateViewport(1280, 900))
}
