// Package letters serves the admins' pages of the decision letters'
// templates: one per department, with its postal address, and one per
// form when it needs its own; each edited with its merge fields, and
// previewed as the PDF a citizen would get. Pages work without
// JavaScript.
//
// Front door (internal/test/layering).
package letters

import (
	"bytes"
	"cmp"
	"context"
	"embed"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/letters"
	"github.com/guichet/guichet/processors"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

//go:embed templates
var files embed.FS

// Config is what the pages need.
type Config struct {
	Letters     *letters.Store
	Departments *identity.Departments
	Forms       *schemas.Registry
	Audit       *identity.Audit
	// Site is what every page shows of the organisation.
	Site web.Site
	Log  *slog.Logger
}

// Pages serves the letters' pages.
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

// Routes returns the letters' pages, for admins only.
func (p *Pages) Routes() []web.Route {
	admin := func(method, pattern string, h http.HandlerFunc) web.Route {
		return web.Route{Method: method, Pattern: pattern, Access: identity.AdminOnly, Handler: h}
	}
	return []web.Route{
		admin(http.MethodGet, "/admin/lettres", p.list),
		admin(http.MethodGet, "/admin/lettres/{scope}/{id}", p.edit),
		admin(http.MethodPost, "/admin/lettres/{scope}/{id}", p.save),
		admin(http.MethodPost, "/admin/lettres/{scope}/{id}/apercu", p.preview),
		admin(http.MethodPost, "/admin/lettres/{scope}/{id}/supprimer", p.remove),
	}
}

// scopes are the scopes as the pages' addresses name them.
var scopes = map[string]letters.Scope{"service": letters.ForDepartment, "formulaire": letters.ForForm}

// owner is what a template belongs to: a department or a form.
type owner struct {
	Scope letters.Scope
	// Path is its part of the pages' addresses: "service/solidarites".
	Path  string
	ID    string
	Title string
	// Department is the department, for a department's template.
	Department identity.Department
	// Own says it has a template of its own.
	Own bool
}

type listPage struct {
	Departments, Forms []owner
}

func (p *Pages) list(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	departments, err := p.Departments.List(ctx)
	if err != nil {
		web.Fail(w, r, p.Log, err)
		return
	}
	forms, err := p.Forms.Drafts(ctx)
	if err != nil {
		web.Fail(w, r, p.Log, err)
		return
	}
	var page listPage
	for _, d := range departments {
		o := owner{Scope: letters.ForDepartment, Path: "service/" + d.ID, ID: d.ID, Title: d.Name, Department: d}
		if o.Own, err = p.hasOwn(ctx, o); err != nil {
			web.Fail(w, r, p.Log, err)
			return
		}
		page.Departments = append(page.Departments, o)
	}
	for _, f := range forms {
		archived, err := p.Forms.Archived(ctx, f.ID)
		if err != nil {
			web.Fail(w, r, p.Log, err)
			return
		}
		if archived {
			continue
		}
		o := owner{Scope: letters.ForForm, Path: "formulaire/" + f.ID, ID: f.ID, Title: f.Title}
		if o.Own, err = p.hasOwn(ctx, o); err != nil {
			web.Fail(w, r, p.Log, err)
			return
		}
		page.Forms = append(page.Forms, o)
	}
	p.templates.Render(w, r, http.StatusOK, "letters.html", web.Say(r, "Lettres de décision", "Decision letters"), page)
}

func (p *Pages) hasOwn(ctx context.Context, o owner) (bool, error) {
	_, found, err := p.Letters.Get(ctx, o.Scope, o.ID)
	return found, err
}

// ownerOf finds the department or the form the path names, or answers 404.
func (p *Pages) ownerOf(w http.ResponseWriter, r *http.Request) (owner, bool) {
	ctx := r.Context()
	o := owner{Scope: scopes[r.PathValue("scope")], ID: r.PathValue("id")}
	o.Path = r.PathValue("scope") + "/" + o.ID
	var err error
	switch o.Scope {
	case letters.ForDepartment:
		o.Department, err = p.Departments.Get(ctx, o.ID)
		o.Title = o.Department.Name
	case letters.ForForm:
		var f schemas.Form
		f, err = p.Forms.Draft(ctx, o.ID)
		o.Title = f.Title
	default:
		err = identity.ErrNotFound
	}
	if errors.Is(err, identity.ErrNotFound) || errors.Is(err, schemas.ErrNoDraft) {
		http.NotFound(w, r)
		return o, false
	}
	if err == nil {
		o.Own, err = p.hasOwn(ctx, o)
	}
	if err != nil {
		web.Fail(w, r, p.Log, err)
		return o, false
	}
	return o, true
}

// editPage is a template as its page shows it: the default's text where
// it has none of its own.
type editPage struct {
	Owner    owner
	Template letters.Template
	// Address is a department's postal address.
	Address string
	Fields  []fieldHelp
	Errors  []string
	Notice  string
}

// fieldHelp says what a merge field stands for.
type fieldHelp struct {
	Name string
	Help locale.Text
}

var fieldHelps = []fieldHelp{
	{"{destinataire}", locale.Text{FR: "le demandeur, d'après ses réponses", EN: "the applicant, from their answers"}},
	{"{adresse_destinataire}", locale.Text{FR: "son adresse, d'après ses réponses", EN: "their address, from their answers"}},
	{"{organisation}", locale.Text{FR: "l'organisation", EN: "the organisation"}},
	{"{service}", locale.Text{FR: "le service qui décide", EN: "the deciding department"}},
	{"{adresse_service}", locale.Text{FR: "l'adresse postale du service", EN: "the department's postal address"}},
	{"{signataire}", locale.Text{FR: "le signataire délégué, ou l'agent qui a décidé", EN: "the delegate who signs, or the deciding agent"}},
	{"{decision}", locale.Text{FR: "la décision : « Votre demande est acceptée. » (obligatoire)",
		EN: "the decision: “Your request is accepted.” (required)"}},
	{"{motif}", locale.Text{FR: "le motif de la décision (obligatoire)", EN: "the reason for the decision (required)"}},
	{"{reference}", locale.Text{FR: "la référence du dossier", EN: "the dossier's reference"}},
	{"{demarche}", locale.Text{FR: "le titre du formulaire", EN: "the form's title"}},
	{"{date_demande}", locale.Text{FR: "la date de la demande", EN: "the date of the request"}},
	{"{date_decision}", locale.Text{FR: "la date de la décision", EN: "the date of the decision"}},
}

func (p *Pages) edit(w http.ResponseWriter, r *http.Request) {
	o, ok := p.ownerOf(w, r)
	if !ok {
		return
	}
	t, _, err := p.Letters.Get(r.Context(), o.Scope, o.ID)
	if err != nil {
		web.Fail(w, r, p.Log, err)
		return
	}
	page := editPage{Owner: o, Template: t.Completed(), Address: o.Department.Address}
	switch r.URL.Query().Get("done") {
	case "saved":
		page.Notice = web.Say(r, "Le modèle est enregistré : il vaut pour les prochaines décisions.",
			"The template is saved: it holds for the next decisions.")
	case "removed":
		page.Notice = web.Say(r, "Le modèle propre est supprimé : le modèle suivant s'applique.",
			"The own template is removed: the next template applies.")
	}
	p.render(w, r, http.StatusOK, page)
}

func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, page editPage) {
	page.Fields = fieldHelps
	title := web.Say(r, "Lettre de décision", "Decision letter") + " — " + page.Owner.Title
	if len(page.Errors) > 0 {
		title = web.Say(r, "Erreur : ", "Error: ") + title
	}
	p.templates.Render(w, r, status, "letter.html", title, page)
}

