package web_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/web"
)

// An unexpected error answers a laid-out 500 page in the reader's
// language, which says nothing of the error.
func TestFailLaysOutItsPage(t *testing.T) {
	pages := web.NewErrorPages(web.Site{Organisation: "Département de la Moselle"})
	for lang, want := range map[locale.Lang]string{
		locale.French:  "Une erreur inattendue s&#39;est produite",
		locale.English: "An unexpected error occurred",
	} {
		r := httptest.NewRequest(http.MethodGet, "/inbox", nil)
		r = r.WithContext(web.WithRequest(r.Context(), web.Request{Lang: lang, Errors: pages}))
		w := httptest.NewRecorder()
		web.Fail(w, r, nil, errors.New("nats: stream SUBMISSIONS not found"))
		body := w.Body.String()
		if w.Code != http.StatusInternalServerError || !strings.Contains(body, want) || !strings.Contains(body, "Département de la Moselle") ||
			!strings.Contains(w.Header().Get("Content-Type"), "text/html") || strings.Contains(body, "SUBMISSIONS") {
			t.Errorf("%s: %d %q:\n%s", lang, w.Code, w.Header().Get("Content-Type"), body)
		}
	}
}

// Unmatched answers an address that leads nowhere with its own page, and
// leaves a wrong method to the mux's 405.
func TestUnmatched(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /inbox", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	handler := web.Unmatched(mux, func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "introuvable", http.StatusNotFound) })
	for _, c := range []struct {
		method, path string
		status       int
		body         string
	}{
		{http.MethodGet, "/inbox", http.StatusOK, ""},
		{http.MethodGet, "/nulle-part", http.StatusNotFound, "introuvable"},
		{http.MethodDelete, "/inbox", http.StatusMethodNotAllowed, "Method Not Allowed"},
	} {
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, httptest.NewRequest(c.method, c.path, nil))
		if w.Code != c.status || !strings.Contains(w.Body.String(), c.body) {
			t.Errorf("%s %s: %d %q", c.method, c.path, w.Code, w.Body.String())
		}
	}
}
