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
	"strconv"
	"strings"
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
	Drafts  *submit.Drafts
	// Accounts and Departments prefill internal forms from the agent's account.
	Accounts    *identity.Accounts
	Departments *identity.Departments
	Cookies     web.CookiePolicy
	Log         *slog.Logger

	templates *web.Templates
	errors    *web.ErrorPages
}

// Routes returns the form pages with their access rules.
func (p *Pages) Routes(site web.Site) []web.Route {
	p.errors = web.NewErrorPages(site)
	p.templates = web.Parse(site, files, "templates/*.html", p.Log, template.FuncMap{
		// field pairs a field with the page's language for the "field" template.
		"field": func(lang locale.Lang, f *Field) fieldView { return fieldView{Field: f, Lang: lang} },
		"dec":   func(n int) int { return n - 1 },
	})
	return []web.Route{
		{Method: http.MethodGet, Pattern: "/{$}", Access: identity.Anyone, Handler: p.home},
		{Method: http.MethodGet, Pattern: "/f/{form}", Access: identity.Anyone, Handler: p.show},
		{Method: http.MethodPost, Pattern: "/f/{form}", Access: identity.Anyone, Handler: p.post},
		{Method: http.MethodGet, Pattern: "/f/{form}/d/{draft}", Access: identity.Anyone, Handler: p.resume},
		{Method: http.MethodGet, Pattern: "/f/{form}/d/{draft}/verifier", Access: identity.Anyone, Handler: p.check},
		{Method: http.MethodPost, Pattern: "/f/{form}/d/{draft}/verifier", Access: identity.Anyone, Handler: p.sendDraft},
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

// formPage is what the form template shows: one step of the form.
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
	// Draft is the resume token of the answers saved so far, if any.
	Draft     string
	Step      int
	Steps     []step
	StepTitle string
}

// MultiStep reports whether the form has several pages.
func (p formPage) MultiStep() bool { return len(p.Steps) > 1 }

// Last reports whether this is the last page before sending or checking.
func (p formPage) Last() bool { return p.Step == len(p.Steps)-1 }

// StepNumber is the page's number, from 1.
func (p formPage) StepNumber() int { return p.Step + 1 }

// Back is the address of the previous page, if any.
func (p formPage) Back() string {
	if p.Step == 0 || p.Draft == "" {
		return ""
	}
	return "/f/" + p.Form.ID + "/d/" + p.Draft + "?step=" + strconv.Itoa(p.Step-1)
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
		p.notFound(w, r)
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

// loadPosted is load for a posted form, whose body it reads, bounded.
func (p *Pages) loadPosted(w http.ResponseWriter, r *http.Request) (*schemas.Compiled, bool) {
	form, ok := p.load(w, r)
	if !ok {
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, tr(r, "Le formulaire envoyé est trop volumineux.", "The form sent is too large."), http.StatusRequestEntityTooLarge)
		return nil, false
	}
	return form, true
}

func (p *Pages) notFound(w http.ResponseWriter, r *http.Request) {
	p.templates.Render(w, r, http.StatusNotFound, "notfound.html", tr(r, "Page introuvable", "Page not found"), nil)
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
		p.templates.Render(w, r, http.StatusNotFound, "nodraft.html", tr(r, "Brouillon introuvable", "Draft not found"), form)
		return "", draft, false
	}
	if err != nil {
		p.fail(w, r, err)
		return "", draft, false
	}
	return token, draft, true
}

// mayResume reports whether p may resume a draft of form: anyone with its
// link may, unless an agent started it signed in, when only they may.
func mayResume(d submit.Draft, form *schemas.Compiled, p identity.Principal) bool {
	return d.Form == form.ID && (d.AccountID == "" || d.AccountID == p.AccountID)
}

func (p *Pages) show(w http.ResponseWriter, r *http.Request) {
	form, ok := p.load(w, r)
	if !ok {
		return
	}
	data := map[string]any{}
	p.prefill(r.Context(), form.UISchema, web.RequestOf(r.Context()).Principal, data)
	p.renderStep(w, r, http.StatusOK, form, 0, data, nil, "", "")
}

func (p *Pages) resume(w http.ResponseWriter, r *http.Request) {
	form, ok := p.load(w, r)
	if !ok {
		return
	}
	token, draft, ok := p.loadDraft(w, r, form)
	if !ok {
		return
	}
	index := draft.Step
	if i, err := strconv.Atoi(r.URL.Query().Get("step")); err == nil {
		index = i
	}
	p.renderStep(w, r, http.StatusOK, form, index, decodeData(draft.Data), nil, token, "")
}

func decodeData(raw json.RawMessage) map[string]any {
	data := map[string]any{}
	_ = json.Unmarshal(raw, &data)
	return data
}

