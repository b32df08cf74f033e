package web

import (
	"bytes"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
)

// Site is what the layout shows of the organisation.
type Site struct {
	Organisation string
	// HasLogo says that /logo serves the organisation's logo.
	HasLogo bool
}

// Page is what a page template receives.
type Page struct {
	Site      Site
	Lang      locale.Lang
	Title     string
	Principal identity.Principal
	// CSRF is the token that state-changing forms carry in a hidden field.
	CSRF string
	// Path is the page's own path, for the language switch.
	Path string
	// Framed says the browser shows the page in a frame (the builder's
	// preview, a form embedded in another site): it then goes without the
	// site's header and footer, which the page around it has.
	Framed bool
	Data   any
}

var roleNames = map[identity.Role]locale.Text{
	identity.RoleAgent:   {FR: "Agent", EN: "Agent"},
	identity.RoleManager: {FR: "Responsable", EN: "Manager"},
	identity.RoleAdmin:   {FR: "Administrateur", EN: "Administrator"},
}

var funcs = template.FuncMap{
	// tr picks the French or English text.
	"tr": locale.Say,
	// count says a number with its noun in the language's plural form:
	// count $.Lang n "champ" "champs" "field" "fields".
	"count": locale.Count,
	// datetime writes an instant in Paris time.
	"datetime": func(lang locale.Lang, t time.Time) string { return locale.DateTime(t, lang) },
	// date writes the day of an instant in Paris.
	"date": func(lang locale.Lang, t time.Time) string { return locale.Date(t, lang) },
	// has reports whether a list holds a value.
	"has": slices.Contains[[]string],
	// role names a role.
	"role": func(lang locale.Lang, r identity.Role) string { return roleNames[r].In(lang) },
}

// Templates renders pages: the shared layout around a package's own
// page templates, each parsed once.
type Templates struct {
	site  Site
	pages map[string]*template.Template
	log   *slog.Logger
}

// Parse parses the page templates of pages matching pattern, each with the
// layout and the package's partials (PartialsFile), if any. A page template defines "content". extra adds functions of the
// package's own to the shared ones.
func Parse(site Site, pages fs.FS, pattern string, log *slog.Logger, extra ...template.FuncMap) *Templates {
	names, err := fs.Glob(pages, pattern)
	if err != nil || len(names) == 0 {
		panic("web: no page templates match " + pattern)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := &Templates{site: site, pages: map[string]*template.Template{}, log: log}
	var partials []string
	names = slices.DeleteFunc(names, func(name string) bool {
		if path.Base(name) == PartialsFile {
			partials = append(partials, name)
			return true
		}
		return false
	})
	for _, name := range names {
		tpl := template.New("layout.html").Funcs(funcs)
		for _, f := range extra {
			tpl = tpl.Funcs(f)
		}
		tpl = template.Must(tpl.ParseFS(files, "templates/layout.html", "templates/thread.html"))
		if len(partials) > 0 {
			tpl = template.Must(tpl.ParseFS(pages, partials...))
		}
		t.pages[path.Base(name)] = template.Must(tpl.ParseFS(pages, name))
	}
	return t
}

// PartialsFile names, among a package's page templates, the file of the
// templates its pages share; it is not a page itself.
const PartialsFile = "partials.html"

// Render writes a page with status. Title is in the page's language. A
// page that other sites may show in a frame says so first, with
// AllowFraming; any other is kept out of every frame.
func (t *Templates) Render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) {
	req := RequestOf(r.Context())
	p := Page{Site: t.site, Lang: req.Lang, Title: title, Principal: req.Principal, Path: r.URL.Path, Data: data,
		Framed: r.Header.Get("Sec-Fetch-Dest") == "iframe"}
	if req.Session != nil {
		p.CSRF = req.Session.CSRF
	}
	tpl, ok := t.pages[page]
	if !ok {
		panic("web: no page " + page)
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, p); err != nil {
		t.log.Error("page rendering failed", "page", page, "error", err)
		http.Error(w, "Erreur interne — Internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Sec-Fetch-Dest")
	if h.Get("Content-Security-Policy") == "" {
		AllowFraming(w, nil)
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// AllowFraming sets the content security policy of a page that the sites
// of origins may show in a frame; with none, no site may.
func AllowFraming(w http.ResponseWriter, origins []string) {
	ancestors := "'none'"
	if len(origins) > 0 {
		ancestors = "'self' " + strings.Join(origins, " ")
	}
	setPolicy(w, ancestors)
}

// FramedBySelf sets the content security policy of a page that only
// Guichet's own pages may show in a frame.
func FramedBySelf(w http.ResponseWriter) { setPolicy(w, "'self'") }

func setPolicy(w http.ResponseWriter, ancestors string) {
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "+
		"frame-ancestors "+ancestors+"; base-uri 'none'")
}
