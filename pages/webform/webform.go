// Package webform serves the citizens' and agents' form pages, rendered on
// the server from the form's JSON Schema and uiSchema: the catalogue, the
// form itself with its errors, and the receipt. Pages work without
// JavaScript; answers are validated by the same code as the JSON API.
//
// Front door (internal/test/layering).
package webform

import (
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/platform/mailer"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/uploads"
)

//go:embed templates
var files embed.FS

// Bounds of a posted form: without files, and with them (multipart).
const (
	MaxFormBytes      = 1 << 20
	MaxMultipartBytes = web.MaxPostBytes
)

// Config is what the pages need.
type Config struct {
	Forms   *schemas.Registry
	Intake  *submit.Intake
	Tracker *submit.Tracker
	Drafts  *submit.Drafts
	// Uploads receives the files a page posts, and names those its
	// answers hold.
	Uploads *uploads.Service
	// Accounts and Departments prefill internal forms from the agent's account.
	Accounts    *identity.Accounts
	Departments *identity.Departments
	// Corrections, when set, lets agents correct a request an approver
	// sent back.
	Corrections Corrections
	// Conversations let the applicant read and answer the department's
	// messages, and complete their request when asked to.
	Conversations *backoffice.Conversations
	Cookies       web.CookiePolicy
	// Mail, when set, lets a visitor have a draft's resume link emailed.
	Mail *mailer.Mailer
	// SiteURL is the public address of the site, for the resume links;
	// when empty, the address the visitor reached it at.
	SiteURL string
	// Site is what every page shows of the organisation.
	Site web.Site
	Log  *slog.Logger
}

// Pages serves the form pages.
type Pages struct {
	Config
	templates *web.Templates
	errors    *web.ErrorPages
	linkMails *submit.ClientLimiter
}

// New returns the pages, their templates parsed.
func New(cfg Config) *Pages {
	p := &Pages{Config: cfg}
	p.errors, p.linkMails = web.NewErrorPages(cfg.Site), submit.NewClientLimiter(linkMailLimit)
	p.templates = web.Parse(cfg.Site, files, "templates/*.html", p.Log, template.FuncMap{
		// field pairs a field with the page's language for the "field" template.
		"field": func(lang locale.Lang, f *Field) fieldView { return fieldView{Field: f, Lang: lang} },
		"dec":   func(n int) int { return n - 1 },
		// status names a submission's status.
		"status": func(lang locale.Lang, s submit.Status) string { return s.Label().In(lang) },
	})
	return p
}

// Routes returns the form pages with their access rules.
func (p *Pages) Routes() []web.Route {
	return []web.Route{
		{Method: http.MethodGet, Pattern: "/{$}", Access: identity.Anyone, Handler: p.home},
		{Method: http.MethodGet, Pattern: "/f/{form}", Access: identity.Anyone, Handler: p.show},
		{Method: http.MethodPost, Pattern: "/f/{form}", Access: identity.Anyone, Handler: p.post},
		{Method: http.MethodPost, Pattern: "/f/{form}/calcul", Access: identity.Anyone, Handler: p.live},
		{Method: http.MethodGet, Pattern: "/f/{form}/d/{draft}", Access: identity.Anyone, Handler: p.resume},
		{Method: http.MethodGet, Pattern: "/f/{form}/d/{draft}/verifier", Access: identity.Anyone, Handler: p.check},
		{Method: http.MethodPost, Pattern: "/f/{form}/d/{draft}/courriel", Access: identity.Anyone, Handler: p.emailLink},
		{Method: http.MethodPost, Pattern: "/f/{form}/d/{draft}/verifier", Access: identity.Anyone, Handler: p.sendDraft},
		{Method: http.MethodGet, Pattern: "/recu/{reference}", Access: identity.ReceiptHolder, Handler: p.receipt},
		{Method: http.MethodPost, Pattern: "/recu/{reference}/messages", Access: identity.Applicant, Handler: p.reply},
		{Method: http.MethodGet, Pattern: "/recu/{reference}/completer", Access: identity.Applicant, Handler: p.completion},
		{Method: http.MethodPost, Pattern: "/recu/{reference}/completer", Access: identity.Applicant, Handler: p.complete},
		{Method: http.MethodGet, Pattern: "/approbations/{reference}/corriger", Access: identity.Requester, Handler: p.correction},
		{Method: http.MethodPost, Pattern: "/approbations/{reference}/corriger", Access: identity.Requester, Handler: p.correct},
		{Method: http.MethodGet, Pattern: "/admin/forms/{form}/preview", Access: identity.AdminOnly, Handler: p.preview},
		{Method: http.MethodPost, Pattern: "/admin/forms/{form}/preview", Access: identity.AdminOnly, Handler: p.previewPost},
	}
}

