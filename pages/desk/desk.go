// Package desk serves the agents' pages: each department's inbox, with its
// filters and search, and the dossier page, where agents read a
// submission with its form version's labels, take it up, decide, and
// leave notes for one another. Pages work without JavaScript.
//
// Front door (internal/test/layering); the API mounts its routes.
package desk

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/uploads"
)

//go:embed templates
var files embed.FS

// Config is what the pages need.
type Config struct {
	Inboxes  *backoffice.Inboxes
	Dossiers *backoffice.Dossiers
	// Conversations are the messages with the applicants.
	Conversations *backoffice.Conversations
	Departments   *identity.Departments
	Accounts      *identity.Accounts
	Forms         *schemas.Registry
	Statistics    *backoffice.Statistics
	Workflows     *backoffice.Workflows
	Trail         *backoffice.Trail
	// Uploads gives the files' scan results.
	Uploads *uploads.Service
	// Site is what every page shows of the organisation.
	Site web.Site
	Log  *slog.Logger
}

// Pages serves the agents' pages.
type Pages struct {
	Config
	templates *web.Templates
	errors    *web.ErrorPages
}

// New returns the pages, their templates parsed.
func New(cfg Config) *Pages {
	p := &Pages{Config: cfg}
	p.errors = web.NewErrorPages(cfg.Site)
	p.templates = web.Parse(cfg.Site, files, "templates/*.html", p.Log, template.FuncMap{
		"status":   func(lang locale.Lang, s submit.Status) string { return s.Label().In(lang) },
		"action":   func(lang locale.Lang, a backoffice.Action) string { return actionNames[a].In(lang) },
		"verdict":  func(lang locale.Lang, v backoffice.Verdict) string { return verdictNames[v].In(lang) },
		"standing": func(lang locale.Lang, s backoffice.Standing) string { return standingNames[s].In(lang) },
		"decimal":  func(lang locale.Lang, d float64) string { return locale.Rounded(d, 1, lang) },
		"share": func(lang locale.Lang, f backoffice.FormStats) string {
			if f.OnlineShare() < 0 {
				return "—"
			}
			return locale.Rounded(f.OnlineShare(), 1, lang) + " %"
		},
	})
	return p
}

// Routes returns the agents' pages with their access rules.
func (d *Pages) Routes() []web.Route {
	return []web.Route{
		{Method: http.MethodGet, Pattern: "/inbox", Access: identity.AnyAgent, Handler: d.inboxes},
		{Method: http.MethodGet, Pattern: "/inbox/{id}", Access: identity.DepartmentAgent, Handler: d.inbox},
		{Method: http.MethodPost, Pattern: "/inbox/{id}/actions", Access: identity.DepartmentAgent, Handler: d.actOnAll},
		{Method: http.MethodGet, Pattern: "/statistiques", Access: identity.AnyAgent, Handler: d.statistics},
		{Method: http.MethodGet, Pattern: "/approbations", Access: identity.AnyAgent, Handler: d.approvals},
		{Method: http.MethodPost, Pattern: "/approbations/{reference}", Access: identity.Approver, Handler: d.decide},
		{Method: http.MethodPost, Pattern: "/statistiques/papier", Access: identity.AdminOnly, Handler: d.setPaper},
		{Method: http.MethodGet, Pattern: "/dossiers/{reference}", Access: identity.DossierAgent, Handler: d.dossier},
		{Method: http.MethodPost, Pattern: "/dossiers/{reference}/actions", Access: identity.DossierAgent, Handler: d.act},
		{Method: http.MethodPost, Pattern: "/dossiers/{reference}/notes", Access: identity.DossierAgent, Handler: d.note},
		{Method: http.MethodPost, Pattern: "/dossiers/{reference}/messages", Access: identity.DossierAgent, Handler: d.message},
		{Method: http.MethodPost, Pattern: "/dossiers/{reference}/correction", Access: identity.DossierAgent, Handler: d.askCorrection},
		{Method: http.MethodPost, Pattern: "/dossiers/{reference}/assign", Access: identity.DossierAgent, Handler: d.assign},
		{Method: http.MethodPost, Pattern: "/dossiers/{reference}/follow", Access: identity.DossierAgent, Handler: d.follow},
	}
}

var actionNames = map[backoffice.Action]locale.Text{
	backoffice.TakeUp: {FR: "Passer en instruction", EN: "Start the review"},
	backoffice.Accept: {FR: "Accepter", EN: "Accept"},
	backoffice.Reject: {FR: "Refuser", EN: "Reject"},
	backoffice.Close:  {FR: "Classer sans suite", EN: "Close"},
	backoffice.Reopen: {FR: "Rouvrir", EN: "Reopen"},
}

var verdictNames = map[backoffice.Verdict]locale.Text{
	backoffice.VerdictApprove: {FR: "validé", EN: "approved"},
	backoffice.VerdictReject:  {FR: "refusé", EN: "rejected"},
	backoffice.VerdictReturn:  {FR: "renvoyé pour correction", EN: "sent back for correction"},
	backoffice.VerdictResend:  {FR: "corrigé et renvoyé", EN: "corrected and sent again"},
}

