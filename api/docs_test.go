package api_test

import (
	"regexp"
	"strings"
	"testing"
)

// /api/docs is a page of its own, with nothing fetched from elsewhere: no
// script, and every address it names is one of this Guichet's. It lists
// the operations, the reader's forms among them.
func TestDocsNeedNoInternet(t *testing.T) {
	s := startWithPermis(t)
	page := s.Must(200, "GET", "/api/docs", "", "")
	if ct := page.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("content type %q", ct)
	}
	body := string(page.Body)
	if strings.Contains(body, "<script") && !strings.Contains(body, `<script src="/static/guichet.js"`) {
		t.Error("the docs page runs a script of its own")
	}
	for _, m := range regexp.MustCompile(`(?i)(?:src|href|action)\s*=\s*"([^"]*)"`).FindAllStringSubmatch(body, -1) {
		if u := m[1]; !strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "#") || strings.HasPrefix(u, "//") {
			t.Errorf("the docs page links outside: %q", u)
		}
	}
	if regexp.MustCompile(`https?://`).MatchString(body) {
		t.Errorf("the docs page names an outside address: %s", regexp.MustCompile(`https?://[^"'<\s]*`).FindString(body))
	}
	for _, want := range []string{
		"POST /api/forms/{id}/submissions",
		"POST /api/forms/permis/submissions",
		"GET /api/submissions/{reference}",
		"openapi.json",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the docs lack %q", want)
		}
	}
	if en := string(s.Must(200, "GET", "/api/docs", "", "", "Accept-Language", "en").Body); !strings.Contains(en, "API documentation") {
		t.Error("no English docs")
	}
}

// An address that no operation answers gets a problem, not a page.
func TestUnknownAPIAddress(t *testing.T) {
	s := startWithPermis(t)
	got := s.Do("GET", "/api/nulle-part", "", "")
	if got.Status != 404 || got.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(got.Body), "/api/docs") {
		t.Errorf("%d %s: %s", got.Status, got.Header.Get("Content-Type"), got.Body)
	}
	if page := s.Do("GET", "/nulle-part", "", ""); page.Status != 404 || !strings.Contains(string(page.Body), "Page introuvable") {
		t.Errorf("an unknown page: %d %.300s", page.Status, page.Body)
	}
}
