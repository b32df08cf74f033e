// Package webform serves the citizens' and agents' form pages, rendered on
// the server from the form's JSON Schema and uiSchema: the catalogue, the
// form itself with its errors, and the receipt. Pages work without
// JavaScript; answers are validated by the same code as the JSON API.
//
// It imports schemas, submit, identity, locale and web.
package webform

import (
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/locale"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/web"
)

//go:embed templates
var files embed.FS

// MaxFormBytes bounds a posted form.
const MaxFormBytes = 1 << 20

// Pages serves the form pages.
type Pages struct {
	Forms   *schemas.Registry
	Intake  *submit.Intake
	Tracker *submit.Tracker
	Cookies web.CookiePolicy
	Log     *slog.Logger

	templates *web.Templates
	errors    *web.ErrorPages
}

// Routes returns the form pages with their access rules.
func (p *Pages) Routes(site web.Site) []web.Route {
	p.errors = web.NewErrorPages(site)
	p.templates = web.Parse(site, files, "templates/*.html", p.Log, template.FuncMap{
		// field pairs a field with the page's language for the "field" template.
		"field": func(lang locale.Lang, f *Field) fieldView { return fieldView{Field: f, Lang: lang} },
	})
	return []web.Route{
		{Method: http.MethodGet, Pattern: "/{$}", Access: identity.Anyone, Handler: p.home},
		{Method: http.MethodGet, Pattern: "/f/{form}", Access: identity.Anyone, Handler: p.show},
		{Method: http.MethodPost, Pattern: "/f/{form}", Access: identity.Anyone, Handler: p.post},
		{Method: http.MethodGet, Pattern: "/recu/{reference}", Access: identity.ReceiptHolder, Handler: p.receipt},
	}
}

type fieldView struct {
	*Field
	Lang locale.Lang
}

func tr(r *http.Request, fr, en string) string {
	return locale.Text{FR: fr, EN: en}.In(web.RequestOf(r.Context()).Lang)
}

func (p *Pages) fail(w http.ResponseWriter, r *http.Request, err error) {
	if p.Log != nil {
		p.Log.Error("form page failed", "path", r.URL.Path, "error", err)
	}
	http.Error(w, tr(r, "Une erreur inattendue s'est produite. Réessayez dans quelques instants.", "An unexpected error occurred. Try again in a moment."), http.StatusInternalServerError)
}

type homePage struct {
	Public, Internal []*schemas.Compiled
}

