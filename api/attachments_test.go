package api_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/guichet/guichet/internal/test/pdftest"
	"github.com/guichet/guichet/submit"
)

// samplePDFContent is a small PDF file; samplePDF, the same as an answer.
const samplePDFContent = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

var samplePDF = submit.DataURL("avis d'imposition.pdf", "application/pdf", []byte(samplePDFContent))

func samplePNG(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Files travel as data URLs, are checked by content against their field's
// rule, stored apart, listed with their SHA-256 in the PDF, and served to
// those entitled to the submission.
func TestAttachments(t *testing.T) {
	s := startServer(t)
	s.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	s.Must(200, "PUT", "/api/forms/aide/draft", adminToken, `{"title":"Aide","audience":"public",
		"schema":{"type":"object","required":["justificatif"],"properties":{
			"justificatif":{"type":"string","format":"data-url","title":"Avis d'imposition"},
			"photos":{"type":"array","title":"Photos","items":{"type":"string","format":"data-url"}}}},
		"uiSchema":{"photos":{"ui:options":{"accept":["image/png","image/jpeg"],"maxFiles":2,"maxSize":2000}}},
		"routing":{"default":"accueil"}}`)
	s.Must(200, "POST", "/api/forms/aide/publish", adminToken, "")
	photo := submit.DataURL("façade.png", "image/png", samplePNG(t))
	disguised := submit.DataURL("faux.pdf", "application/pdf", []byte("<html><script>alert(1)</script></html>"))
	big := submit.DataURL("grande.png", "image/png", append(samplePNG(t), make([]byte, 3000)...))

	for body, want := range map[string]string{
		`{"data":{"justificatif":"` + disguised + `"}}`: "« faux.pdf » n'est pas " +
			"d'un type accepté (PDF, JPEG, PNG, Word, Excel, PowerPoint, OpenDocument)",
		`{"data":{"justificatif":"` + samplePDF + `","photos":["` + big + `"]}}`:                                   "« grande.png » dépasse 1 Ko",
		`{"data":{"justificatif":"` + samplePDF + `","photos":["` + photo + `","` + photo + `","` + photo + `"]}}`: "Joignez au plus 2 fichiers.",
		`{"data":{"justificatif":"data:application/pdf;base64,%%%"}}`:                                              "n'a pas pu être lu",
	} {
		r := s.Do("POST", "/api/forms/aide/submissions", "", body)
		if r.Status != 422 || !strings.Contains(string(r.Body), want) {
			t.Errorf("%d, want 422 saying %q: %.300s", r.Status, want, r.Body)
		}
	}
	receipt := s.Must(201, "POST", "/api/forms/aide/submissions", "", `{"data":{"justificatif":"`+samplePDF+`","photos":["`+photo+`"]}}`).
		JSON(t)
	ref, token := receipt["reference"].(string), receipt["token"].(string)
	status := s.WaitStatus(ref, token, "documented")
	files := status["attachments"].([]any)
	if len(files) != 2 || files[0].(map[string]any)["name"] != "avis d'imposition.pdf" || files[1].(map[string]any)["type"] != "image/png" {
		t.Fatalf("attachments = %v", files)
	}
	got := s.Must(200, "GET", "/api/submissions/"+ref+"/attachments/1?token="+token, "", "")
	if !bytes.Equal(got.Body, samplePNG(t)) || got.Header.Get("Content-Type") != "image/png" ||
		!strings.Contains(
			got.Header.Get("Content-Disposition"),
			"attachment; filename*=UTF-8''fa%C3%A7ade.png",
		) || got.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("attachment served as %v", got.Header)
	}
	s.Must(404, "GET", "/api/submissions/"+ref+"/attachments/2?token="+token, "", "")
	s.Must(404, "GET", "/api/submissions/"+ref+"/attachments/0", "", "")
	text := pdftest.Text(t, s.Must(200, "GET", "/api/submissions/"+ref+"/pdf?token="+token, "", "").Body)
	for _, want := range []string{
		"Pièces jointes",
		"avis d'imposition.pdf",
		"façade.png",
		files[0].(map[string]any)["sha256"].(string),
		"Avis d'imposition",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, base64.StdEncoding.EncodeToString(samplePNG(t))[:20]) {
		t.Error("the PDF shows a file's content")
	}
}
