package web

import (
	"embed"
	"log/slog"
	"net/http"
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
	lang := RequestOf(r.Context()).Lang
	e.t.Render(w, r, http.StatusForbidden, "forbidden.html", tr(lang, "Accès refusé", "Access denied"), nil)
}

// CSRF answers 403 to a form posted without its session's token.
func (e *ErrorPages) CSRF(w http.ResponseWriter, r *http.Request) {
	lang := RequestOf(r.Context()).Lang
	e.t.Render(w, r, http.StatusForbidden, "csrf.html", tr(lang, "Formulaire expiré", "Form expired"), nil)
}

// Fail logs an unexpected error and answers with a plain 500 page that
// says nothing of it.
func Fail(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	if log != nil {
		log.Error("page failed", "path", r.URL.Path, "error", err)
	}
	lang := RequestOf(r.Context()).Lang
	http.Error(w, tr(lang, "Une erreur inattendue s'est produite. Réessayez dans quelques instants.", "An unexpected error occurred. Try again in a moment."), http.StatusInternalServerError)
}