func (p *Pages) home(w http.ResponseWriter, r *http.Request) {
	all, err := p.Forms.List(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
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
	p.templates.Render(w, r, http.StatusOK, "home.html", tr(r, "Démarches en ligne", "Online services"), page)
}

// formPage is what the form template shows.
type formPage struct {
	Form    *schemas.Compiled
	Fields  []*Field
	Summary []summaryItem
	// FormToken is the CSRF token of a visitor without a session.
	FormToken string
	// IdempotencyKey makes a double click send one submission.
	IdempotencyKey string
	// Unavailable says the answers could not be stored this time.
	Unavailable bool
}

type summaryItem struct {
	Target, Message string
}

// load finds the form named in the path, answering the visitor itself when
// it cannot be filled: unknown, internal without an agent, or closed.
func (p *Pages) load(w http.ResponseWriter, r *http.Request) (*schemas.Compiled, bool) {
	form, err := p.Forms.Latest(r.Context(), r.PathValue("form"))
	req := web.RequestOf(r.Context())
	if errors.Is(err, schemas.ErrNotFound) || (err == nil && form.Audience == schemas.Internal && !req.Principal.IsAgent() && !req.Principal.Anonymous()) {
		p.templates.Render(w, r, http.StatusNotFound, "notfound.html", tr(r, "Page introuvable", "Page not found"), nil)
		return nil, false
	}
	if err != nil {
		p.fail(w, r, err)
		return nil, false
	}
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

func (p *Pages) show(w http.ResponseWriter, r *http.Request) {
	form, ok := p.load(w, r)
	if !ok {
		return
	}
	p.renderForm(w, r, http.StatusOK, form, map[string]any{}, nil, "")
}

func (p *Pages) renderForm(w http.ResponseWriter, r *http.Request, status int, form *schemas.Compiled, data map[string]any, fieldErrs []schemas.FieldError, idem string) {
	lang := web.RequestOf(r.Context()).Lang
	errs := errorPaths(fieldErrs, func(f schemas.FieldError) string { return f.Message.In(lang) })
	page := formPage{Form: form, Fields: buildFields(form.Schema, form.UISchema, data, errs, ""), IdempotencyKey: idem}
	if page.IdempotencyKey == "" {
		page.IdempotencyKey = submit.NewToken()
	}
	page.Summary = summary(page.Fields)
	if web.RequestOf(r.Context()).Session == nil {
		page.FormToken = web.FormToken(w, r, p.Cookies)
	}
	title := form.Title
	if len(page.Summary) > 0 {
		title = tr(r, "Erreur : ", "Error: ") + title
	}
	p.templates.Render(w, r, status, "form.html", title, page)
}

// summary lists the errors of the fields, in the page's order, each
// linking to its field.
func summary(fields []*Field) []summaryItem {
	var items []summaryItem
	for _, f := range fields {
		if f.Error != "" {
			items = append(items, summaryItem{Target: f.ID(), Message: f.Error})
		}
		items = append(items, summary(f.Children)...)
	}
	return items
}

func (p *Pages) post(w http.ResponseWriter, r *http.Request) {
	form, ok := p.load(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, tr(r, "Le formulaire envoyé est trop volumineux.", "The form sent is too large."), http.StatusRequestEntityTooLarge)
		return
	}
	req := web.RequestOf(r.Context())
	if req.Session == nil && !web.FormTokenValid(r) {
		// Answers are not lost: the page comes back with them.
		data := parseObject(form.Schema, r.PostForm, "")
		p.renderForm(w, r, http.StatusForbidden, form, data, []schemas.FieldError{{Message: locale.Text{
			FR: "Le formulaire a expiré. Vérifiez vos réponses et envoyez-le à nouveau.",
			EN: "The form expired. Check your answers and send it again.",
		}}}, "")
		return
	}
	data := parseObject(form.Schema, r.PostForm, "")
	idem := r.PostFormValue("_idem")
	if action := r.PostFormValue("_action"); action != "" {
		applyAction(data, action)
		p.renderForm(w, r, http.StatusOK, form, data, nil, idem)
		return
	}
	raw, err := json.Marshal(data)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	receipt, err := p.Intake.Submit(r.Context(), submit.Request{FormID: form.ID, Data: raw, IdempotencyKey: idem, Principal: req.Principal})
	var invalid *schemas.ValidationError
	switch {
	case errors.As(err, &invalid):
		p.renderForm(w, r, http.StatusUnprocessableEntity, form, data, invalid.Fields, idem)
		return
	case errors.Is(err, submit.ErrDataTooLarge):
		p.renderForm(w, r, http.StatusUnprocessableEntity, form, data, []schemas.FieldError{{Message: locale.Text{
			FR: "Vos réponses sont trop volumineuses : raccourcissez les textes les plus longs.",
			EN: "Your answers are too large: shorten the longest texts.",
		}}}, idem)
		return
	case errors.Is(err, submit.ErrFormClosed):
		p.templates.Render(w, r, http.StatusGone, "closed.html", form.Title, form)
		return
	case err != nil:
		if p.Log != nil {
			p.Log.Error("submission not stored", "form", form.ID, "error", err)
		}
		page := formPage{Form: form, Fields: buildFields(form.Schema, form.UISchema, data, nil, ""), IdempotencyKey: idem, Unavailable: true}
		if req.Session == nil {
			page.FormToken = web.FormToken(w, r, p.Cookies)
		}
		p.templates.Render(w, r, http.StatusServiceUnavailable, "form.html", form.Title, page)
		return
	}
	http.Redirect(w, r, "/recu/"+receipt.Reference+"?token="+url.QueryEscape(receipt.Token), http.StatusSeeOther)
}

type receiptPage struct {
	Record submit.Record
	Form   *schemas.Compiled
	Token  string
}

func (p *Pages) receipt(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token := r.URL.Query().Get("token")
	rec, err := p.Tracker.Get(ctx, r.PathValue("reference"))
	req := web.RequestOf(ctx)
	if errors.Is(err, submit.ErrUnknownSubmission) || (err == nil && !rec.ReadableBy(req.Principal, token) && req.Principal.Anonymous()) {
		p.templates.Render(w, r, http.StatusNotFound, "notfound.html", tr(r, "Page introuvable", "Page not found"), nil)
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if !rec.ReadableBy(req.Principal, token) {
		p.errors.Forbidden(w, r)
		return
	}
	form, err := p.Forms.Version(ctx, rec.Form, rec.FormVersion)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.templates.Render(w, r, http.StatusOK, "receipt.html", tr(r, "Demande envoyée", "Request sent"), receiptPage{Record: rec, Form: form, Token: token})
}
