package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/pdftest"
	"github.com/guichet/guichet/submit"
)

// Hostile submissions get a clear refusal, never a 500, and store nothing;
// markup is kept as text.
func TestHostileSubmissions(t *testing.T) {
	s := startWithPermis(t)
	for _, c := range []struct {
		name, body string
		status     int
		says       string
	}{
		{"invalid UTF-8", "{\"data\":{\"nom\":\"a\xff\xfeb\"}}", 422, "UTF-8"},
		{"a NUL character", `{"data":{"nom":"a\u0000b"}}`, 422, "contrôle"},
		{"a duplicate key", `{"data":{"nom":"a","nom":"b"}}`, 422, "deux fois"},
		{"a nested duplicate key", `{"data":{"nom":"a","x":{"k":1,"k":2}}}`, 422, "deux fois"},
		{"a huge number", `{"data":{"nom":"x","age":1e400}}`, 400, "JSON"},
		{"deep nesting", `{"data":{"nom":"x","a":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}}`, 422, "imbrication"},
		{"not JSON", `{"data":`, 400, "JSON"},
	} {
		r := s.Do("POST", "/api/forms/permis/submissions", "", c.body)
		if r.Status != c.status || !strings.Contains(string(r.Body), c.says) {
			t.Errorf("%s: %d %.300s", c.name, r.Status, r.Body)
		}
	}
	if n := len(s.Must(200, "GET", "/api/departments/accueil/submissions", adminToken, "").JSON(t)["items"].([]any)); n != 0 {
		t.Errorf("%d refused submissions were stored", n)
	}

	// Markup is data: kept as typed, shown as text.
	receipt := s.Must(201, "POST", "/api/forms/permis/submissions", "", `{"data":{"nom":"<script>alert(1)</script>"}}`).JSON(t)
	ref, token := receipt["reference"].(string), receipt["token"].(string)
	s.WaitStatus(ref, token, "routed")
	page := string(s.Must(200, "GET", "/dossiers/"+ref, "", "", "Cookie", "guichet_session="+sessionFor(t, s, "bootstrap-admin")).Body)
	if strings.Contains(page, "<script>alert(1)") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the dossier page does not escape the answer")
	}
}

// sessionFor opens a browser session for an account and returns its cookie value.
func sessionFor(t *testing.T, s *server, account string) string {
	t.Helper()
	id, _, err := s.app.Services.Sessions.Create(t.Context(), account)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// A page posted with control characters (a paste can carry them) is taken
// without them.
func TestPagesDropControlCharacters(t *testing.T) {
	s := startWithPermis(t)
	const formToken = "jeton-du-formulaire-assez-long-pour-etre-un-vrai"
	client := s.Client
	client.NoRedirects = true
	r := client.Do("POST", "/f/permis", "", "nom=Du%00pont%07&form_csrf="+formToken,
		"Content-Type", "application/x-www-form-urlencoded", "Cookie", "guichet_form_csrf="+formToken)
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/recu/") {
		t.Fatalf("posting with control characters: %d %.300s", r.Status, r.Body)
	}
	ref := strings.TrimPrefix(strings.SplitN(r.Header.Get("Location"), "?", 2)[0], "/recu/")
	s.WaitStatus(ref, strings.SplitN(r.Header.Get("Location"), "token=", 2)[1], "routed")
	answers := s.Must(200, "GET", "/api/dossiers/"+ref, adminToken, "").JSON(t)["answers"].([]any)
	if answers[0].(map[string]any)["value"] != "Dupont" {
		t.Errorf("stored %v", answers[0])
	}
}

