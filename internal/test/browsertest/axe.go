package browsertest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// RepoRoot is the folder of go.mod, found from the test's folder.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's folder")
		}
		dir = parent
	}
}

var axeSource struct {
	once sync.Once
	src  string
	err  error
}

// Violation is one accessibility rule a page breaks, as axe-core reports it.
type Violation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []string `json:"target"`
	} `json:"nodes"`
}

func (v Violation) String() string {
	var targets []string
	for _, n := range v.Nodes {
		targets = append(targets, strings.Join(n.Target, " "))
	}
	return v.ID + " (" + v.Help + "): " + strings.Join(targets, ", ")
}

// Axe runs axe-core (installed from npm, see package.json) on the page
// loaded in ctx against WCAG 2.1 A and AA, and returns the violations.
func Axe(t testing.TB, ctx context.Context) []Violation {
	t.Helper()
	axeSource.once.Do(func() {
		var raw []byte
		raw, axeSource.err = os.ReadFile(filepath.Join(RepoRoot(t), "node_modules", "axe-core", "axe.min.js"))
		axeSource.src = string(raw)
	})
	if axeSource.err != nil {
		t.Fatalf("axe-core is not installed (run npm install): %v", axeSource.err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](axeSource.src)); err != nil {
		t.Fatalf("injecting axe-core: %v", err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(r => `+
			`JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("running axe-core: %v", err)
	}
	var violations []Violation
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		t.Fatal(err)
	}
	return violations
}

// ScreenshotsEnv is the variable that, set to 1, has Screenshot write into docs/screenshots
// (make screenshots); otherwise tests write their screenshots in a
// temporary folder and leave the checkout alone.
const ScreenshotsEnv = "GUICHET_SCREENSHOTS"

// Screenshot writes the page loaded in ctx, whole, at a desktop and a
// phone width, as name-desktop.png and name-phone.png: into the
// documentation's folder when ScreenshotsEnv asks, in a temporary folder
// otherwise.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := t.TempDir()
	if os.Getenv(ScreenshotsEnv) == "1" {
		dir = filepath.Join(RepoRoot(t), "docs", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, size := range []struct {
		suffix        string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"phone", 375, 812, true}} {
		var opts []chromedp.EmulateViewportOption
		if size.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.width, size.height, opts...)); err != nil {
			t.Fatal(err)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+size.suffix+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateReset()); err != nil {
		t.Fatal(err)
	}
}