// renderStep shows one page of a form with the answers so far and the
// errors found in them.
func (p *Pages) renderStep(w http.ResponseWriter, r *http.Request, status int, form *schemas.Compiled, index int, data map[string]any, fieldErrs []schemas.FieldError, draft, idem string) {
	lang := web.RequestOf(r.Context()).Lang
	steps := stepsOf(form)
	index = max(0, min(index, len(steps)-1))
	errs := errorPaths(fieldErrs, func(f schemas.FieldError) string { return f.Message.In(lang) })
	page := formPage{
		Form: form, Fields: steps[index].keepFields(buildFields(form.Schema, form.UISchema, data, errs, "")),
		IdempotencyKey: idem, Draft: draft, Step: index, Steps: steps, StepTitle: steps[index].Title,
	}
	if page.IdempotencyKey == "" {
		page.IdempotencyKey = submit.NewToken()
	}
	page.Summary = summary(page.Fields)
	if len(page.Summary) == 0 && errs[""] != "" {
		page.Summary = []summaryItem{{Message: errs[""]}}
	}
	p.renderForm(w, r, status, page)
}

func (p *Pages) renderForm(w http.ResponseWriter, r *http.Request, status int, page formPage) {
	if web.RequestOf(r.Context()).Session == nil {
		page.FormToken = web.FormToken(w, r, p.Cookies)
	}
	title := page.Form.Title
	if page.MultiStep() {
		title = page.StepTitle + " — " + title
	}
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

// post takes one page of answers: to add or remove an item of a group, to
// save for later, to go on to the next page, or to send.
func (p *Pages) post(w http.ResponseWriter, r *http.Request) {
	form, ok := p.loadPosted(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	req := web.RequestOf(ctx)
	steps := stepsOf(form)
	index, _ := strconv.Atoi(r.PostFormValue("_step"))
	index = max(0, min(index, len(steps)-1))
	token, idem := r.PostFormValue("_draft"), r.PostFormValue("_idem")
	data := map[string]any{}
	if token != "" {
		draft, err := p.Drafts.Get(ctx, token)
		if err == nil && mayResume(draft, form, req.Principal) {
			data = decodeData(draft.Data)
		} else {
			token = ""
		}
	}
	steps[index].merge(data, parseObject(form.Schema, r.PostForm, ""))
	dropHidden(form.Schema, data)
	if req.Session == nil && !web.FormTokenValid(r) {
		// The answers are not lost: the page comes back with them.
		p.renderStep(w, r, http.StatusForbidden, form, index, data, []schemas.FieldError{{Message: locale.Text{
			FR: "Le formulaire a expiré. Vérifiez vos réponses et envoyez-le à nouveau.",
			EN: "The form expired. Check your answers and send it again.",
		}}}, token, idem)
		return
	}
	switch action := r.PostFormValue("_action"); {
	case strings.HasPrefix(action, "add:"), strings.HasPrefix(action, "remove:"):
		applyAction(data, action)
		p.renderStep(w, r, http.StatusOK, form, index, data, nil, token, idem)
		return
	case action == "save":
		p.save(w, r, form, token, index, data)
		return
	}
	raw, err := json.Marshal(data)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if len(steps) == 1 {
		p.send(w, r, form, data, raw, token, idem)
		return
	}
	var invalid *schemas.ValidationError
	if err := form.Validate(raw); errors.As(err, &invalid) {
		var mine []schemas.FieldError
		for _, f := range invalid.Fields {
			if steps[index].owns(f.Location) {
				mine = append(mine, f)
			}
		}
		if len(mine) > 0 {
			p.renderStep(w, r, http.StatusUnprocessableEntity, form, index, data, mine, token, idem)
			return
		}
	}
	next := index + 1
	token, err = p.Drafts.Save(ctx, token, submit.Draft{Form: form.ID, Data: raw, Step: min(next, len(steps)-1), AccountID: req.Principal.AccountID}, form.DraftLifetime())
	if err != nil {
		p.unavailable(w, r, form, index, data, token, idem, err)
		return
	}
	target := "/f/" + form.ID + "/d/" + token + "?step=" + strconv.Itoa(next)
	if next == len(steps) {
		target = "/f/" + form.ID + "/d/" + token + "/verifier"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// send submits the answers and shows the receipt; refused answers come
// back on the page that holds them.
func (p *Pages) send(w http.ResponseWriter, r *http.Request, form *schemas.Compiled, data map[string]any, raw json.RawMessage, token, idem string) {
	ctx := r.Context()
	if token != "" {
		idem = token // a draft is sent once, whatever the clicks
	}
	receipt, err := p.Intake.Submit(ctx, submit.Request{FormID: form.ID, Data: raw, IdempotencyKey: idem, Principal: web.RequestOf(ctx).Principal})
	var invalid *schemas.ValidationError
	switch {
	case errors.As(err, &invalid):
		steps := stepsOf(form)
		index := 0
		for i, s := range steps {
			if len(invalid.Fields) > 0 && s.owns(invalid.Fields[0].Location) {
				index = i
				break
			}
		}
		p.renderStep(w, r, http.StatusUnprocessableEntity, form, index, data, invalid.Fields, token, idem)
		return
	case errors.Is(err, submit.ErrDataTooLarge):
		p.renderStep(w, r, http.StatusUnprocessableEntity, form, 0, data, []schemas.FieldError{{Message: locale.Text{
			FR: "Vos réponses sont trop volumineuses : raccourcissez les textes les plus longs.",
			EN: "Your answers are too large: shorten the longest texts.",
		}}}, token, idem)
		return
	case errors.Is(err, submit.ErrFormClosed):
		p.templates.Render(w, r, http.StatusGone, "closed.html", form.Title, form)
		return
	case err != nil:
		p.unavailable(w, r, form, 0, data, token, idem, err)
		return
	}
	if token != "" {
		if err := p.Drafts.Delete(ctx, token); err != nil && p.Log != nil {
			p.Log.Warn("sent draft not deleted; it expires by itself", "form", form.ID, "error", err)
		}
	}
	http.Redirect(w, r, "/recu/"+receipt.Reference+"?token="+url.QueryEscape(receipt.Token), http.StatusSeeOther)
}

// unavailable shows the page again, answers kept, when they could not be stored.
func (p *Pages) unavailable(w http.ResponseWriter, r *http.Request, form *schemas.Compiled, index int, data map[string]any, token, idem string, err error) {
	if p.Log != nil {
		p.Log.Error("answers not stored", "form", form.ID, "error", err)
	}
	steps := stepsOf(form)
	index = max(0, min(index, len(steps)-1))
	page := formPage{Form: form, Fields: steps[index].keepFields(buildFields(form.Schema, form.UISchema, data, nil, "")),
		IdempotencyKey: idem, Draft: token, Step: index, Steps: steps, StepTitle: steps[index].Title, Unavailable: true}
	p.renderForm(w, r, http.StatusServiceUnavailable, page)
}

type savedPage struct {
	Form      *schemas.Compiled
	ResumeURL string
	ExpiresAt time.Time
}

// save keeps the answers so far and shows the link to come back to them.
func (p *Pages) save(w http.ResponseWriter, r *http.Request, form *schemas.Compiled, token string, index int, data map[string]any) {
	raw, err := json.Marshal(data)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	lifetime := form.DraftLifetime()
	token, err = p.Drafts.Save(r.Context(), token, submit.Draft{Form: form.ID, Data: raw, Step: index, AccountID: web.RequestOf(r.Context()).Principal.AccountID}, lifetime)
	if err != nil {
		p.unavailable(w, r, form, index, data, token, "", err)
		return
	}
	page := savedPage{Form: form, ResumeURL: siteURL(r) + "/f/" + form.ID + "/d/" + token, ExpiresAt: time.Now().Add(lifetime)}
	p.templates.Render(w, r, http.StatusOK, "saved.html", tr(r, "Vos réponses sont enregistrées", "Your answers are saved"), page)
}

// siteURL is the address of the site as the visitor reached it.
func siteURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type checkPage struct {
	Form      *schemas.Compiled
	Draft     string
	Sections  []checkSection
	FormToken string
}

type checkSection struct {
	Title   string
	Step    int
	Answers []schemas.Answer
}

// check shows every answer before sending, each page with a link to change it.
func (p *Pages) check(w http.ResponseWriter, r *http.Request) {
	form, ok := p.load(w, r)
	if !ok {
		return
	}
	token, draft, ok := p.loadDraft(w, r, form)
	if !ok {
		return
	}
	data := decodeData(draft.Data)
	page := checkPage{Form: form, Draft: token}
	for i, s := range stepsOf(form) {
		raw, err := json.Marshal(s.only(data))
		if err != nil {
			p.fail(w, r, err)
			return
		}
		page.Sections = append(page.Sections, checkSection{Title: s.Title, Step: i, Answers: form.Answers(raw)})
	}
	if web.RequestOf(r.Context()).Session == nil {
		page.FormToken = web.FormToken(w, r, p.Cookies)
	}
	p.templates.Render(w, r, http.StatusOK, "check.html", tr(r, "Vérifiez vos réponses", "Check your answers")+" — "+form.Title, page)
}

// sendDraft sends a checked draft.
func (p *Pages) sendDraft(w http.ResponseWriter, r *http.Request) {
	form, ok := p.loadPosted(w, r)
	if !ok {
		return
	}
	token, draft, ok := p.loadDraft(w, r, form)
	if !ok {
		return
	}
	if web.RequestOf(r.Context()).Session == nil && !web.FormTokenValid(r) {
		http.Redirect(w, r, "/f/"+form.ID+"/d/"+token+"/verifier", http.StatusSeeOther)
		return
	}
	p.send(w, r, form, decodeData(draft.Data), draft.Data, token, token)
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
		p.notFound(w, r)
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
