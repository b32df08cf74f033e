// Package browsertest drives Debian's chromium with chromedp in tests, so
// that pages are checked in a real browser. A missing browser fails the
// test; only `go test -short`, the fast inner loop, skips the tests that
// need one.
//
// A tool (internal/test/layering).
package browsertest

import (
	"context"
	"errors"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// New starts a headless chromium for the test, closed at its end, and
// returns the context of its tab; flags are added to its command line.
func New(t testing.TB, flags ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the checks in a browser are skipped")
	}
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Fatal("no chromium found: install Debian's chromium package")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 900),
		// The council's users browse in French.
		chromedp.Flag("lang", "fr-FR"),
		chromedp.Flag("accept-lang", "fr-FR,fr"),
	)
	opts = append(opts, flags...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("chromium did not start: %v", err)
	}
	AcceptDialogs(t, ctx)
	return ctx
}

// AcceptDialogs answers yes to the page's dialogue boxes, as a person who
// confirms what they asked for does: a form with data-confirm asks first.
func AcceptDialogs(t testing.TB, ctx context.Context) {
	t.Helper()
	opened := make(chan struct{}, 8)
	err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			select {
			case opened <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-opened:
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}
		}
	}()
}

// Do runs actions, failing the test on error.
func Do(t testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// Load runs actions that load a page and returns that page's HTTP status.
func Load(t testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) int64 {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Status
}

// Focused returns the id of the element that has the focus, once it is
// want or after 5 s: a browser moves the focus to an autofocus element
// after the page has loaded, not as it loads.
func Focused(t testing.TB, ctx context.Context, want string) string {
	t.Helper()
	const focused = `(document.activeElement ? document.activeElement.id : "")`
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](focused+" === "+strconv.Quote(want), chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil && !errors.Is(err, chromedp.ErrPollingTimeout) {
		t.Fatal(err)
	}
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string](focused))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Holds reports whether a JavaScript expression of the page becomes true
// within 15 s: what a script of the page does after an event, such as
// the answer of a request it makes.
func Holds(t testing.TB, ctx context.Context, expression string) bool {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expression, chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil && !errors.Is(err, chromedp.ErrPollingTimeout) {
		t.Fatal(err)
	}
	return err == nil
}

// Text returns the text of the first element a CSS selector matches.
func Text(t testing.TB, ctx context.Context, selector string) string {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(selector)))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// FramesInProcess keeps the frames of other sites in the page's own
// process, where a test reaches them as it does the page's elements;
// site isolation would give each its own process.
var FramesInProcess = []chromedp.ExecAllocatorOption{
	chromedp.Flag("disable-site-isolation-trials", true),
	chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,IsolateOrigins,site-per-process"),
}

// PressEnter presses Enter as a person does: one key down that carries
// its text, so that a page that prevents its default also prevents the
// form's submission, then the key up. chromedp's kb.Enter sends the text
// as an event of its own, which submits the form whatever the page does.
func PressEnter(t testing.TB, ctx context.Context) {
	t.Helper()
	for _, ev := range []input.DispatchKeyEventParams{
		{Type: input.DispatchKeyEventTypeKeyDown, Key: "Enter", Code: "Enter", Text: "\r", WindowsVirtualKeyCode: 13},
		{Type: input.DispatchKeyEventTypeKeyUp, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13},
	} {
		if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, ev); err != nil {
			t.Fatal(err)
		}
	}
}

// WithoutJavaScript turns scripts off in the tab, to test the pages as a
// browser without JavaScript sees them.
func WithoutJavaScript(t testing.TB, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	if err != nil {
		t.Fatal(err)
	}
}

// Attribute returns an attribute of the first element a CSS selector matches.
func Attribute(t testing.TB, ctx context.Context, selector, name string) string {
	t.Helper()
	res, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(selector), name))
	if err != nil {
		t.Fatal(err)
	}
	return res.Value
}

// HasAttribute reports whether the first element a CSS selector matches has an attribute.
func HasAttribute(t testing.TB, ctx context.Context, selector, name string) bool {
	t.Helper()
	res, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(selector), name))
	if err != nil {
		t.Fatal(err)
	}
	return res.Exists
}

// Value returns the value of the first form control a CSS selector matches.
func Value(t testing.TB, ctx context.Context, selector string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(selector)))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
