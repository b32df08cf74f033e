package app_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/test/clamdtest"
	"github.com/guichet/guichet/internal/test/pdftest"
	"github.com/guichet/guichet/internal/test/testkit"
	"github.com/guichet/guichet/schemas"
)

// tusClient speaks tus 1.0 to a Guichet under test.
type tusClient struct {
	t     testing.TB
	base  string
	token string
	lang  string
}

func (c tusClient) do(method, url string, body io.Reader, headers ...string) *http.Response {
	c.t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp
}

// create starts an upload and returns its address, or the refusal.
func (c tusClient) create(form, field, name string, size int) (string, *http.Response) {
	c.t.Helper()
	meta := []string{}
	for _, kv := range [][2]string{{"form", form}, {"field", field}, {"filename", name}} {
		meta = append(meta, kv[0]+" "+base64.StdEncoding.EncodeToString([]byte(kv[1])))
	}
	resp := c.do(http.MethodPost, c.base+"/api/uploads", nil, "Upload-Length", strconv.Itoa(size),
		"Upload-Metadata", strings.Join(meta, ","))
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return "", resp
	}
	location := resp.Header.Get("Location")
	if strings.HasPrefix(location, "/") {
		location = c.base + location
	}
	return location, resp
}

// offset asks how much of an upload arrived.
func (c tusClient) offset(location string) int {
	c.t.Helper()
	resp := c.do(http.MethodHead, location, nil)
	resp.Body.Close()
	n, err := strconv.Atoi(resp.Header.Get("Upload-Offset"))
	if err != nil {
		c.t.Fatalf("HEAD %s: %d, Upload-Offset %q", location, resp.StatusCode, resp.Header.Get("Upload-Offset"))
	}
	return n
}

// patch sends content from offset.
func (c tusClient) patch(location string, offset int, content []byte) *http.Response {
	c.t.Helper()
	return c.do(http.MethodPatch, location, bytes.NewReader(content), "Upload-Offset", strconv.Itoa(offset),
		"Content-Type", "application/offset+octet-stream")
}

// cut sends the headers of a chunk and part of its body, then drops the
// connection, as a train going into a tunnel would.
func (c tusClient) cut(location string, offset int, chunk []byte, sent int) {
	c.t.Helper()
	addr := strings.TrimPrefix(c.base, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		c.t.Fatal(err)
	}
	path := strings.TrimPrefix(location, c.base)
	fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: %s\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: %d\r\n"+
		"Content-Type: application/offset+octet-stream\r\nContent-Length: %d\r\n\r\n", path, addr, offset, len(chunk))
	w := bufio.NewWriter(conn)
	_, _ = w.Write(chunk[:sent])
	_ = w.Flush()
	time.Sleep(200 * time.Millisecond)
	conn.Close()
}

// upload sends content from offset to its end, in chunks of chunk bytes,
// and returns the answer to the last.
func (c tusClient) upload(location string, content []byte, offset, chunk int) *http.Response {
	c.t.Helper()
	var resp *http.Response
	for offset < len(content) {
		end := min(offset+chunk, len(content))
		resp = c.patch(location, offset, content[offset:end])
		if resp.StatusCode != http.StatusNoContent || end == len(content) {
			return resp
		}
		resp.Body.Close()
		offset = end
	}
	return resp
}

const tenderForm = `{
	"title": "Dépôt d'une offre", "audience": "public",
	"schema": {"type": "object", "required": ["entreprise", "offre"], "properties": {
		"entreprise": {"type": "string", "title": "Entreprise"},
		"courriel": {"type": "string", "format": "email", "title": "Courriel"},
		"offre": {"type": "string", "format": "data-url", "title": "Offre"}}},
	"uiSchema": {"offre": {"ui:options": {"accept": ["application/pdf", "text/plain"], "maxSize": 419430400}}},
	"routing": {"default": "accueil"}
}`

