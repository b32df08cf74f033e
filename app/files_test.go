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
// down a file is accepted, kept unscanned, and the record says so, as
// does the dossier to an agent before the file is opened; once ClamAV is
// back, the files are scanned, and one found infected is deleted. The
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

	// A page or a drawing named as a PDF is read for what it is.
	for name, content := range map[string]string{
		"plan.pdf":  `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>`,
		"devis.pdf": `<!DOCTYPE html><html><script>alert(1)</script></html>`,
	} {
		r := in.Do("POST", "/api/forms/pieces/submissions", "", body(name, "application/pdf", []byte(content)))
		if r.Status != 422 || !strings.Contains(string(r.Body), "n'est pas d'un type accepté") {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}

	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("1 0 obj << >> endobj\n"), 100)...)
	submit := func(data string) (token, reference string) {
		receipt := in.Must(201, "POST", "/api/forms/pieces/submissions", "", data).JSON(t)
		ref, token := receipt["reference"].(string), receipt["token"].(string)
		in.WaitProcessed(ref, token)
		return token, ref
	}
	record := func() (string, string) {
		token, ref := submit(body("devis.pdf", "application/pdf", pdf))
		pdf := in.Must(200, "GET", "/api/submissions/"+ref+"/pdf?token="+token, "", "").Body
		return strings.Join(strings.Fields(pdftest.Text(t, pdf)), " "), ref
	}
	text, _ := record()
	if !strings.Contains(text, "devis.pdf") || !strings.Contains(text, "Analyse antivirus (ClamAV) : aucun virus trouvé") {
		t.Errorf("the record of a clean file:\n%s", text)
	}
	daemon.Stop()
	text, unscanned := record()
	if !strings.Contains(text, "Analyse antivirus (ClamAV) : pas encore analysé") {
		t.Errorf("the record of a file received while ClamAV is down:\n%s", text)
	}
	// EICAR, received while ClamAV is down, is kept until it answers.
	_, infected := submit(body("notes.txt", "text/plain", []byte(clamdtest.EICAR)))

	// An agent is warned before opening a file not yet scanned.
	agent := in.signIn("bootstrap-admin")
	const warning = "Pas encore analysé par"
	if page := agent.get("/dossiers/" + unscanned); !strings.Contains(page, warning) {
		t.Error("the dossier of a file not yet scanned gives no warning")
	}
	download := in.Must(200, "GET", "/api/submissions/"+unscanned+"/attachments/0", adminToken, "")
	if download.Header.Get("Guichet-Scan") != "unscanned" || download.Header.Get("Content-Disposition") == "" ||
		download.Header.Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(download.Body, pdf) {
		t.Errorf("the download of a file not yet scanned: %v", download.Header)
	}
	daemon.Restart()
	if n, err := in.app.Services.Uploads.Rescan(t.Context()); err != nil || n != 2 {
		t.Fatalf("rescan: %d %v", n, err)
	}
	if page := agent.get("/dossiers/" + unscanned); strings.Contains(page, warning) {
		t.Error("the warning stays once the file is scanned")
	}
	if h := in.Must(200, "GET", "/api/submissions/"+unscanned+"/attachments/0", adminToken, "").Header; h.Get("Guichet-Scan") != "clean" {
		t.Errorf("after the scan: %v", h)
	}
	if page := agent.get("/dossiers/" + infected); !strings.Contains(page, "contenait un virus : supprimé") {
		t.Error("the dossier does not say the file found infected later was deleted")
	}
	in.Must(410, "GET", "/api/submissions/"+infected+"/attachments/0", adminToken, "")
	metrics := string(in.Must(200, "GET", "/metrics", adminToken, "").Body)
	for _, want := range []string{`guichet_files_scanned_total{scan="infected"} 3`, `guichet_files_scanned_total{scan="clean"} 2`,
		`guichet_files_scanned_total{scan="unscanned"} 2`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
