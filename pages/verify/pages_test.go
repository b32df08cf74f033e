package verify_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/testkit"
	"github.com/guichet/guichet/receipts"
)

const association = `{"data":{"association":"Chorale de Sarrebourg","siret":"12345678901234","domaine":"culture","projet":"Concert de ` +
	`Noël dans la chapelle des Cordeliers","montant":800,"contact":{"nom":"Inès Muller","email":"i.muller@example.fr"}}}`

// In chromium: the verification link of a receipt says "authentique";
// an altered receipt says it is not, and a text that is no receipt, a
// reference or a damaged link, says what it is; the answers
// the citizen kept match the receipt, and altered ones do not. The page
// shows no personal data, passes axe-core, and is photographed.
func TestCitizenChecksAReceipt(t *testing.T) {
	_, base := testkit.StartApp(t, app.Config{Demo: true})
	api := testkit.Client{T: t, URL: base}
	receipt := api.Must(201, "POST", "/api/forms/subvention-association/submissions", "", association).JSON(t)
	verifyPath := api.WaitReceipt(receipt["reference"].(string), receipt["token"].(string)).JSON(t)["verifyPath"].(string)

	ctx := browsertest.New(t)
	load := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if status := browsertest.Load(t, ctx, actions...); status != http.StatusOK {
			t.Fatalf("status %d: %s", status, browsertest.Text(t, ctx, "main"))
		}
	}
	load(chromedp.Navigate(base + verifyPath))
	if text := browsertest.Text(t, ctx, "[role=status]"); !strings.Contains(text, "authentique et intact") {
		t.Fatalf("the receipt's own link: %q", text)
	}
	page := browsertest.Text(t, ctx, "main")
	if !strings.Contains(page, receipt["reference"].(string)) || strings.Contains(page, "Muller") || strings.Contains(page, "Chorale") {
		t.Errorf("the page shows more than the receipt: %s", page)
	}
	for _, v := range browsertest.Axe(t, ctx) {
		t.Errorf("verification page: %s", v)
	}
	browsertest.Screenshot(t, ctx, "23-receipt-check")
	browsertest.Do(t, ctx, chromedp.EmulateViewport(1280, 900))

	// The answers as stored: each file in its place, here none.
	answers := filepath.Join(t.TempDir(), "reponses.json")
	data := strings.TrimSuffix(strings.TrimPrefix(association, `{"data":`), "}")
	if err := os.WriteFile(answers, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	load(chromedp.SetUploadFiles("#file", []string{answers}), chromedp.Click(chromedp.CSS(`form[enctype] button`)))
	text := browsertest.Text(t, ctx, "main")
	if !strings.Contains(text, "exactement celles que le récépissé atteste") || !strings.Contains(text, "authentique et intact") {
		t.Errorf("the answers kept: %s", text)
	}
	if err := os.WriteFile(answers, []byte(strings.Replace(data, "800", "8000", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	load(chromedp.SetUploadFiles("#file", []string{answers}), chromedp.Click(chromedp.CSS(`form[enctype] button`)))
	if text := browsertest.Text(t, ctx, "[role=alert]"); !strings.Contains(text, "ne sont pas celles") {
		t.Errorf("altered answers: %q", text)
	}

	// The PDF record carries its receipt: on the receipt's page, and alone.
	pdf := filepath.Join(t.TempDir(), "recapitulatif.pdf")
	err := os.WriteFile(
		pdf,
		api.Must(200, "GET", "/api/submissions/"+receipt["reference"].(string)+"/pdf?token="+receipt["token"].(string), "", "").Body,
		0o600,
	)
	if err != nil {
		t.Fatal(err)
	}
	load(chromedp.SetUploadFiles("#file", []string{pdf}), chromedp.Click(chromedp.CSS(`form[enctype] button`)))
	if text := browsertest.Text(t, ctx, "main"); !strings.Contains(text, "octet pour octet, le récapitulatif que l'administration a "+
		"enregistré") {
		t.Errorf("the PDF on its receipt's page: %s", text)
	}
	load(chromedp.Navigate(base + "/verify"))
	for _, v := range browsertest.Axe(t, ctx) {
		t.Errorf("verification page without a receipt: %s", v)
	}
	load(chromedp.SetUploadFiles("#pdf", []string{pdf}), chromedp.Click(chromedp.CSS(`form[enctype] button`)))
	if text := browsertest.Text(t, ctx, "[role=status]"); !strings.Contains(text, "authentique et intact") {
		t.Errorf("the PDF alone: %q", text)
	}
	// A forgery: another text, carrying the genuine receipt. The receipt
	// is authentic, and the page says the PDF is not the record.
	forged := "%PDF-1.4\n(DEMANDE ACCEPTÉE – 150 000 €)\n/Keywords (" + receipts.PDFKeyword + encodedOf(t, verifyPath) + ")\n%%EOF"
	if err := os.WriteFile(pdf, []byte(forged), 0o600); err != nil {
		t.Fatal(err)
	}
	load(chromedp.Navigate(base + "/verify"))
	load(chromedp.SetUploadFiles("#pdf", []string{pdf}), chromedp.Click(chromedp.CSS(`form[enctype] button`)))
	if text := browsertest.Text(t, ctx, "[role=alert]"); !strings.Contains(text, "n'est pas le récapitulatif que l'administration a "+
		"enregistré") {
		t.Errorf("a forged PDF carrying a genuine receipt: %q", text)
	}
	if err := os.WriteFile(pdf, []byte("%PDF-1.4 un autre document"), 0o600); err != nil {
		t.Fatal(err)
	}
	load(chromedp.Navigate(base + "/verify"))
	load(chromedp.SetUploadFiles("#pdf", []string{pdf}), chromedp.Click(chromedp.CSS(`form[enctype] button`)))
	if text := browsertest.Text(t, ctx, "[role=alert]"); !strings.Contains(text, "ne porte pas de récépissé signé") {
		t.Errorf("a PDF without receipt: %q", text)
	}

	// A citizen pastes their dossier number, typed in small letters: the
	// page says what it is and how to check a receipt, and never that it
	// is not authentic.
	load(chromedp.Navigate(base + "/verify"))
	load(
		chromedp.SendKeys(chromedp.CSS("#r"), " "+strings.ToLower(receipt["reference"].(string))),
		chromedp.Click(chromedp.CSS(`form[method=get] button`)),
	)
	text = browsertest.Text(t, ctx, "main")
	if !strings.Contains(text, "Ceci est un numéro de dossier, pas un récépissé") || strings.Contains(text, "authentique") {
		t.Errorf("a reference pasted: %s", text)
	}
	for _, v := range browsertest.Axe(t, ctx) {
		t.Errorf("verification page given a reference: %s", v)
	}

	// One character changed in the link.
	encoded := encodedOf(t, verifyPath)
	i := len(encoded) / 2
	swapped := "A"
	if encoded[i] == 'A' {
		swapped = "B"
	}
	load(chromedp.Navigate(base + "/verify?r=" + encoded[:i] + swapped + encoded[i+1:]))
	if text := browsertest.Text(t, ctx, "#not-a-receipt"); !strings.Contains(text, "n'est pas un récépissé") {
		t.Errorf("a link with one character changed: %q", text)
	}
	// A receipt whose record number was changed, and re-encoded.
	altered, err := receipts.Decode(encoded)
	if err != nil {
		t.Fatal(err)
	}
	altered.Sequence++
	reencoded, err := receipts.Encode(altered)
	if err != nil {
		t.Fatal(err)
	}
	load(chromedp.Navigate(base + "/verify?r=" + reencoded))
	if text := browsertest.Text(t, ctx, "[role=alert]"); !strings.Contains(text, "Récépissé non authentique") {
		t.Errorf("an altered receipt: %q", text)
	}
}

// encodedOf is the encoded receipt a verification path carries.
func encodedOf(t *testing.T, verifyPath string) string {
	t.Helper()
	u, err := url.Parse(verifyPath)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("r")
}