// A file of 300 MB is uploaded on its own, in chunks; the connection is
// cut in the middle of one, the upload resumes from what arrived, and the
// file, scanned, is then submitted by its id: the PDF record lists it with its
// SHA-256 and scan. EICAR is refused at its last chunk, in French and
// English; a field that does not exist, a file larger than the field
// takes, and an internal form's upload by someone signed out are refused
// before anything is sent.
func TestUploadsInChunks(t *testing.T) {
	daemon := clamdtest.Start(t)
	in := startWith(t, app.Config{DataDir: t.TempDir(), ClamdAddr: daemon.Addr})
	in.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	in.Must(200, "PUT", "/api/forms/offre/draft", adminToken, tenderForm)
	in.Must(200, "POST", "/api/forms/offre/publish", adminToken, "")
	tus := tusClient{t: t, base: in.URL}

	size := 300 << 20
	if testkit.Race {
		size = 24 << 20 // the same path, for the race detector
	}
	content := randomPDF(size, 1)
	location, resp := tus.create("offre", "offre", "offre technique.pdf", len(content))
	if location == "" {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	const chunk = 8 << 20
	if r := tus.patch(location, 0, content[:chunk]); r.StatusCode != http.StatusNoContent {
		t.Fatalf("first chunk: %d", r.StatusCode)
	}
	tus.cut(location, chunk, content[chunk:2*chunk], 3<<20)
	offset := tus.offset(location)
	if offset <= chunk || offset > 2*chunk {
		t.Fatalf("after the cut, %d bytes arrived; want more than the first chunk's %d", offset, chunk)
	}
	last := tus.upload(location, content, offset, chunk)
	last.Body.Close()
	ref := last.Header.Get("Guichet-Upload")
	if last.StatusCode != http.StatusNoContent || !strings.HasPrefix(ref, "upload:") {
		t.Fatalf("last chunk: %d, Guichet-Upload %q", last.StatusCode, ref)
	}
	body, _ := json.Marshal(map[string]any{"data": map[string]string{"entreprise": "Bâtiments de Lorraine",
		"courriel": "offres@batiments-lorraine.example", "offre": ref}})
	receipt := in.Must(201, "POST", "/api/forms/offre/submissions", "", string(body)).JSON(t)
	reference, token := receipt["reference"].(string), receipt["token"].(string)
	in.WaitProcessed(reference, token)
	sum := sha256.Sum256(content)
	record := strings.Join(strings.Fields(pdftest.Text(t, in.Must(200, "GET", "/api/submissions/"+reference+"/pdf?token="+token, "",
		"").Body)), "")
	for _, want := range []string{"offretechnique.pdf", strings.ReplaceAll(schemas.SizeText(int64(size)).FR, " ", ""),
		hex.EncodeToString(sum[:]), "aucunvirustrouvé"} {
		if !strings.Contains(record, want) {
			t.Errorf("the record lacks %q:\n%s", want, record)
		}
	}
	attached := in.Must(200, "GET", "/api/submissions/"+reference+"/attachments/0?token="+token, "", "").Body
	if !bytes.Equal(attached, content) {
		t.Errorf("the attachment differs from the file uploaded: %d bytes of %d", len(attached), len(content))
	}
	// The same file cannot be held by a second submission.
	if r := in.Do("POST", "/api/forms/offre/submissions", "", string(body)); r.Status != 422 ||
		!strings.Contains(string(r.Body), "n'est plus disponible") {
		t.Errorf("a second submission of the same upload: %d %s", r.Status, r.Body)
	}

	// The erasure of the submission takes the file and its record.
	in.Must(200, "POST", "/api/privacy/erasure", adminToken,
		`{"email":"offres@batiments-lorraine.example","reason":"Demande reçue le 2 mars 2026"}`)
	id, _ := strings.CutPrefix(ref, "upload:")
	if f, err := in.app.Services.Uploads.Get(t.Context(), id); err == nil {
		t.Errorf("the erased submission's file is still recorded: %+v", f)
	}
	if _, err := in.app.Services.Documents.GetBytes(t.Context(), bus.UploadName(id)); err == nil {
		t.Error("the erased submission's file is still stored")
	}

	for lang, says := range map[string]string{"fr": "contient un virus", "en": "contains a virus"} {
		tus.lang = lang
		location, _ := tus.create("offre", "offre", "eicar.txt", len(clamdtest.EICAR))
		r := tus.upload(location, []byte(clamdtest.EICAR), 0, chunk)
		refusal, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(refusal), says) {
			t.Errorf("EICAR in %s: %d %s", lang, r.StatusCode, refusal)
		}
	}
	tus.lang = ""
	for _, c := range []struct {
		name, form, field string
		size, want        int
	}{
		{"a field that does not exist", "offre", "annexe", 100, http.StatusUnprocessableEntity},
		{"a file larger than the field takes", "offre", "offre", 500 << 20, http.StatusRequestEntityTooLarge},
		{"a form that does not exist", "inconnu", "offre", 100, http.StatusNotFound},
	} {
		if location, resp := tus.create(c.form, c.field, "x.pdf", c.size); location != "" || resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.want)
		}
	}

	// An internal form's files are for agents, as its submissions.
	in.Must(200, "PUT", "/api/forms/frais/draft", adminToken, strings.Replace(strings.Replace(tenderForm, `"public"`, `"internal"`, 1),
		"Dépôt d'une offre", "Frais de déplacement", 1))
	in.Must(200, "POST", "/api/forms/frais/publish", adminToken, "")
	if location, resp := tus.create("frais", "offre", "billet.pdf", 100); location != "" || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an internal form's upload, signed out: %d", resp.StatusCode)
	}
	in.Must(200, "PUT", "/api/accounts/m-weber", adminToken, `{"name":"Marie Weber","role":"agent","active":true,"departments":["accueil"]}`)
	tus.token = in.Must(201, "POST", "/api/accounts/m-weber/tokens", adminToken, `{"name":"tests"}`).JSON(t)["token"].(string)
	if location, resp := tus.create("frais", "offre", "billet.pdf", 100); location == "" {
		t.Errorf("an internal form's upload by an agent: %d", resp.StatusCode)
	}
}

