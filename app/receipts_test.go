package app_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/pdftest"
	"github.com/guichet/guichet/receipts"
)

// Every accepted submission gets a signed receipt, chained to the
// previous one of its form; anyone can check it through the API, which
// tells an authentic receipt from an altered or foreign one, and data
// that matches from data that does not.
func TestSignedReceipts(t *testing.T) {
	g := start(t, t.TempDir(), true)
	g.must(200, "PUT", "/api/forms/aide-scolarite/draft", adminToken, schoolForm)
	g.must(200, "POST", "/api/forms/aide-scolarite/publish", adminToken, "")
	var chain []receipts.Receipt
	var encoded []string
	for _, name := range []string{"Inès Muller", "Paul Weber", "Anne Schmitt"} {
		receipt := g.must(201, "POST", "/api/forms/aide-scolarite/submissions", "", schoolSubmission(name, "x@example.fr"))
		var got struct {
			Receipt    receipts.Receipt `json:"receipt"`
			Encoded    string           `json:"encoded"`
			VerifyPath string           `json:"verifyPath"`
		}
		if err := json.Unmarshal(g.WaitReceipt(receipt["reference"].(string), receipt["token"].(string)).Body, &got); err != nil {
			t.Fatal(err)
		}
		if got.Receipt.Reference != receipt["reference"] || len(got.Receipt.Attachments) != 1 || got.Receipt.Sequence == 0 ||
			!strings.HasPrefix(got.VerifyPath, "/verify?r=") || time.Since(got.Receipt.AcceptedAt) > time.Minute {
			t.Errorf("receipt %+v, %s", got.Receipt, got.VerifyPath)
		}
		chain, encoded = append(chain, got.Receipt), append(encoded, got.Encoded)
	}

	var keys struct {
		Keys []receipts.PublicKey `json:"keys"`
	}
	if err := json.Unmarshal(g.Must(200, "GET", "/api/receipts/keys", "", "").Body, &keys); err != nil || len(keys.Keys) != 1 {
		t.Fatalf("keys: %+v, %v", keys, err)
	}
	ring := receipts.Keyring{keys.Keys[0].ID: keys.Keys[0]}
	if b := receipts.CheckChain(chain, ring, ""); b != nil {
		t.Errorf("the form's receipts do not chain: %v", b)
	}

	verify := func(receipt, data string) map[string]any {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"receipt": receipt, "data": json.RawMessage(data)})
		if data == "" {
			body, _ = json.Marshal(map[string]any{"receipt": receipt})
		}
		return g.must(200, "POST", "/api/receipts/verify", "", string(body))
	}
	v := verify(encoded[0], "")
	if v["verdict"] != "authentic" || v["authentic"] != true || !strings.Contains(v["message"].(string), "authentique et intact") {
		t.Errorf("an authentic receipt: %v", v)
	}
	altered := chain[1]
	altered.AcceptedAt = altered.AcceptedAt.Add(-time.Hour)
	alteredEncoded, _ := receipts.Encode(altered)
	if v := verify(alteredEncoded, ""); v["verdict"] != "altered" || v["authentic"] != false {
		t.Errorf("a receipt with its time changed: %v", v)
	}
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	foreign, _ := receipts.Sign(chain[2], stranger)
	foreignEncoded, _ := receipts.Encode(foreign)
	if v := verify(foreignEncoded, ""); v["verdict"] != "unknown_key" {
		t.Errorf("a receipt signed by another key: %v", v)
	}
	if v := verify(encoded[0][:40], ""); v["verdict"] != "malformed" {
		t.Errorf("a receipt cut short: %v", v)
	}
	v = verify(chain[0].Reference, "")
	if v["verdict"] != "reference" || v["authentic"] != false || !strings.Contains(v["message"].(string), "numéro de dossier") {
		t.Errorf("a reference given for a receipt: %v", v)
	}

	// The data the citizen kept: their answers, with each file in the
	// place the submission stored it.
	data := `{"nom":"Inès Muller","email":"x@example.fr","justificatif":"attachment:0"}`
	if v := verify(encoded[0], data); v["dataMatches"] != true {
		t.Errorf("the data submitted: %v", v)
	}
	v = verify(encoded[0], strings.Replace(data, "Inès", "Ines", 1))
	if v["dataMatches"] != false || !strings.Contains(v["dataMessage"].(string), "ne sont pas celles") {
		t.Errorf("altered data: %v", v)
	}
	// In English on request.
	v = g.must(200, "POST", "/api/receipts/verify", "", `{"receipt":"`+encoded[0]+`"}`, "Accept-Language", "en")
	if !strings.Contains(v["message"].(string), "authentic and intact") {
		t.Errorf("in English: %v", v)
	}
}

// The PDF record shows the receipt, with a QR code that opens the
// verification page with the receipt, and carries the receipt in its
// keywords.
func TestReceiptOnThePDF(t *testing.T) {
	g := startWith(t, app.Config{DataDir: t.TempDir(), Demo: true, PublicURL: "https://demarches.example.fr"})
	receipt := g.must(201, "POST", "/api/forms/subvention-association/submissions", "", association)
	ref, token := receipt["reference"].(string), receipt["token"].(string)
	g.waitProcessed(ref, token)
	signed := g.must(200, "GET", "/api/submissions/"+ref+"/receipt?token="+token, "", "")
	encoded := signed["encoded"].(string)
	pdf := g.Must(200, "GET", "/api/submissions/"+ref+"/pdf?token="+token, "", "").Body

	text := pdftest.Text(t, pdf)
	r := signed["receipt"].(map[string]any)
	for _, want := range []string{"Accusé de réception signé", r["dataSha256"].(string), r["key"].(string), "Signature Ed25519"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	codes := pdftest.QRCodes(t, pdf)
	if len(codes) != 1 || codes[0] != "https://demarches.example.fr"+signed["verifyPath"].(string) {
		t.Errorf("QR codes of the PDF: %q, want the verification URL", codes)
	}
	if keywords := pdftest.Keywords(t, pdf); keywords != receipts.PDFKeyword+encoded {
		t.Errorf("keywords %q", keywords)
	}

	// The API compares a PDF with the record stored: the genuine one is,
	// a forgery carrying the genuine receipt is not.
	verifyPDF := func(pdf []byte) map[string]any {
		body, _ := json.Marshal(map[string]any{"receipt": encoded, "pdf": pdf})
		return g.must(200, "POST", "/api/receipts/verify", "", string(body))
	}
	if v := verifyPDF(pdf); v["recordMatches"] != true {
		t.Errorf("the genuine PDF: %v", v)
	}
	forged := []byte("%PDF-1.4\n(DEMANDE ACCEPTÉE – 150 000 €)\n/Keywords (" + receipts.PDFKeyword + encoded + ")\n%%EOF")
	v := verifyPDF(forged)
	if v["authentic"] != true || v["recordMatches"] != false || !strings.Contains(v["recordMessage"].(string), "n'est pas le récapitulatif") {
		t.Errorf("a forged PDF with a genuine receipt: %v", v)
	}
}
