package web

import (
	"embed"
	"log/slog"
	"net/http"

	"github.com/guichet/guichet/internal/platform/locale"
)

//go:embed templates/errors
var errorFiles embed.FS

// ErrorPages renders the pages the router itself answers with.
type ErrorPages struct{ t *Templates }

// NewErrorPages parses the router's error pages.
func NewErrorPages(site Site) *ErrorPages {
	return &ErrorPages{t: Parse(site, errorFiles, "templates/errors/*.html", nil)}
}

// Forbidden answers 403: signed in, but without the right to this page.
func (e *ErrorPages) Forbidden(w http.ResponseWriter, r *http.Request) {
	e.render(w, r, http.StatusForbidden, "forbidden.html", "Accès refusé", "Access denied")
}

// CSRF answers 403 to a form posted without its session's token.
func (e *ErrorPages) CSRF(w http.ResponseWriter, r *http.Request) {
	e.render(w, r, http.StatusForbidden, "csrf.html", "Formulaire expiré", "Form expired")
}

// NotFound answers 404 for an address that leads to no page.
func (e *ErrorPages) NotFound(w http.ResponseWriter, r *http.Request) {
	e.render(w, r, http.StatusNotFound, "notfound.html", "Page introuvable", "Page not found")
}

// Failure answers 500 with a page that says nothing of the error.
func (e *ErrorPages) Failure(w http.ResponseWriter, r *http.Request) {
	e.render(w, r, http.StatusInternalServerError, "failure.html", "Erreur inattendue", "Unexpected error")
}

func (e *ErrorPages) render(w http.ResponseWriter, r *http.Request, status int, page, titleFR, titleEN string) {
	e.t.Render(w, r, status, page, locale.Say(RequestOf(r.Context()).Lang, titleFR, titleEN), nil)
}

// Fail logs an unexpected error and answers with the request's 500 page
// (see Request.Errors), or a plain one, that says nothing of it.
func Fail(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	if log != nil {
		log.Error("page failed", "path", r.URL.Path, "error", err)
	}
	req := RequestOf(r.Context())
	if req.Errors != nil {
		req.Errors.Failure(w, r)
		return
	}
	http.Error(
		w,
		locale.Say(req.Lang, "Une erreur inattendue s'est produite. Réessayez dans quelques instants.",
			"An unexpected error occurred. Try again in a moment."),
		http.StatusInternalServerError,
	)
}

// Unmatched answers the requests no route of mux takes: with notFound
// when the address leads nowhere, and as mux does otherwise (405 with its
// Allow header when only the method is wrong).
func Unmatched(mux *http.ServeMux, notFound http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler, pattern := mux.Handler(r)
		if pattern == "" {
			probe := &statusProbe{header: http.Header{}}
			handler.ServeHTTP(probe, r)
			if probe.status == http.StatusNotFound {
				notFound(w, r)
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// statusProbe records the status a handler answers with, and drops the rest.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(status int)      { p.status = status }
