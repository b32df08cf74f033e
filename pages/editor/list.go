package editor

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/demo"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
)

// formState is where a form stands: its draft, its published version if
// any, whether the draft changed since, whether it is archived.
type formState struct {
	Draft     schemas.Form
	Published *schemas.Compiled
	Changed   bool
	Archived  bool
	Versions  []int
}

func (e *Pages) stateOf(r *http.Request, draft schemas.Form) (formState, error) {
	ctx := r.Context()
	s := formState{Draft: draft, Changed: true}
	var err error
	if s.Archived, err = e.Forms.Archived(ctx, draft.ID); err != nil {
		return s, err
	}
	if s.Versions, err = e.Forms.Versions(ctx, draft.ID); err != nil {
		return s, err
	}
	s.Published, err = e.Forms.Latest(ctx, draft.ID)
	switch {
	case errors.Is(err, schemas.ErrNotFound):
		s.Published = nil
	case err != nil:
		return s, err
	default:
		s.Changed = !schemas.SameForm(s.Published.Form, draft)
	}
	return s, nil
}

// formTable is a table of forms, for the "form-rows" template.
type formTable struct {
	Lang    locale.Lang
	Caption string
	Forms   []formState
}

// stateView is a form's state, for the "form-state" template.
type stateView struct {
	Lang  locale.Lang
	State formState
}

type listPage struct {
	Current, Archived []formState
	Departments       []identity.Department
	// Templates are the forms a new one may start from: the demo forms,
	// "modele:<id>", and the published ones, "formulaire:<id>".
	Templates []option
	// From is the template chosen, kept when the creation is refused.
	From string
	// New is the form being created, kept when it is refused.
	New    schemas.Form
	Errors []string
	Notice string
}

func (e *Pages) list(w http.ResponseWriter, r *http.Request) {
	e.renderList(w, r, http.StatusOK, listPage{New: schemas.Form{Audience: schemas.Public}, Notice: notice(r)})
}

func (e *Pages) renderList(w http.ResponseWriter, r *http.Request, status int, page listPage) {
	drafts, err := e.Forms.Drafts(r.Context())
	if err != nil {
		e.fail(w, r, err)
		return
	}
	locale.Sort(drafts, func(f schemas.Form) string { return f.Title })
	for _, d := range drafts {
		s, err := e.stateOf(r, d)
		if err != nil {
			e.fail(w, r, err)
			return
		}
		if s.Archived {
			page.Archived = append(page.Archived, s)
		} else {
			page.Current = append(page.Current, s)
		}
	}
	if _, page.Departments, err = e.departmentNames(r); err != nil {
		e.fail(w, r, err)
		return
	}
	templates, err := demo.Templates()
	if err != nil {
		e.fail(w, r, err)
		return
	}
	for _, t := range templates {
		page.Templates = append(page.Templates, option{Value: "modele:" + t.ID, Label: web.Say(r, "Modèle : ", "Template: ") + t.Title,
			Selected: page.From == "modele:"+t.ID})
	}
	for _, s := range page.Current {
		if s.Published != nil {
			page.Templates = append(page.Templates, option{Value: "formulaire:" + s.Published.ID,
				Label: web.Say(r, "Copie de : ", "Copy of: ") + s.Published.Title, Selected: page.From == "formulaire:"+s.Published.ID})
		}
	}
	e.templates.Render(w, r, status, "list.html", web.Say(r, "Formulaires", "Forms"), page)
}

// create starts a form with its id, title, audience and receiving
// department: an empty draft, or a copy of the fields, steps, routing
// rules (those to departments that exist), confirmation and workflow of
// a template or of a published form.
func (e *Pages) create(w http.ResponseWriter, r *http.Request) {
	from := r.PostFormValue("from")
	f, err := e.startFrom(r, from)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	f.ID = strings.TrimSpace(strings.ToLower(r.PostFormValue("id")))
	f.Title = strings.TrimSpace(r.PostFormValue("title"))
	if f.ID == "" && f.Title != "" {
		f.ID = builder.IDFor(f.Title, func(id string) bool {
			_, err := e.Forms.Draft(r.Context(), id)
			return err == nil
		})
	}
	f.Audience = schemas.Audience(r.PostFormValue("audience"))
	f.Routing.Default = r.PostFormValue("department")
	// A template's rules may send to departments this organisation lacks.
	names, _, err := e.departmentNames(r)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	f.Routing.Rules = slices.DeleteFunc(f.Routing.Rules, func(rule schemas.Rule) bool {
		_, known := names[rule.Department]
		return !known
	})
	refuse := func(msgs ...string) {
		e.renderList(w, r, http.StatusUnprocessableEntity, listPage{New: f, From: from, Errors: msgs})
	}
	if _, err := e.Forms.Draft(r.Context(), f.ID); err == nil {
		refuse(web.Say(r, "Un formulaire porte déjà cet identifiant.", "A form already has this id."))
		return
	}
	if !e.failed(w, r, e.Builder.SaveDraft(r.Context(), by(r), f), func(msgs []string) { refuse(msgs...) }) {
		redirect(w, r, f.ID, "", "created")
	}
}

