package api_test

import (
	"strings"
	"testing"

	"github.com/guichet/guichet/app"
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
