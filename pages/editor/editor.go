// Package editor serves the builder's pages, for admins: the list of
// forms, and for each form its settings, fields, steps, conditions,
// routing with its dry run, the check before publishing, publication,
// versions and their differences. Every page works without JavaScript and
// calls the same builder operations as the API, so every change lands in
// the security log with who made it.
//
// Front door (internal/test/layering); the API mounts its routes. The preview
// of a draft is webform's, the real renderer.
package editor

import (
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
)

//go:embed templates
var files embed.FS

// Config is what the pages need.
type Config struct {
	Forms       *schemas.Registry
	Builder     *builder.Builder
	Departments *identity.Departments
	// Site is what every page shows of the organisation.
	Site web.Site
	// SiteURL is the site's public address, for the code that embeds a
	// form in another site; empty, the address the admin came by.
	SiteURL string
	// Mail says an SMTP relay is set, through which the owners of the
	// drafts a new version refuses are told.
	Mail bool
	Log  *slog.Logger
}

// Pages serves the builder's pages.
type Pages struct {
	Config
	templates *web.Templates
}

// New returns the pages, their templates parsed.
func New(cfg Config) *Pages {
	p := &Pages{Config: cfg}
	p.templates = web.Parse(cfg.Site, files, "templates/*.html", p.Log, template.FuncMap{
		"typeName":  func(lang locale.Lang, t builder.FieldType) string { return typeNames[t].In(lang) },
		"purposes":  func() any { return purposeNames },
		"operators": func() []builder.Operator { return builder.Operators },
		"formTable": func(lang locale.Lang, caption string, forms []formState) formTable {
			return formTable{Lang: lang, Caption: caption, Forms: forms}
		},
		"add":       func(a, b int) int { return a + b },
		"formState": func(lang locale.Lang, s formState) stateView { return stateView{Lang: lang, State: s} },
		"conditionView": func(lang locale.Lang, legend, shown, always string, c conditionEditor) conditionView {
			return conditionView{Lang: lang, Legend: legend, Shown: shown, Always: always, Editor: c}
		},
		"boundView": func(lang locale.Lang, legend string, b boundTexts) boundView {
			return boundView{Lang: lang, Legend: legend, Bound: b}
		},
	})
	return p
}

// Routes returns the builder's pages, all for admins only.
func (e *Pages) Routes() []web.Route {
	admin := func(method, pattern string, h http.HandlerFunc) web.Route {
		return web.Route{Method: method, Pattern: pattern, Access: identity.AdminOnly, Handler: h}
	}
	return []web.Route{
		admin(http.MethodGet, "/admin/forms", e.list),
		admin(http.MethodPost, "/admin/forms", e.create),
		admin(http.MethodPost, "/admin/forms/import", e.importFile),
		admin(http.MethodGet, "/admin/forms/{id}", e.overview),
		admin(http.MethodGet, "/admin/forms/{id}/publier", e.publication),
		admin(http.MethodPost, "/admin/forms/{id}/publish", e.publish),
		admin(http.MethodPost, "/admin/forms/{id}/unpublish", e.unpublish),
		admin(http.MethodPost, "/admin/forms/{id}/archive", e.archive),
		admin(http.MethodPost, "/admin/forms/{id}/restore", e.restore),
		admin(http.MethodGet, "/admin/forms/{id}/settings", e.settingsForm),
		admin(http.MethodPost, "/admin/forms/{id}/settings", e.saveSettings),
		admin(http.MethodGet, "/admin/forms/{id}/fields/new", e.newField),
		admin(http.MethodPost, "/admin/forms/{id}/fields", e.addField),
		admin(http.MethodGet, "/admin/forms/{id}/fields/{name}", e.editField),
		admin(http.MethodPost, "/admin/forms/{id}/fields/{name}", e.saveField),
		admin(http.MethodPost, "/admin/forms/{id}/fields/{name}/move", e.moveField),
		admin(http.MethodPost, "/admin/forms/{id}/fields/{name}/duplicate", e.duplicateField),
		admin(http.MethodPost, "/admin/forms/{id}/fields/{name}/delete", e.deleteField),
		admin(http.MethodGet, "/admin/forms/{id}/steps", e.stepsForm),
		admin(http.MethodPost, "/admin/forms/{id}/steps", e.saveSteps),
		admin(http.MethodGet, "/admin/forms/{id}/steps/{n}/condition", e.stepConditionForm),
		admin(http.MethodPost, "/admin/forms/{id}/steps/{n}/duplicate", e.duplicateStep),
		admin(http.MethodPost, "/admin/forms/{id}/steps/{n}/condition", e.saveStepCondition),
		admin(http.MethodPost, "/admin/forms/{id}/annuler", e.undo),
		admin(http.MethodPost, "/admin/forms/{id}/retablir", e.redo),
		admin(http.MethodGet, "/admin/forms/{id}/traductions", e.translationsForm),
		admin(http.MethodPost, "/admin/forms/{id}/traductions", e.saveTranslations),
		admin(http.MethodGet, "/admin/forms/{id}/routing", e.routingForm),
		admin(http.MethodPost, "/admin/forms/{id}/routing", e.saveRouting),
		admin(http.MethodPost, "/admin/forms/{id}/routing/dry-run", e.dryRun),
		admin(http.MethodGet, "/admin/forms/{id}/versions", e.versions),
	}
}