// posted reads a template from the page: a text left as the default's is
// stored empty, so that it follows the default.
func posted(r *http.Request) letters.Template {
	text := func(name string, def string) string {
		v := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue(name), "\r\n", "\n"))
		if v == strings.TrimSpace(def) {
			return ""
		}
		return v
	}
	return letters.Template{
		Body:           locale.Text{FR: text("body_fr", letters.Default.Body.FR), EN: text("body_en", letters.Default.Body.EN)},
		Appeal:         locale.Text{FR: text("appeal_fr", letters.Default.Appeal.FR), EN: text("appeal_en", letters.Default.Appeal.EN)},
		Signatory:      strings.TrimSpace(r.PostFormValue("signatory")),
		SignatoryTitle: strings.TrimSpace(r.PostFormValue("signatoryTitle")),
	}
}

func (p *Pages) save(w http.ResponseWriter, r *http.Request) {
	o, ok := p.ownerOf(w, r)
	if !ok {
		return
	}
	ctx, lang := r.Context(), web.RequestOf(r.Context()).Lang
	t := posted(r)
	page := editPage{Owner: o, Template: t.Completed(), Address: strings.TrimSpace(r.PostFormValue("address"))}
	for _, problem := range t.Problems() {
		page.Errors = append(page.Errors, problem.In(lang))
	}
	if len(page.Errors) > 0 {
		p.render(w, r, http.StatusUnprocessableEntity, page)
		return
	}
	by := web.RequestOf(ctx).Principal.AccountID
	if o.Scope == letters.ForDepartment {
		d := o.Department
		d.Address = page.Address
		if err := p.Departments.Put(ctx, d); err != nil {
			web.Fail(w, r, p.Log, err)
			return
		}
	}
	if err := p.Letters.Put(ctx, o.Scope, o.ID, t, by); err != nil {
		web.Fail(w, r, p.Log, err)
		return
	}
	_ = p.Audit.Record(ctx, identity.AuditEvent{Kind: "letter.saved", By: by, Detail: string(o.Scope) + " " + o.ID})
	http.Redirect(w, r, "/admin/lettres/"+o.Path+"?done=saved", http.StatusSeeOther)
}