// One address sending too fast is told to wait, and what it typed in a
// page is kept.
func TestSubmissionRateLimit(t *testing.T) {
	s := startServerWith(t, app.Config{SubmitRate: submit.RateLimit{PerMinute: 1, Burst: 2}})
	s.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	s.Must(200, "PUT", "/api/departments/finances", adminToken, `{"name":"Finances"}`)
	s.Must(200, "PUT", "/api/forms/permis/draft", adminToken, publicForm)
	s.Must(200, "POST", "/api/forms/permis/publish", adminToken, "")
	s.Must(201, "POST", "/api/forms/permis/submissions", "", `{"data":{"nom":"Un"}}`)
	s.Must(201, "POST", "/api/forms/permis/submissions", "", `{"data":{"nom":"Deux"}}`)
	refused := s.Must(429, "POST", "/api/forms/permis/submissions", "", `{"data":{"nom":"Trois"}}`)
	if !strings.Contains(string(refused.Body), "réessayez dans une minute") {
		t.Errorf("refusal: %s", refused.Body)
	}
	const formToken = "jeton-du-formulaire-assez-long-pour-etre-un-vrai"
	page := s.Do("POST", "/f/permis", "", "nom=Quatre+Weber&form_csrf="+formToken,
		"Content-Type", "application/x-www-form-urlencoded", "Cookie", "guichet_form_csrf="+formToken)
	if page.Status != 429 || !strings.Contains(string(page.Body), "Trop d&#39;envois") ||
		!strings.Contains(string(page.Body), `value="Quatre Weber"`) {
		t.Errorf("the page: %d %.2000s", page.Status, page.Body)
	}
}

// A value made to run where it is shown stays inert in every output that
// echoes it: the receipt page, the dossier and inbox pages, the API's
// JSON, the CSV and JSON exports and the PDF record. A 10,000-character
// value goes through whole.
func TestHostileValuesStayInert(t *testing.T) {
	s := startWithPermis(t)
	const markup, formula = `"><script>alert(1)</script>`, `=cmd|' /C calc'!A0`
	long := strings.Repeat("Schmitt-", 1250) // 10,000 characters
	send := func(nom, commune string) (string, string) {
		data, _ := json.Marshal(map[string]any{"data": map[string]string{"nom": nom, "commune": commune}})
		receipt := s.Must(201, "POST", "/api/forms/permis/submissions", "", string(data)).JSON(t)
		ref, token := receipt["reference"].(string), receipt["token"].(string)
		s.WaitStatus(ref, token, "documented")
		return ref, token
	}
	ref, token := send(markup, long)
	formulaRef, _ := send(formula, "Metz")
	cookie := "guichet_session=" + sessionFor(t, s, "bootstrap-admin")

	for _, page := range []struct{ name, path, cookie string }{
		{"receipt page", "/recu/" + ref + "?token=" + token, ""},
		{"dossier page", "/dossiers/" + ref, cookie},
		{"inbox page", "/inbox/accueil", cookie},
	} {
		html := string(s.Must(200, "GET", page.path, "", "", "Cookie", page.cookie).Body)
		if strings.Contains(html, "<script>alert") || strings.Contains(html, `"><script`) {
			t.Errorf("%s: the markup is live", page.name)
		}
		if page.name == "dossier page" && (!strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(html, long)) {
			t.Errorf("%s: the values are not shown whole, as text", page.name)
		}
	}

	answer := s.Must(200, "GET", "/api/dossiers/"+ref, adminToken, "")
	if ct := answer.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") ||
		answer.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("the API answers %q, nosniff %q", ct, answer.Header.Get("X-Content-Type-Options"))
	}
	if !strings.Contains(string(answer.Body), long) {
		t.Error("the API cut the long value")
	}

	csv := string(s.Must(200, "GET", "/api/forms/permis/submissions/export?format=csv", adminToken, "").Body)
	if !strings.Contains(csv, `"`+formulaRef+`"`) || !strings.Contains(csv, `"'=cmd|' /C calc'!A0"`) || !strings.Contains(csv, long) {
		t.Errorf("the CSV export does not hold the formula as text, or cuts the long value:\n%.600s", csv)
	}
	var exported []struct {
		Answers []struct{ Value any } `json:"answers"`
	}
	raw := s.Must(200, "GET", "/api/forms/permis/submissions/export?format=json", adminToken, "").Body
	if err := json.Unmarshal(raw, &exported); err != nil || len(exported) != 2 || exported[0].Answers[0].Value != markup ||
		exported[0].Answers[1].Value != long {
		t.Errorf("the JSON export does not hold the values as they were typed: %v", err)
	}

	text := pdftest.Text(t, s.Must(200, "GET", "/api/submissions/"+ref+"/pdf?token="+token, "", "").Body)
	flat := strings.Join(strings.Fields(text), "")
	// The long value runs over pages: each break puts the page's foot
	// inside a few of its words.
	if !strings.Contains(flat, `"><script>alert(1)</script>`) || strings.Count(flat, "Schmitt-") < 1240 {
		t.Errorf("the PDF record does not show the values as text, whole (%d of 1250):\n%.800s", strings.Count(flat, "Schmitt-"), text)
	}
}
