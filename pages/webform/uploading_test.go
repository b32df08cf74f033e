package webform_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/browsertest"
)

// A person who sends the page while a file is still uploading is told to
// wait, and the page goes on by itself once the file has arrived; when
// the file is refused instead, the page stays, says why, and sends
// nothing.
func TestSendWhileUploading(t *testing.T) {
	_, base := startPublished(t, app.Config{}, map[string]string{"piece": `{"title":"Pièce justificative","audience":"public",
		"schema":{"type":"object","required":["nom","piece"],"properties":{"nom":{"type":"string","title":"Nom"},
			"piece":{"type":"string","format":"data-url","title":"Justificatif"}}},"routing":{"default":"accueil"}}`})
	dir := t.TempDir()
	write := func(name string, content []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// Each request of an upload takes three seconds to be answered.
	large := write("releve-de-compte.pdf", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("% ligne de relevé\n"), (600<<10)/18)...))
	program := write("facture.pdf", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 600<<10)...))

	ctx := browsertest.New(t)
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{URLPattern: base + "/api/uploads/*", Latency: 3000, DownloadThroughput: -1,
			UploadThroughput: -1}},
	}); err != nil {
		t.Fatal(err)
	}
	const waiting = `document.querySelector("form[data-upload-form] > p.hint[role=status]").textContent`
	send := func(file string) {
		t.Helper()
		browsertest.Load(t, ctx, chromedp.Navigate(base+"/f/piece"))
		browsertest.Do(t, ctx, chromedp.SendKeys(field("nom"), "Marie Weber"), chromedp.SetUploadFiles(field("piece"), []string{file}),
			chromedp.Click(chromedp.CSS("#send")))
		// The page says so as it is sent, before the file has arrived.
		if said, err := chromedp.Run(ctx, chromedp.Evaluate[string](waiting)); err != nil ||
			!strings.HasPrefix(said, "Les fichiers sont encore en cours d'envoi") {
			t.Errorf("sent while uploading, the page says %q (%v)", said, err)
		}
	}

	send(large)
	browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#reference")))
	if files := browsertest.Text(t, ctx, "#attachments"); !strings.Contains(files, "releve-de-compte.pdf") {
		t.Errorf("the receipt lists %q", files)
	}

	send(program)
	if !browsertest.Holds(t, ctx, `!!document.querySelector("ul.uploads li.error-message")`) {
		t.Fatalf("a refused file: %s", browsertest.Text(t, ctx, "main"))
	}
	if refusal := browsertest.Text(t, ctx, "ul.uploads li.error-message"); refusal !=
		"Le fichier « facture.pdf » n'est pas d'un type accepté (PDF, JPEG, PNG, Word, Excel, PowerPoint, OpenDocument)." {
		t.Errorf("the refusal says %q", refusal)
	}
	if still, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector("[name=nom]") && `+waiting+` === ""`)); !still {
		t.Error("with its file refused, the page went on or still says to wait")
	}
	if value := browsertest.Value(t, ctx, `[name="nom"]`); value != "Marie Weber" {
		t.Errorf("what was typed became %q", value)
	}
}