func (p *Pages) remove(w http.ResponseWriter, r *http.Request) {
	o, ok := p.ownerOf(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	if err := p.Letters.Delete(ctx, o.Scope, o.ID); err != nil {
		web.Fail(w, r, p.Log, err)
		return
	}
	_ = p.Audit.Record(ctx, identity.AuditEvent{Kind: "letter.removed", By: web.RequestOf(ctx).Principal.AccountID,
		Detail: string(o.Scope) + " " + o.ID})
	http.Redirect(w, r, "/admin/lettres/"+o.Path+"?done=removed", http.StatusSeeOther)
}

// preview renders the posted template as the PDF an applicant would get,
// for an example request, without saving anything.
func (p *Pages) preview(w http.ResponseWriter, r *http.Request) {
	o, ok := p.ownerOf(w, r)
	if !ok {
		return
	}
	lang := web.RequestOf(r.Context()).Lang
	t := posted(r)
	if problems := t.Problems(); len(problems) > 0 {
		page := editPage{Owner: o, Template: t.Completed(), Address: strings.TrimSpace(r.PostFormValue("address"))}
		for _, problem := range problems {
			page.Errors = append(page.Errors, problem.In(lang))
		}
		p.render(w, r, http.StatusUnprocessableEntity, page)
		return
	}
	service, address := o.Department.Name, strings.TrimSpace(r.PostFormValue("address"))
	if o.Scope == letters.ForForm {
		service, address = web.Say(r, "Service instructeur", "Deciding department"), ""
	}
	now := time.Now()
	doc := processors.DecisionDocument{
		Organisation: p.Site.Organisation, FormTitle: cmp.Or(o.Title, o.ID), Reference: "2026-0000-EXEMPLE",
		SubmittedAt: now.AddDate(0, 0, -14),
		Decision: submit.Event{Status: submit.Accepted, At: now,
			Reason: web.Say(r, "Exemple de motif : le dossier est complet.", "Example of a reason: the dossier is complete.")},
		Lang: lang, Service: service, ServiceAddress: address, Signatory: "Camille Exemple",
		Addressee: schemas.Applicant{Name: "Dominique Martin", Address: []string{"1 place de la Gare", "57000 Metz"}},
		Letter:    t,
	}
	var buf bytes.Buffer
	if err := processors.RenderDecision(&buf, doc); err != nil {
		web.Fail(w, r, p.Log, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="apercu-lettre.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}
