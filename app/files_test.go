package app_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/clamdtest"
	"github.com/guichet/guichet/internal/test/pdftest"
	"github.com/guichet/guichet/submit"
)

const filesForm = `{
	"title": "Pièces du dossier", "audience": "public",
	"schema": {"type": "object", "properties": {
		"nom": {"type": "string", "title": "Nom"},
		"piece": {"type": "string", "format": "data-url", "title": "Pièce"}}},
	"uiSchema": {"piece": {"ui:options": {"accept": ["application/pdf", "text/plain"]}}},
	"routing": {"default": "accueil"}
}`

// Every file sent is scanned by a real ClamAV before a submission holds
// it: EICAR is refused in French and English and not kept; a clean file
// is attached, and the PDF record says it was scanned; while ClamAV is
// down a file is accepted, kept unscanned, and the record says so. The
// metrics count files by result.
func TestFilesAreScannedBeforeSubmission(t *testing.T) {
	daemon := clamdtest.Start(t)
	in := startWith(t, app.Config{DataDir: t.TempDir(), ClamdAddr: daemon.Addr})
	in.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	in.Must(200, "PUT", "/api/forms/pieces/draft", adminToken, filesForm)
	in.Must(200, "POST", "/api/forms/pieces/publish", adminToken, "")
	body := func(name, mediaType string, content []byte) string {
		raw, _ := json.Marshal(map[string]any{"data": map[string]string{"nom": "Anne Weber",
			"piece": submit.DataURL(name, mediaType, content)}})
		return string(raw)
	}
	eicar := body("facture.txt", "text/plain", []byte(clamdtest.EICAR))
	for lang, says := range map[string]string{
		"fr": "Le fichier « facture.txt » contient un virus (" + clamdtest.Signature + ") : il est refusé et n'est pas conservé.",
		"en": "The file “facture.txt” contains a virus (" + clamdtest.Signature + "): it is refused and not kept.",
	} {
		r := in.Do("POST", "/api/forms/pieces/submissions", "", eicar, "Accept-Language", lang)
		if r.Status != 422 || !strings.Contains(string(r.Body), says) {
			t.Errorf("EICAR in %s: %d %s", lang, r.Status, r.Body)
		}
	}

	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("1 0 obj << >> endobj\n"), 100)...)
	record := func() string {
		receipt := in.Must(201, "POST", "/api/forms/pieces/submissions", "", body("devis.pdf", "application/pdf", pdf)).JSON(t)
		ref, token := receipt["reference"].(string), receipt["token"].(string)
		in.WaitProcessed(ref, token)
		return strings.Join(strings.Fields(pdftest.Text(t, in.Must(200, "GET", "/api/submissions/"+ref+"/pdf?token="+token, "", "").Body)), " ")
	}
	if text := record(); !strings.Contains(text, "devis.pdf") || !strings.Contains(text, "Analyse antivirus (ClamAV) : aucun virus trouvé") {
		t.Errorf("the record of a clean file:\n%s", text)
	}
	daemon.Stop()
	if text := record(); !strings.Contains(text, "Analyse antivirus (ClamAV) : pas encore analysé") {
		t.Errorf("the record of a file received while ClamAV is down:\n%s", text)
	}
	metrics := string(in.Must(200, "GET", "/metrics", adminToken, "").Body)
	for _, want := range []string{`guichet_files_scanned_total{scan="infected"} 2`, `guichet_files_scanned_total{scan="clean"} 1`,
		`guichet_files_scanned_total{scan="unscanned"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
