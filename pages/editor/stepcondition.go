package editor

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
)

// stepConditionPage edits the condition that shows a whole step.
type stepConditionPage struct {
	Form      schemas.Form
	Index     int
	Step      builder.Step
	Condition conditionEditor
	Errors    []string
}

// loadStep reads the draft and the step the path names, or answers that
// there is none: the page is its condition's, with the step.
func (e *Pages) loadStep(w http.ResponseWriter, r *http.Request) (schemas.Form, stepConditionPage, bool) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return draft, stepConditionPage{}, false
	}
	steps := builder.Steps(draft)
	i, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || i < 1 || i > len(steps) {
		e.templates.Render(w, r, http.StatusNotFound, "notfound.html", web.Say(r, "Étape introuvable", "Step not found"), nil)
		return draft, stepConditionPage{}, false
	}
	return draft, stepConditionPage{Index: i - 1, Step: steps[i-1]}, true
}

func (e *Pages) stepConditionForm(w http.ResponseWriter, r *http.Request) {
	if draft, page, ok := e.loadStep(w, r); ok {
		e.renderStepCondition(w, r, http.StatusOK, draft, page)
	}
}

func (e *Pages) renderStepCondition(w http.ResponseWriter, r *http.Request, status int, draft schemas.Form, page stepConditionPage) {
	specs, err := builder.Fields(draft)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	page.Form = draft
	page.Condition.fill(r, specs, builder.StepCondition(draft, page.Index), func(s builder.FieldSpec) bool {
		return !slices.Contains(page.Step.Fields, s.Name)
	})
	title := web.Say(r, "Condition de l'étape « ", "Condition of the step “") + page.Step.Title + web.Say(r, " »", "”")
	e.templates.Render(w, r, status, "stepcondition.html", pageTitle(r, title, draft.Title, len(page.Errors) > 0), page)
}

// duplicateStep adds a copy of the step right after it.
func (e *Pages) duplicateStep(w http.ResponseWriter, r *http.Request) {
	draft, page, ok := e.loadStep(w, r)
	if !ok {
		return
	}
	_, err := e.Builder.EditDraft(r.Context(), by(r), draft.ID, func(f schemas.Form) (schemas.Form, error) {
		return builder.DuplicateStep(f, page.Index)
	})
	e.commit(w, r, nil, func() error { return err }, func(errs []string) {
		e.renderSteps(w, r, http.StatusUnprocessableEntity, draft, stepsPage{Errors: errs})
	}, draft.ID, "/steps")
}

// saveStepCondition shows the step only when the rules posted hold, or
// always with none.
func (e *Pages) saveStepCondition(w http.ResponseWriter, r *http.Request) {
	draft, page, ok := e.loadStep(w, r)
	if !ok {
		return
	}
	index := page.Index
	var cond *builder.Condition
	cond, page.Condition.Rules, page.Errors = parseCondition(r, draft, nil)
	e.commit(w, r, page.Errors, func() error {
		_, err := e.Builder.EditDraft(r.Context(), by(r), draft.ID, func(f schemas.Form) (schemas.Form, error) {
			if builder.StepCondition(f, index).Same(cond) {
				return f, nil
			}
			return builder.SetStepCondition(f, index, cond)
		})
		return err
	}, func(errs []string) {
		page.Errors = errs
		e.renderStepCondition(w, r, http.StatusUnprocessableEntity, draft, page)
	}, draft.ID, "/steps")
}