type fieldView struct {
	*Field
	Lang locale.Lang
}

func (p *Pages) fail(w http.ResponseWriter, r *http.Request, err error) { web.Fail(w, r, p.Log, err) }

type homePage struct {
	Public, Internal []*schemas.Compiled
}

func (p *Pages) home(w http.ResponseWriter, r *http.Request) {
	all, err := p.Forms.List(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	locale.Sort(all, func(f *schemas.Compiled) string { return f.Title })
	var page homePage
	agent := web.RequestOf(r.Context()).Principal.IsAgent()
	now := time.Now()
	for _, f := range all {
		switch {
		case !f.OpenAt(now):
		case f.Audience == schemas.Public:
			page.Public = append(page.Public, f)
		case agent:
			page.Internal = append(page.Internal, f)
		}
	}
	p.templates.Render(w, r, http.StatusOK, "home.html", web.Say(r, "Démarches en ligne", "Online services"), page)
}

// load finds the form named in the path, answering the visitor itself when
// it cannot be filled: unknown, internal without an agent, or closed.
func (p *Pages) load(w http.ResponseWriter, r *http.Request) (*schemas.Compiled, bool) {
	form, err := p.Forms.Latest(r.Context(), r.PathValue("form"))
	req := web.RequestOf(r.Context())
	if errors.Is(err, schemas.ErrNotFound) ||
		(err == nil && form.Audience == schemas.Internal && !req.Principal.IsAgent() && !req.Principal.Anonymous()) {
		p.notFound(w, r)
		return nil, false
	}
	if err != nil {
		p.fail(w, r, err)
		return nil, false
	}
	// The sites the form names may show its pages in a frame.
	web.AllowFraming(w, form.EmbedOrigins)
	// In the reader's language, when the form is published in it.
	form = form.In(string(req.Lang))
	if form.Audience == schemas.Internal && req.Principal.Anonymous() {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
		return nil, false
	}
	if now := time.Now(); !form.OpenAt(now) {
		status := http.StatusGone
		if form.OpensAt != nil && now.Before(*form.OpensAt) {
			status = http.StatusForbidden
		}
		p.templates.Render(w, r, status, "closed.html", form.Title, form)
		return nil, false
	}
	return form, true
}

// loadPosted is load for a posted form, whose body it reads, bounded.
func (p *Pages) loadPosted(w http.ResponseWriter, r *http.Request) (*schemas.Compiled, bool) {
	form, ok := p.load(w, r)
	if !ok {
		return nil, false
	}
	return form, p.parseBody(w, r)
}

func (p *Pages) notFound(w http.ResponseWriter, r *http.Request) {
	p.templates.Render(w, r, http.StatusNotFound, "notfound.html", web.Say(r, "Page introuvable", "Page not found"), nil)
}

// loadDraft finds the draft named in the path, for the visitor allowed to
// resume it.
func (p *Pages) loadDraft(w http.ResponseWriter, r *http.Request, form *schemas.Compiled) (string, submit.Draft, bool) {
	token := r.PathValue("draft")
	draft, err := p.Drafts.Get(r.Context(), token)
	if err == nil && !mayResume(draft, form, web.RequestOf(r.Context()).Principal) {
		err = submit.ErrNoDraft
	}
	if errors.Is(err, submit.ErrNoDraft) {
		p.templates.Render(w, r, http.StatusNotFound, "nodraft.html", web.Say(r, "Brouillon introuvable", "Draft not found"), form)
		return "", draft, false
	}
	if err != nil {
		p.fail(w, r, err)
		return "", draft, false
	}
	return token, draft, true
}

// loadPostedDraft reads a post to a draft's page: its form, then the draft.
func (p *Pages) loadPostedDraft(w http.ResponseWriter, r *http.Request) (*schemas.Compiled, string, submit.Draft, bool) {
	form, ok := p.loadPosted(w, r)
	if !ok {
		return nil, "", submit.Draft{}, false
	}
	token, draft, ok := p.loadDraft(w, r, form)
	return form, token, draft, ok
}

// mayResume reports whether p may resume a draft of form: anyone with its
// link may, unless an agent started it signed in, when only they may.
func mayResume(d submit.Draft, form *schemas.Compiled, p identity.Principal) bool {
	return d.Form == form.ID && (d.AccountID == "" || d.AccountID == p.AccountID)
}

type receiptPage struct {
	Record submit.State
	Form   *schemas.Compiled
	Token  string
	// Applicant says the reader made the request, and may reply.
	Applicant bool
	// Thread is the conversation with the department.
	Thread web.Thread
	// Asked are the titles of the answers to correct, when the dossier
	// is to complete.
	Asked []string
	// FormToken is the CSRF token of a visitor without a session.
	FormToken string
	// Reply is the message posted, kept when it is refused.
	Reply  string
	Errors []string
	Notice string
}

// DecisionIndex is the position of the decision in the history.
func (p receiptPage) DecisionIndex() int { return len(p.Record.History) - 1 }

// Decision is the change that decided the submission, if it is decided.
func (p receiptPage) Decision() *submit.Change {
	if !p.Record.Status.Decided() {
		return nil
	}
	last := p.Record.History[len(p.Record.History)-1]
	return &last
}

// CompleteLink is where the applicant corrects what is asked.
func (p receiptPage) CompleteLink() string {
	return completeLink(p.Record.Reference, p.Token)
}

func (p *Pages) receipt(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	p.showReceipt(w, r, http.StatusOK, token, receiptPage{Notice: receiptNotice(r)})
}

// receiptNotice says what the change before a redirect did.
func receiptNotice(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "replied":
		return web.Say(r, "Votre message est envoyé au service.", "Your message is sent to the department.")
	case "completed":
		return web.Say(r, "Vos corrections sont enregistrées : le service reprend l'examen de votre demande.",
			"Your corrections are recorded: the department resumes the review of your request.")
	}
	return ""
}

