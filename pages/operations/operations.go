// Package operations serves the admins' pages about the running service:
// the messages the processors gave up on, with their replay once the
// cause is fixed; and the webhooks, with their deliveries.
//
// Front door (internal/test/layering); the API mounts its routes.
package operations

import (
	"embed"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/processors"
	"github.com/guichet/guichet/webhooks"
)

//go:embed templates
var files embed.FS

// Config is what the pages need.
type Config struct {
	DeadLetters *processors.DeadLetters
	Webhooks    *webhooks.Service
	Departments *identity.Departments
	// Site is what every page shows of the organisation.
	Site web.Site
	Log  *slog.Logger
}

// Pages serves the operations pages.
type Pages struct {
	Config
	templates *web.Templates
}

// New returns the pages, their templates parsed.
func New(cfg Config) *Pages {
	p := &Pages{Config: cfg}
	p.templates = web.Parse(cfg.Site, files, "templates/*.html", p.Log)
	return p
}

// Routes returns the operations pages, for admins only.
func (p *Pages) Routes() []web.Route {
	return []web.Route{
		{Method: http.MethodGet, Pattern: "/admin/traitements", Access: identity.AdminOnly, Handler: p.list},
		{Method: http.MethodPost, Pattern: "/admin/traitements/{sequence}/rejouer", Access: identity.AdminOnly, Handler: p.replay},
		{Method: http.MethodGet, Pattern: "/admin/webhooks", Access: identity.AdminOnly, Handler: p.webhookList},
		{Method: http.MethodPost, Pattern: "/admin/webhooks", Access: identity.AdminOnly, Handler: p.saveWebhook},
		{Method: http.MethodGet, Pattern: "/admin/webhooks/nouveau", Access: identity.AdminOnly, Handler: p.newWebhook},
		{Method: http.MethodGet, Pattern: "/admin/webhooks/{id}", Access: identity.AdminOnly, Handler: p.webhook},
		{Method: http.MethodPost, Pattern: "/admin/webhooks/{id}", Access: identity.AdminOnly, Handler: p.saveWebhook},
		{
			Method: http.MethodPost, Pattern: "/admin/webhooks/{id}/envois/{sequence}/rejouer", Access: identity.AdminOnly,
			Handler: p.replayDelivery,
		},
	}
}

type listData struct {
	Letters []processors.DeadLetter
	Notice  string
	// Failure says why a replay failed.
	Failure string
}

func (p *Pages) list(w http.ResponseWriter, r *http.Request) {
	data := listData{}
	if r.URL.Query().Get("done") == "replayed" {
		data.Notice = web.Say(r, "Le message a été traité ; il quitte la liste.", "The message was processed; it leaves the list.")
	}
	p.render(w, r, http.StatusOK, data)
}

func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, data listData) {
	letters, err := p.DeadLetters.List(r.Context())
	if err != nil {
		web.Fail(w, r, p.Log, err)
		return
	}
	data.Letters = letters
	p.templates.Render(w, r, status, "deadletters.html", web.Say(r, "Traitements en échec", "Failed processing"), data)
}

func (p *Pages) replay(w http.ResponseWriter, r *http.Request) {
	sequence, err := strconv.ParseUint(r.PathValue("sequence"), 10, 64)
	if err == nil {
		err = p.DeadLetters.Replay(r.Context(), sequence)
	}
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin/traitements?done=replayed", http.StatusSeeOther)
	case errors.Is(err, processors.ErrUnknownDeadLetter), errors.Is(err, strconv.ErrSyntax), errors.Is(err, strconv.ErrRange):
		http.NotFound(w, r)
	default:
		p.render(
			w,
			r,
			http.StatusConflict,
			listData{Failure: web.Say(r, "Le traitement échoue encore : ", "The processing still fails: ") + err.Error()},
		)
	}
}
