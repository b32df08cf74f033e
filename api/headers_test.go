package api_test

import (
	"strings"
	"testing"
)

// Every answer, JSON ones included, forbids type sniffing; over HTTPS it
// asks for HTTPS only; /static/ lists no folder.
func TestSecurityHeaders(t *testing.T) {
	s := startWithPermis(t)
	for _, path := range []string{"/api/forms", "/api/forms/inconnu", "/", "/static/guichet.css"} {
		got := s.Do("GET", path, "", "")
		if got.Header.Get("X-Content-Type-Options") != "nosniff" || got.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf(
				"GET %s over HTTP: nosniff %q, HSTS %q",
				path,
				got.Header.Get("X-Content-Type-Options"),
				got.Header.Get("Strict-Transport-Security"),
			)
		}
	}
	got := s.Do("GET", "/api/forms", "", "", "X-Forwarded-Proto", "https")
	if !strings.Contains(got.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("over HTTPS, no HSTS: %v", got.Header)
	}
	for _, path := range []string{"/static/", "/static"} {
		if got := s.Do("GET", path, "", ""); got.Status != 404 && got.Status != 301 || strings.Contains(string(got.Body), "guichet.css") {
			t.Errorf("GET %s: %d, lists the folder: %.200s", path, got.Status, got.Body)
		}
	}
}

// An unpublished form's versions are gone for the public, and stay for
// the agents who work on the submissions made with them.
func TestUnpublishedVersionsAreForAgents(t *testing.T) {
	s := startWithPermis(t)
	agent := s.issueToken("m-weber", "agent", true, "accueil")
	s.Must(200, "GET", "/api/forms/permis/versions/1", "", "")
	s.Must(204, "POST", "/api/forms/permis/unpublish", adminToken, "")
	s.Must(404, "GET", "/api/forms/permis/versions/1", "", "")
	s.Must(200, "GET", "/api/forms/permis/versions/1", agent, "")
}

// Refusals say what is wrong in the caller's language, never with the
// program's own error text.
func TestRefusalsSpeakPlainly(t *testing.T) {
	s := startWithPermis(t)
	for _, c := range []struct{ method, path, body, lang, want string }{
		{"PUT", "/api/accounts/Mauvais", `{"name":"x","role":"agent","active":true}`, "fr", "forme attendue"},
		{"PUT", "/api/departments/accueil", `{"name":" "}`, "fr", "nom est obligatoire"},
		{"PUT", "/api/accounts/m-weber", `{"name":"x","role":"agent","active":true,"manager":"personne"}`, "en", "No account has the id"},
		{"PUT", "/api/departments/accueil", `{"name":"Accueil","email":"pas une adresse"}`, "en", "valid email address"},
		{"POST", "/api/forms/permis/submissions", `{"data":{"nom":"A\u0000B"}}`, "fr", "NUL"},
		{"POST", "/api/forms/permis/submissions", `{"data":{"nom":"A","nom":"B"}}`, "en", "appears twice"},
	} {
		got := s.Do(c.method, c.path, adminToken, c.body, "Accept-Language", c.lang)
		body := string(got.Body)
		if got.Status != 422 || !strings.Contains(body, c.want) || strings.Contains(body, "identity:") ||
			strings.Contains(body, "submit:") ||
			strings.Contains(body, "mail:") {
			t.Errorf("%s %s: %d %s", c.method, c.path, got.Status, body)
		}
	}
}