// showReceipt shows the page of a request to whoever may read it: where
// it stands, its decision, and the conversation with the department, which
// the applicant then has read.
func (p *Pages) showReceipt(w http.ResponseWriter, r *http.Request, status int, token string, page receiptPage) {
	ctx := r.Context()
	rec, err := p.Tracker.Get(ctx, r.PathValue("reference"))
	req := web.RequestOf(ctx)
	// To whoever may not read it, a submission is as unknown as a
	// reference that names none.
	if errors.Is(err, submit.ErrUnknownSubmission) || (err == nil && !rec.ReadableBy(req.Principal, token)) {
		p.notFound(w, r)
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	form, err := p.Forms.Version(ctx, rec.Form, rec.FormVersion)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	form = form.In(string(req.Lang))
	page.Record, page.Form, page.Token, page.Applicant = rec, form, token, rec.AppliedBy(req.Principal, token)
	web.AllowFraming(w, form.EmbedOrigins)
	page.Thread = web.Thread{Lang: req.Lang, Reference: rec.Reference, Token: token}
	messages, err := p.Conversations.Thread(ctx, rec.Reference)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	fields := form.Fields()
	for _, m := range messages {
		page.Thread.Messages = append(page.Thread.Messages, web.ThreadMessage{Message: m, Asked: web.Titles(fields, m.Asks)})
		if rec.Status == submit.ToComplete && len(m.Asks) > 0 {
			page.Asked = web.Titles(fields, m.Asks)
		}
	}
	if page.Applicant {
		page.Thread.MarkUnread(submit.FromDepartment, rec.Unread.Applicant)
		if err := p.Conversations.Read(ctx, rec, submit.FromApplicant); err != nil {
			p.fail(w, r, err)
			return
		}
		if req.Session == nil {
			page.FormToken = web.FormToken(w, r, p.Cookies)
		}
	}
	title := web.Say(r, "Demande envoyée", "Request sent")
	switch {
	case rec.Status.Decided():
		title = rec.Status.Sentence().In(req.Lang)
	case rec.Status == submit.ToComplete:
		title = web.Say(r, "Votre demande est à compléter", "Your request is to complete")
	}
	if len(page.Errors) > 0 {
		title = web.Say(r, "Erreur : ", "Error: ") + title
	}
	p.templates.Render(w, r, status, "receipt.html", title, page)
}