var typeNames = map[builder.FieldType]locale.Text{
	builder.ShortText:        {FR: "Texte court", EN: "Short text"},
	builder.LongText:         {FR: "Texte long", EN: "Long text"},
	builder.EmailAddress:     {FR: "Adresse électronique", EN: "Email address"},
	builder.PhoneFR:          {FR: "Téléphone", EN: "Phone number"},
	builder.Number:           {FR: "Nombre", EN: "Number"},
	builder.AmountEUR:        {FR: "Montant en euros", EN: "Amount in euros"},
	builder.Date:             {FR: "Date", EN: "Date"},
	builder.CalculatedNumber: {FR: "Nombre calculé", EN: "Calculated number"},
	builder.CalculatedAmount: {FR: "Montant calculé en euros", EN: "Calculated amount in euros"},
	builder.PastDate:         {FR: "Date passée (naissance…)", EN: "Past date (birth…)"},
	builder.YesNo:            {FR: "Oui / non", EN: "Yes / no"},
	builder.SingleChoice:     {FR: "Choix unique", EN: "Single choice"},
	builder.MultipleChoice:   {FR: "Choix multiple", EN: "Multiple choice"},
	builder.Commune:          {FR: "Commune du département", EN: "Commune of the département"},
	builder.PostalAddress:    {FR: "Adresse postale", EN: "Postal address"},
	builder.SIRET:            {FR: "Numéro SIRET", EN: "SIRET number"},
	builder.IBAN:             {FR: "IBAN", EN: "IBAN"},
	builder.FileUpload:       {FR: "Pièce jointe", EN: "File upload"},
	builder.RepeatGroup:      {FR: "Groupe répétable", EN: "Repeatable group"},
	builder.Heading:          {FR: "Intertitre", EN: "Heading"},
	builder.Paragraph:        {FR: "Texte explicatif", EN: "Explanatory text"},
}

// purposeNames are what an answer may say of the applicant, as the
// builder offers them (see builder.FieldSpec.Purpose).
var purposeNames = []struct {
	Purpose string
	Name    locale.Text
}{
	{"name", locale.Text{FR: "Nom et prénom du demandeur", EN: "Applicant's full name"}},
	{"honorific-prefix", locale.Text{FR: "Civilité", EN: "Title"}},
	{"given-name", locale.Text{FR: "Prénom du demandeur", EN: "Applicant's given name"}},
	{"family-name", locale.Text{FR: "Nom de famille du demandeur", EN: "Applicant's family name"}},
	{"organization", locale.Text{FR: "Organisme ou entreprise du demandeur", EN: "Applicant's organisation or company"}},
	{"street-address", locale.Text{FR: "Adresse du demandeur", EN: "Applicant's address"}},
	{"postal-code", locale.Text{FR: "Code postal", EN: "Postcode"}},
	{"address-level2", locale.Text{FR: "Commune", EN: "Town"}},
	{"email", locale.Text{FR: "Adresse électronique du demandeur", EN: "Applicant's email address"}},
	{"tel", locale.Text{FR: "Téléphone du demandeur", EN: "Applicant's phone number"}},
}

