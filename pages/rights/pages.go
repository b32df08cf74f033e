// Package rights serves the admins' page for the rights of the people who
// submitted: what is held about an email address, its download for the
// right of access, and its erasure. Addresses travel in posted forms,
// never in URLs, which proxies log.
//
// Front door (internal/test/layering); the API mounts its routes.
package rights

import (
	"embed"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/privacy"
	"github.com/guichet/guichet/submit"
)

//go:embed templates
var files embed.FS

// Config is what the pages need.
type Config struct {
	Privacy *privacy.Privacy
	// Site is what every page shows of the organisation.
	Site web.Site
	Log  *slog.Logger
}

// Pages serves the personal data page.
type Pages struct {
	Config
	templates *web.Templates
}

// Path is the page's address.
const Path = "/admin/donnees-personnelles"

// New returns the pages, their templates parsed.
func New(cfg Config) *Pages {
	p := &Pages{Config: cfg}
	p.templates = web.Parse(cfg.Site, files, "templates/*.html", p.Log)
	return p
}

// Routes returns the page's routes, for admins only.
func (p *Pages) Routes() []web.Route {
	return []web.Route{
		{Method: http.MethodGet, Pattern: Path, Access: identity.AdminOnly, Handler: p.page},
		{Method: http.MethodPost, Pattern: Path, Access: identity.AdminOnly, Handler: p.search},
		{Method: http.MethodPost, Pattern: Path + "/export", Access: identity.AdminOnly, Handler: p.export},
		{Method: http.MethodPost, Pattern: Path + "/effacer", Access: identity.AdminOnly, Handler: p.erase},
	}
}

// held is one submission as the page lists it.
type held struct {
	Reference   string
	Form        string
	Version     int
	SubmittedAt time.Time
	Status      string
	Events      int
	Documents   int
}

type pageData struct {
	Email    string
	Reason   string
	Searched bool
	Held     []held
	Drafts   int
	Notice   string
	Errors   []string
}

func (p *Pages) page(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, pageData{})
}

func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, data pageData) {
	p.templates.Render(w, r, status, "privacy.html", web.Say(r, "Données personnelles", "Personal data"), data)
}

// address reads the posted address, or says why it cannot be one.
func address(r *http.Request) (string, string) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return email, web.Say(r, "Saisissez une adresse électronique, par exemple nom@exemple.fr.", "Enter an email address, such as "+
			"name@example.com.")
	}
	return email, ""
}

func (p *Pages) search(w http.ResponseWriter, r *http.Request) {
	email, problem := address(r)
	if problem != "" {
		p.render(w, r, http.StatusUnprocessableEntity, pageData{Email: email, Errors: []string{problem}})
		return
	}
	data, err := p.held(r, email)
	if err != nil {
		web.Fail(w, r, p.Log, err)
		return
	}
	p.render(w, r, http.StatusOK, data)
}

// held gathers what is held about email, as the page shows it.
func (p *Pages) held(r *http.Request, email string) (pageData, error) {
	report, err := p.Privacy.Access(r.Context(), email, web.RequestOf(r.Context()).Principal.AccountID)
	if err != nil {
		return pageData{}, err
	}
	data := pageData{Email: email, Searched: true, Drafts: len(report.Drafts)}
	for _, s := range report.Submissions {
		var rec struct {
			Status string `json:"status"`
		}
		_ = json.Unmarshal(s.Record, &rec)
		data.Held = append(data.Held, held{Reference: s.Reference, Form: s.Form, Version: s.FormVersion, SubmittedAt: s.SubmittedAt,
			Status: submit.Status(rec.Status).
				Label().
				In(web.RequestOf(r.Context()).Lang),
			Events: len(s.Events), Documents: len(s.Documents)})
	}
	return data, nil
}

// export downloads everything held about the address, for the person.
func (p *Pages) export(w http.ResponseWriter, r *http.Request) {
	email, problem := address(r)
	if problem != "" {
		p.render(w, r, http.StatusUnprocessableEntity, pageData{Email: email, Errors: []string{problem}})
		return
	}
	report, err := p.Privacy.Access(r.Context(), email, web.RequestOf(r.Context()).Principal.AccountID)
	if err != nil {
		web.Fail(w, r, p.Log, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="donnees-personnelles.json"`)
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(report); err != nil {
		p.Log.Warn("personal data export cut short", "error", err)
	}
}

func (p *Pages) erase(w http.ResponseWriter, r *http.Request) {
	email, problem := address(r)
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	var problems []string
	if problem != "" {
		problems = append(problems, problem)
	}
	if len([]rune(reason)) < 3 || len([]rune(reason)) > 500 {
		problems = append(
			problems,
			web.Say(r, "Dites quelle demande vous traitez (sa date, sa référence) : elle figurera au journal.", "Say which request "+
				"you are handling (its date, its reference): it goes in the log."),
		)
	}
	if r.PostFormValue("confirm") != "yes" {
		problems = append(
			problems,
			web.Say(r, "Cochez la confirmation : l'effacement est définitif.", "Tick the confirmation: the erasure cannot "+
				"be undone."),
		)
	}
	if len(problems) > 0 {
		data := pageData{Email: email, Reason: reason, Errors: problems}
		if problem == "" {
			var err error
			if data, err = p.held(r, email); err != nil {
				web.Fail(w, r, p.Log, err)
				return
			}
			data.Reason, data.Errors = reason, problems
		}
		p.render(w, r, http.StatusUnprocessableEntity, data)
		return
	}
	by := web.RequestOf(r.Context()).Principal.AccountID
	refs, drafts, err := p.Privacy.EraseEmail(r.Context(), email, privacy.Erasure{By: by, Why: "droit à l'effacement : " + reason})
	if err != nil {
		web.Fail(w, r, p.Log, err)
		return
	}
	p.render(w, r, http.StatusOK, pageData{
		Email: email,
		Notice: locale.Text{
			FR: count(
				len(refs),
				"dépôt effacé",
				"dépôts effacés",
				true,
			) + ", " + count(
				drafts,
				"brouillon effacé",
				"brouillons effacés",
				true,
			) + ". L'effacement est " +
				"inscrit au journal de sécurité.",
			EN: count(
				len(refs),
				"submission erased",
				"submissions erased",
				false,
			) + ", " + count(
				drafts,
				"draft erased",
				"drafts erased",
				false,
			) + ". The erasure is " +
				"recorded in the security log.",
		}.In(web.RequestOf(r.Context()).Lang),
	})
}

// count writes n and the noun that goes with it: French puts 0 and 1 in
// the singular, English only 1.
func count(n int, one, many string, singularZero bool) string {
	if n == 1 || (n == 0 && singularZero) {
		return strconv.Itoa(n) + " " + one
	}
	return strconv.Itoa(n) + " " + many
}
