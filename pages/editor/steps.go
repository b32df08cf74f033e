package editor

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
)

// stepField is a field and the step it is on (-1: none yet).
type stepField struct {
	Name, Label string
	Step        int
}

type stepsPage struct {
	Form   schemas.Form
	Titles []string
	Fields []stepField
	Errors []string
}

func (e *Pages) stepsForm(w http.ResponseWriter, r *http.Request) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	steps := builder.Steps(draft)
	page := stepsPage{}
	for _, s := range steps {
		page.Titles = append(page.Titles, s.Title)
	}
	fields, err := stepFields(draft)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	for i := range fields {
		fields[i].Step = slices.IndexFunc(steps, func(s builder.Step) bool { return slices.Contains(s.Fields, fields[i].Name) })
	}
	page.Fields = fields
	e.renderSteps(w, r, http.StatusOK, draft, page)
}

// stepFields lists the fields a step can hold: the unconditional ones,
// since a conditional field shows on the page of the field that decides it.
func stepFields(f schemas.Form) ([]stepField, error) {
	specs, err := builder.Fields(f)
	var out []stepField
	for _, s := range specs {
		if s.Condition == nil {
			out = append(out, stepField{Name: s.Name, Label: s.Label, Step: -1})
		}
	}
	return out, err
}

func (e *Pages) renderSteps(w http.ResponseWriter, r *http.Request, status int, draft schemas.Form, page stepsPage) {
	page.Form = draft
	filled := 0
	for _, t := range page.Titles {
		if t != "" {
			filled++
		}
	}
	for len(page.Titles) < filled+2 {
		page.Titles = append(page.Titles, "")
	}
	e.templates.Render(w, r, status, "steps.html", pageTitle(r, web.Say(r, "Étapes", "Steps"), draft.Title, len(page.Errors) > 0), page)
}

// saveSteps groups the fields into the steps titled, in the fields' order;
// no title makes the form one page.
func (e *Pages) saveSteps(w http.ResponseWriter, r *http.Request) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	fields, err := stepFields(draft)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	page := stepsPage{Titles: r.PostForm["title"]}
	for i := range fields {
		fields[i].Step, err = strconv.Atoi(r.PostFormValue("step." + fields[i].Name))
		if err != nil {
			fields[i].Step = -1
		}
	}
	page.Fields = fields
	var steps []builder.Step
	for i, title := range page.Titles {
		title = strings.TrimSpace(title)
		var names []string
		for _, f := range fields {
			if f.Step == i {
				names = append(names, f.Name)
			}
		}
		switch {
		case title == "" && len(names) > 0:
			page.Errors = append(
				page.Errors,
				web.Say(r, "Des champs sont placés sur une étape sans titre : donnez-lui un titre.", "Fields are placed "+
					"on a step without a title: give it a title."),
			)
		case title != "":
			steps = append(steps, builder.Step{Title: title, Fields: names})
		}
	}
	e.commit(w, r, page.Errors, func() error {
		_, err := e.Builder.EditDraft(
			r.Context(),
			by(r),
			draft.ID,
			func(f schemas.Form) (schemas.Form, error) { return builder.SetSteps(f, steps) },
		)
		return err
	}, func(errs []string) {
		page.Errors = errs
		e.renderSteps(w, r, http.StatusUnprocessableEntity, draft, page)
	}, draft.ID, "")
}