// startFrom is what a new form starts from: nothing, a demo form
// ("modele:<id>"), or the latest version of a published form
// ("formulaire:<id>"); its dates, limits and version are not copied.
func (e *Pages) startFrom(r *http.Request, from string) (schemas.Form, error) {
	blank := schemas.Form{Schema: json.RawMessage(`{"type":"object","properties":{}}`)}
	kind, id, _ := strings.Cut(from, ":")
	switch kind {
	case "modele":
		templates, err := demo.Templates()
		for _, t := range templates {
			if t.ID == id {
				return copyOf(t), err
			}
		}
		return blank, err
	case "formulaire":
		latest, err := e.Forms.Latest(r.Context(), id)
		if errors.Is(err, schemas.ErrNotFound) {
			return blank, nil
		}
		if err != nil {
			return blank, err
		}
		return copyOf(latest.Form), nil
	}
	return blank, nil
}

// copyOf is what a new form takes of another: its description, fields,
// steps, routing rules, confirmation and workflow.
func copyOf(f schemas.Form) schemas.Form {
	return schemas.Form{Description: f.Description, Schema: f.Schema, UISchema: f.UISchema, Routing: schemas.Routing{Rules: f.Routing.Rules},
		Confirmation: f.Confirmation, Workflow: f.Workflow, Audience: f.Audience}
}

// importFile saves a definition file, as exported, as a form's draft.
func (e *Pages) importFile(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, schemas.MaxSchemaBytes*4+64<<10)
	file, _, err := r.FormFile("file")
	if err != nil {
		e.renderList(w, r, http.StatusUnprocessableEntity, listPage{Errors: []string{web.Say(r,
			"Choisissez un fichier de définition (JSON, tel qu'exporté) de moins de 1 Mio.",
			"Choose a definition file (JSON, as exported) of less than 1 MiB.")}})
		return
	}
	defer file.Close()
	raw, err := io.ReadAll(file)
	var f schemas.Form
	if err == nil {
		err = json.Unmarshal(raw, &f)
	}
	if err != nil {
		e.renderList(w, r, http.StatusUnprocessableEntity, listPage{Errors: []string{web.Say(r,
			"Ce fichier n'est pas une définition de formulaire en JSON.", "This file is not a form definition in JSON.")}})
		return
	}
	refused := func(msgs []string) { e.renderList(w, r, http.StatusUnprocessableEntity, listPage{Errors: msgs}) }
	if !e.failed(w, r, e.Builder.SaveDraft(r.Context(), by(r), f), refused) {
		redirect(w, r, f.ID, "", "imported")
	}
}

// notice says what the change before a redirect did.
func notice(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "created":
		return web.Say(r, "Le formulaire est créé. Ajoutez-lui des champs.", "The form is created. Add fields to it.")
	case "imported":
		return web.Say(r, "La définition est importée comme brouillon.", "The definition is imported as a draft.")
	case "saved":
		return web.Say(r, "Les modifications sont enregistrées dans le brouillon.", "The changes are saved in the draft.")
	case "undone":
		return web.Say(r, "La dernière modification est annulée.", "The last change is undone.")
	case "redone":
		return web.Say(r, "La modification annulée est rétablie.", "The change undone is made again.")
	case "nothing":
		return web.Say(r, "Il n'y a rien à annuler ni à rétablir.", "There is nothing to undo or redo.")
	case "added":
		return web.Say(r, "Le champ est ajouté.", "The field is added.")
	case "moved":
		return web.Say(r, "Le champ est déplacé.", "The field is moved.")
	case "duplicated":
		return web.Say(r, "Le champ est dupliqué : sa copie suit l'original.", "The field is duplicated: its copy follows the original.")
	case "deleted":
		return web.Say(r, "Le champ est supprimé.", "The field is deleted.")
	case "published":
		return web.Say(r, "Le formulaire est publié : la nouvelle version sert dès maintenant.", "The form is published: the new version serves "+
			"from now on.")
	case "unpublished":
		return web.Say(r, "Le formulaire est retiré du catalogue.", "The form is taken out of the catalogue.")
	case "archived":
		return web.Say(r, "Le formulaire est archivé.", "The form is archived.")
	case "restored":
		return web.Say(r, "Le formulaire est restauré, non publié.", "The form is restored, unpublished.")
	}
	return ""
}
