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

// fieldRow is a field as the overview lists it.
type fieldRow struct {
	builder.FieldSpec
	Position    int
	First, Last bool
	// When says when a conditional field shows.
	When string
	// Step is the title of the step the field is on.
	Step string
}

type ruleText struct {
	When, Department string
}

// stepText is a step with its condition in words, empty when it shows
// always.
type stepText struct {
	builder.Step
	When string
}

type overviewPage struct {
	// LanguageNames names the languages the form may be published in.
	LanguageNames map[string]string
	State         formState
	Fields        []fieldRow
	Steps         []stepText
	Rules         []ruleText
	Default       string
	Problems      []string
	// Advice are the accessibility warnings, which do not keep the form
	// from being published.
	Advice []builder.Advice
	Types  []builder.FieldType
	// Undo and Redo count the changes that can be undone and redone.
	Undo, Redo int
	// Movable counts the fields always shown, which move; Positions are
	// theirs, from 1, for the "move to" picker.
	Movable   int
	Positions []int
	// Moved is the field just moved, whose button keeps the focus; Up says
	// which of its buttons.
	Moved  string
	Up     bool
	Notice string
	Errors []string
}

func (e *Pages) overview(w http.ResponseWriter, r *http.Request) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	e.renderOverview(w, r, http.StatusOK, draft, overviewPage{Moved: q.Get("moved"), Up: q.Get("by") == "-1", Notice: notice(r)})
}

func (e *Pages) renderOverview(w http.ResponseWriter, r *http.Request, status int, draft schemas.Form, page overviewPage) {
	page.LanguageNames = schemas.LanguageNames
	if e.Builder.History != nil {
		var err error
		if page.Undo, page.Redo, err = e.Builder.History.Counts(r.Context(), draft.ID); err != nil {
			e.fail(w, r, err)
			return
		}
	}
	var err error
	if page.State, err = e.stateOf(r, draft); err != nil {
		e.fail(w, r, err)
		return
	}
	specs, err := builder.Fields(draft)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	for i, step := range builder.Steps(draft) {
		st := stepText{Step: step}
		if c := builder.StepCondition(draft, i); c != nil {
			st.When = c.Text(specs, langOf(r))
		}
		page.Steps = append(page.Steps, st)
	}
	movable := 0
	for _, s := range specs {
		if s.Condition == nil {
			movable++
		}
	}
	page.Movable = movable
	for p := range movable {
		page.Positions = append(page.Positions, p+1)
	}
	position := 0
	for _, s := range specs {
		row := fieldRow{FieldSpec: s}
		if s.Condition == nil {
			position++
			row.Position, row.First, row.Last = position, position == 1, position == movable
		} else {
			row.When = s.Condition.Text(specs, langOf(r))
		}
		for _, step := range page.Steps {
			if slices.Contains(step.Fields, s.Name) || s.Condition != nil && slices.Contains(step.Fields, s.Condition.Rules[0].Field) {
				row.Step = step.Title
			}
		}
		page.Fields = append(page.Fields, row)
	}
	names, _, err := e.departmentNames(r)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	page.Default = cmpName(names, draft.Routing.Default)
	for _, rule := range draft.Routing.Rules {
		text := web.Say(r, "condition écrite en JSON Schema", "condition written in JSON Schema")
		if spec, ok := builder.SpecOfRule(draft, rule); ok {
			text = labelOf(specs, spec.Field) + web.Say(r, " est ", " is ") + strings.Join(spec.Values, web.Say(r, " ou ", " or "))
		}
		page.Rules = append(page.Rules, ruleText{When: text, Department: cmpName(names, rule.Department)})
	}
	lang := langOf(r)
	for _, p := range builder.Lint(draft) {
		page.Problems = append(page.Problems, p.Message.In(lang))
	}
	page.Advice = builder.Advise(draft)
	page.Types = builder.Catalogue
	e.templates.Render(w, r, status, "form.html", draft.Title, page)
}