func langOf(r *http.Request) locale.Lang { return web.RequestOf(r.Context()).Lang }

func (e *Pages) fail(w http.ResponseWriter, r *http.Request, err error) { web.Fail(w, r, e.Log, err) }

func by(r *http.Request) string { return web.RequestOf(r.Context()).Principal.AccountID }

// loadDraft reads the draft of the form named in the path, or answers 404.
func (e *Pages) loadDraft(w http.ResponseWriter, r *http.Request) (schemas.Form, bool) {
	f, err := e.Forms.Draft(r.Context(), r.PathValue("id"))
	if errors.Is(err, schemas.ErrNoDraft) {
		e.templates.Render(w, r, http.StatusNotFound, "notfound.html", web.Say(r, "Formulaire introuvable", "Form not found"), nil)
		return f, false
	}
	if err != nil {
		e.fail(w, r, err)
		return f, false
	}
	return f, true
}

// refusal turns an error of a builder operation into what the admin reads,
// or reports that the error is unexpected.
func refusal(r *http.Request, err error) ([]string, bool) {
	lang := web.RequestOf(r.Context()).Lang
	var definition *schemas.DefinitionError
	var refused *builder.Refusal
	switch {
	case errors.As(err, &definition):
		out := make([]string, len(definition.Problems))
		for i, p := range definition.Problems {
			out[i] = p.Message.In(lang) + " (" + p.Location + ")"
		}
		return out, true
	case errors.As(err, &refused):
		return []string{web.Say(r, "La modification est refusée : ", "The change is refused: ") + refused.Message.In(lang)}, true
	case errors.Is(err, builder.ErrNoField):
		return []string{
			web.Say(r, "Ce champ n'existe pas (ou plus) dans le brouillon.", "This field does not (or no longer) exist in the draft."),
		}, true
	case errors.Is(err, schemas.ErrNotFound):
		return []string{web.Say(r, "Ce formulaire n'est pas publié.", "This form is not published.")}, true
	case errors.Is(err, schemas.ErrArchived):
		return []string{web.Say(r, "Ce formulaire est archivé : restaurez-le avant de le publier.", "This form is archived: restore it before "+
			"publishing.")}, true
	}
	return nil, false
}

// failed answers an error of a builder operation, if any: a refusal
// through again, with its reasons; anything else as a failure.
func (e *Pages) failed(w http.ResponseWriter, r *http.Request, err error, again func(reasons []string)) bool {
	if err == nil {
		return false
	}
	if reasons, ok := refusal(r, err); ok {
		again(reasons)
	} else {
		e.fail(w, r, err)
	}
	return true
}

// commit makes a change, unless the posted page was already found wrong
// (errs), then goes back to the form's page (suffix of its address); a
// refused change comes back on the posted page, through again.
func (e *Pages) commit(
	w http.ResponseWriter,
	r *http.Request,
	errs []string,
	change func() error,
	again func(errs []string),
	id, page string,
) {
	if len(errs) > 0 {
		again(errs)
		return
	}
	if !e.failed(w, r, change(), again) {
		redirect(w, r, id, page, "saved")
	}
}

// pageTitle titles a page of a form, marking it when it shows errors.
func pageTitle(r *http.Request, page, form string, failed bool) string {
	title := page + " — " + form
	if failed {
		title = web.Say(r, "Erreur : ", "Error: ") + title
	}
	return title
}

// redirect sends the admin to a page of the form after a change, with a
// word of what was done.
func redirect(w http.ResponseWriter, r *http.Request, id, page, done string) {
	target := "/admin/forms/" + id + page
	if done != "" {
		target += "?done=" + done
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// departmentNames maps department ids to their names.
func (e *Pages) departmentNames(r *http.Request) (map[string]string, []identity.Department, error) {
	list, err := e.Departments.List(r.Context())
	names := map[string]string{}
	for _, d := range list {
		names[d.ID] = d.Name
	}
	return names, list, err
}