// randomPDF is size bytes that read as a PDF: a header, then noise.
func randomPDF(size int, seed uint64) []byte {
	content := make([]byte, size)
	random := rand.New(rand.NewPCG(seed, seed+1))
	for i := 0; i < size; i += 8 {
		v := random.Uint64()
		for j := 0; j < 8 && i+j < size; j++ {
			content[i+j] = byte(v >> (8 * j))
		}
	}
	copy(content, "%PDF-1.7\n")
	return content
}

const annexesForm = `{
	"title": "Dépôt des annexes", "audience": "public",
	"schema": {"type": "object", "properties": {
		"entreprise": {"type": "string", "title": "Entreprise"},
		"annexes": {"type": "array", "items": {"type": "string", "format": "data-url"}, "title": "Annexes"}}},
	"uiSchema": {"annexes": {"ui:options": {"accept": ["application/pdf"], "maxSize": 157286400, "maxFiles": 4}}},
	"routing": {"default": "accueil"}
}`

// A draft holds its files' ids, not the files: 200 MB of files uploaded
// on their own are saved with the page's answers, found again when the
// draft is resumed, kept while it lives, and sent with it.
func TestDraftWithLargeFiles(t *testing.T) {
	if testing.Short() || testkit.Race {
		t.Skip("uploads 200 MB")
	}
	in := startWith(t, app.Config{DataDir: t.TempDir()})
	in.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	in.Must(200, "PUT", "/api/forms/annexes/draft", adminToken, annexesForm)
	in.Must(200, "POST", "/api/forms/annexes/publish", adminToken, "")
	tus := tusClient{t: t, base: in.URL}
	var refs []string
	for i, name := range []string{"annexe-financiere.pdf", "memoire-technique.pdf"} {
		content := randomPDF(100<<20, uint64(i))
		location, resp := tus.create("annexes", "annexes", name, len(content))
		if location == "" {
			t.Fatalf("create %s: %d", name, resp.StatusCode)
		}
		last := tus.upload(location, content, 0, 16<<20)
		last.Body.Close()
		if last.StatusCode != http.StatusNoContent {
			t.Fatalf("upload %s: %d", name, last.StatusCode)
		}
		refs = append(refs, last.Header.Get("Guichet-Upload"))
	}

	client := in.Client
	client.NoRedirects = true
	form := url.Values{"entreprise": {"Bâtiments de Lorraine"}, "annexes": refs, "_action": {"save"}, "form_csrf": {pageToken}}
	saved := client.Do("POST", "/f/annexes", "", form.Encode(), "Content-Type", "application/x-www-form-urlencoded",
		"Cookie", "guichet_form_csrf="+pageToken)
	resume := regexp.MustCompile(`/f/annexes/d/[A-Za-z0-9_-]+`).FindString(string(saved.Body))
	if saved.Status != http.StatusOK || resume == "" {
		t.Fatalf("save: %d %.500s", saved.Status, saved.Body)
	}
	page := string(in.Must(200, "GET", resume, "", "").Body)
	for _, want := range []string{"annexe-financiere.pdf", "memoire-technique.pdf", "100 Mo", refs[0], refs[1]} {
		if !strings.Contains(page, want) {
			t.Errorf("the resumed draft lacks %q", want)
		}
	}
	// The draft keeps its files past the grace period of files nothing holds.
	id, _ := strings.CutPrefix(refs[0], "upload:")
	f, err := in.app.Services.Uploads.Get(t.Context(), id)
	if err != nil || f.KeptUntil.Before(time.Now().Add(48*time.Hour)) {
		t.Errorf("the draft's file is kept until %v (%v)", f.KeptUntil, err)
	}
	token := strings.TrimPrefix(resume, "/f/annexes/d/")
	send := url.Values{"entreprise": {"Bâtiments de Lorraine"}, "annexes": refs, "_draft": {token}, "form_csrf": {pageToken}}
	sent := client.Do("POST", "/f/annexes", "", send.Encode(), "Content-Type", "application/x-www-form-urlencoded",
		"Cookie", "guichet_form_csrf="+pageToken)
	if sent.Status != http.StatusSeeOther || !strings.HasPrefix(sent.Header.Get("Location"), "/recu/") {
		t.Fatalf("send: %d %.500s", sent.Status, sent.Body)
	}
}

// A 300 MB file through the whole path, end to end: tus over HTTP in 8 MB
// chunks to the node's folder, then received (its type read, scanned by a
// real ClamAV, stored). Compare with uploads' BenchmarkReceive, the same
// without HTTP and tus.
func BenchmarkUploadThroughTus(b *testing.B) {
	daemon := clamdtest.Start(b)
	_, base := testkit.StartApp(b, app.Config{DataDir: b.TempDir(), AdminToken: adminToken, ClamdAddr: daemon.Addr})
	admin := testkit.Client{T: b, URL: base}
	admin.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	admin.Must(200, "PUT", "/api/forms/offre/draft", adminToken, tenderForm)
	admin.Must(200, "POST", "/api/forms/offre/publish", adminToken, "")
	content := randomPDF(300<<20, 7)
	tus := tusClient{t: b, base: base}
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		location, resp := tus.create("offre", "offre", "offre.pdf", len(content))
		if location == "" {
			b.Fatalf("create: %d", resp.StatusCode)
		}
		if last := tus.upload(location, content, 0, 8<<20); last.StatusCode != http.StatusNoContent {
			b.Fatalf("upload: %d", last.StatusCode)
		}
	}
}