var standingNames = map[backoffice.Standing]locale.Text{
	backoffice.Pending:  {FR: "en attente de validation", EN: "awaiting approval"},
	backoffice.Approved: {FR: "validée", EN: "approved"},
	backoffice.Rejected: {FR: "refusée", EN: "rejected"},
	backoffice.Returned: {FR: "renvoyée pour correction", EN: "sent back for correction"},
}

func lang(r *http.Request) locale.Lang { return web.RequestOf(r.Context()).Lang }

func principal(r *http.Request) identity.Principal { return web.RequestOf(r.Context()).Principal }

// failed answers an error of the work on a dossier, if any: a dossier of
// another department is forbidden, an unknown one not found, a refused
// change comes back through again (when given) with its reason; anything
// else fails.
func (d *Pages) failed(w http.ResponseWriter, r *http.Request, err error, again func(reason string)) bool {
	switch reason, refused := refusalOf(r, err); {
	case err == nil:
		return false
	case errors.Is(err, backoffice.ErrNotEntitled), errors.Is(err, submit.ErrUnknownSubmission):
		// Another department's dossier is as unknown as one that does not exist.
		d.templates.Render(w, r, http.StatusNotFound, "notfound.html", web.Say(r, "Dossier introuvable", "Dossier not found"), nil)
	case refused && again != nil:
		again(reason)
	default:
		d.fail(w, r, err)
	}
	return true
}

// refusalOf says why a change to a dossier was refused, or reports that
// err is no refusal.
func refusalOf(r *http.Request, err error) (string, bool) {
	switch {
	case errors.Is(err, backoffice.ErrNotEntitled), errors.Is(err, submit.ErrUnknownSubmission):
		return web.Say(r, "aucun dossier ne porte cette référence.", "no dossier has this reference."), true
	case errors.Is(err, backoffice.ErrTransition):
		return web.Say(
			r,
			"Cette action n'est pas possible dans l'état du dossier : il a peut-être changé entre-temps.",
			"This action is not possible in the dossier's status: it may have changed meanwhile.",
		), true
	case errors.Is(err, backoffice.ErrReasonRequired):
		return web.Say(
			r,
			"Indiquez le motif : il est obligatoire pour une décision et il est communiqué à l'usager.",
			"Give the reason: it is required for a decision and is told to the submitter.",
		), true
	case errors.Is(err, backoffice.ErrEmptyNote):
		return web.Say(r, "Le texte est vide : écrivez-le avant de l'envoyer.", "The text is empty: write it before sending it."), true
	case errors.Is(err, backoffice.ErrAdminOnly):
		return web.Say(r, "Seul un administrateur peut rouvrir une décision.", "Only an admin can reopen a decision."), true
	case errors.Is(err, backoffice.ErrTooLong):
		return web.Say(r, "Le texte est trop long (5 000 caractères au plus).", "The text is too long (5,000 characters at most)."), true
	case errors.Is(err, backoffice.ErrDecidedByWorkflow):
		return web.Say(
			r,
			"Cette demande interne est décidée par son circuit de validation, étape par étape, dans « Validations ».",
			"This internal request is decided by its approval workflow, step by step, under “Approvals”.",
		), true
	case errors.Is(err, backoffice.ErrOwnRequest):
		return web.Say(r, "Vous ne pouvez pas décider de votre propre demande.", "You cannot decide your own request."), true
	case errors.Is(err, backoffice.ErrNothingAsked):
		return web.Say(r, "Cochez au moins une réponse à corriger.", "Tick at least one answer to correct."), true
	case errors.Is(err, backoffice.ErrTooManyFiles):
		n := backoffice.MessageFiles.MaxFiles
		return web.Say(r, fmt.Sprintf("Joignez au plus %d fichiers à un message.", n),
			fmt.Sprintf("Attach at most %d files to a message.", n)), true
	}
	if refusal := (*uploads.Refusal)(nil); errors.As(err, &refusal) {
		return refusal.Message.In(lang(r)), true
	}
	return "", false
}

// formTitles reads the title of every form, by id and in order.
// formTitles names every form by id, and lists the forms to filter by:
// those whose routing sends to department (all, if it is ""), archived
// ones left out.
func (d *Pages) formTitles(ctx context.Context, department string) (map[string]string, []formOption, error) {
	drafts, err := d.Forms.Drafts(ctx)
	titles := map[string]string{}
	var options []formOption
	for _, f := range drafts {
		titles[f.ID] = f.Title
		if department != "" && !f.Routing.Sends(department) {
			continue
		}
		if archived, err := d.Forms.Archived(ctx, f.ID); err != nil || archived {
			continue
		}
		options = append(options, formOption{ID: f.ID, Title: f.Title})
	}
	return titles, options, err
}

func (d *Pages) fail(w http.ResponseWriter, r *http.Request, err error) { web.Fail(w, r, d.Log, err) }