func fieldOf(specs []builder.FieldSpec, name string) builder.FieldSpec {
	for _, s := range specs {
		if s.Name == name {
			return s
		}
	}
	return builder.FieldSpec{Name: name, Label: name}
}

func labelOf(specs []builder.FieldSpec, name string) string { return fieldOf(specs, name).Label }

func cmpName(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return id
}

// againOverview shows the overview again, with why a change was refused.
func (e *Pages) againOverview(w http.ResponseWriter, r *http.Request, status int, draft schemas.Form) func([]string) {
	return func(reasons []string) { e.renderOverview(w, r, status, draft, overviewPage{Errors: reasons}) }
}

// publish lints the draft and freezes it as the next version; a refused
// draft comes back with the problems to fix.
func (e *Pages) publish(w http.ResponseWriter, r *http.Request) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	_, err := e.Builder.Publish(r.Context(), by(r), draft.ID)
	if !e.failed(w, r, err, e.againOverview(w, r, http.StatusUnprocessableEntity, draft)) {
		redirect(w, r, draft.ID, "", "published")
	}
}

// lifecycle runs an operation on a whole form and comes back to it.
func (e *Pages) lifecycle(op func(r *http.Request, id string) error, done string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		draft, ok := e.loadDraft(w, r)
		if !ok {
			return
		}
		if !e.failed(w, r, op(r, draft.ID), e.againOverview(w, r, http.StatusConflict, draft)) {
			redirect(w, r, draft.ID, "", done)
		}
	}
}

func (e *Pages) unpublish(w http.ResponseWriter, r *http.Request) {
	e.lifecycle(func(r *http.Request, id string) error { return e.Builder.Unpublish(r.Context(), by(r), id) }, "unpublished")(w, r)
}

func (e *Pages) archive(w http.ResponseWriter, r *http.Request) {
	e.lifecycle(func(r *http.Request, id string) error { return e.Builder.Archive(r.Context(), by(r), id) }, "archived")(w, r)
}

func (e *Pages) restore(w http.ResponseWriter, r *http.Request) {
	e.lifecycle(func(r *http.Request, id string) error { return e.Builder.Restore(r.Context(), by(r), id) }, "restored")(w, r)
}

// edit applies an edit operation to the draft and comes back to the
// overview, or shows why it was refused.
func (e *Pages) edit(w http.ResponseWriter, r *http.Request, op func(schemas.Form) (schemas.Form, error), back string) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	_, err := e.Builder.EditDraft(r.Context(), by(r), draft.ID, op)
	if !e.failed(w, r, err, e.againOverview(w, r, http.StatusUnprocessableEntity, draft)) {
		http.Redirect(w, r, "/admin/forms/"+draft.ID+back, http.StatusSeeOther)
	}
}

// moveField moves a field one place up or down ("by"), or to a position
// ("to", from 1), for long forms.
func (e *Pages) moveField(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if to, err := strconv.Atoi(r.PostFormValue("to")); err == nil {
		e.edit(w, r, func(f schemas.Form) (schemas.Form, error) { return builder.MoveFieldTo(f, name, to-1) },
			"?done=moved#champ-"+name)
		return
	}
	delta := 1
	if r.PostFormValue("by") == "-1" {
		delta = -1
	}
	e.edit(w, r, func(f schemas.Form) (schemas.Form, error) { return builder.MoveField(f, name, delta) },
		// No fragment: browsers skip autofocus on a page opened at one.
		"?done=moved&moved="+name+"&by="+strconv.Itoa(delta))
}

func (e *Pages) duplicateField(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	e.edit(w, r, func(f schemas.Form) (schemas.Form, error) {
		out, _, err := builder.DuplicateField(f, name)
		return out, err
	}, "?done=duplicated#champ-"+name)
}

func (e *Pages) deleteField(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	e.edit(w, r, func(f schemas.Form) (schemas.Form, error) { return builder.RemoveField(f, name) }, "?done=deleted#champs")
}
