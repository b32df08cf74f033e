package editor

import (
	"net/http"
	"slices"
	"strings"

	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
)

// stepRow is a step as its page shows it: its title, and the field it
// starts at; a step holds the fields from there to the next step's start.
type stepRow struct {
	Index int
	Title string
	Start string
	// Saved is a step of the draft, which may take a condition; When
	// says it in words, empty when the step shows always.
	Saved bool
	When  string
}

type stepsPage struct {
	Form schemas.Form
	Rows []stepRow
	// Fields are the fields a step can start at, in their order.
	Fields []option
	Errors []string
}

// emptySteps is how many empty steps the steps' page offers to fill.
const emptySteps = 2

func (e *Pages) stepsForm(w http.ResponseWriter, r *http.Request) {
	if draft, ok := e.loadDraft(w, r); ok {
		e.renderSteps(w, r, http.StatusOK, draft, stepsPage{})
	}
}

// savedRows are the steps of the draft as its page shows them.
func savedRows(r *http.Request, draft schemas.Form, fields []option) ([]stepRow, error) {
	specs, err := builder.Fields(draft)
	if err != nil {
		return nil, err
	}
	var rows []stepRow
	for i, s := range builder.Steps(draft) {
		row := stepRow{Index: i, Title: s.Title, Saved: true}
		if c := builder.StepCondition(draft, i); c != nil {
			row.When = c.Text(specs, langOf(r))
		}
		// A step starts at the first of its fields in the form's order.
		for _, f := range fields {
			if slices.Contains(s.Fields, f.Value) {
				row.Start = f.Value
				break
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// stepFields lists the fields a step can hold: the unconditional ones,
// since a conditional field shows on the page of the field that decides
// it, and those of a step shown on a condition.
func stepFields(f schemas.Form) ([]option, error) {
	specs, err := builder.Fields(f)
	var onSteps []string
	for _, s := range builder.Steps(f) {
		onSteps = append(onSteps, s.Fields...)
	}
	var out []option
	for _, s := range specs {
		if s.Condition == nil || slices.Contains(onSteps, s.Name) {
			out = append(out, option{Value: s.Name, Label: s.Label})
		}
	}
	return out, err
}

func (e *Pages) renderSteps(w http.ResponseWriter, r *http.Request, status int, draft schemas.Form, page stepsPage) {
	page.Form = draft
	fields, err := stepFields(draft)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	page.Fields = fields
	if page.Rows == nil {
		if page.Rows, err = savedRows(r, draft, fields); err != nil {
			e.fail(w, r, err)
			return
		}
	}
	for range emptySteps {
		page.Rows = append(page.Rows, stepRow{Index: len(page.Rows)})
	}
	e.templates.Render(w, r, status, "steps.html", pageTitle(r, web.Say(r, "Étapes", "Steps"), draft.Title, len(page.Errors) > 0), page)
}

// saveSteps cuts the form's fields into the steps titled, each from the
// field it starts at to the next step's start, in the fields' order; the
// first step starts at the first field. No title makes the form one page.
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
	page := stepsPage{}
	titles, starts := r.PostForm["title"], r.PostForm["start"]
	position := map[string]int{}
	for i, f := range fields {
		position[f.Value] = i
	}
	type cut struct {
		title string
		at    int
	}
	var cuts []cut
	bad := func(fr, en string) { page.Errors = append(page.Errors, web.Say(r, fr, en)) }
	for i, title := range titles {
		title = strings.TrimSpace(title)
		start := ""
		if i < len(starts) {
			start = starts[i]
		}
		if title != "" || start != "" {
			page.Rows = append(page.Rows, stepRow{Index: len(page.Rows), Title: title, Start: start})
		}
		at, known := position[start]
		switch {
		case i == 0 && title != "":
			cuts = append(cuts, cut{title, 0})
		case title == "" && start != "":
			bad("Une étape a un premier champ mais pas de titre : donnez-lui un titre.",
				"A step has a first field but no title: give it a title.")
		case title != "" && !known:
			bad("L'étape « "+title+" » ne dit pas à quel champ elle commence.", "The step “"+title+"” does not say which field it starts at.")
		case title != "":
			cuts = append(cuts, cut{title, at})
		}
	}
	if len(cuts) > 0 && strings.TrimSpace(titles[0]) == "" {
		bad("La première étape a besoin d'un titre.", "The first step needs a title.")
	}
	slices.SortStableFunc(cuts, func(a, b cut) int { return a.at - b.at })
	var steps []builder.Step
	for i, c := range cuts {
		end := len(fields)
		if i+1 < len(cuts) {
			end = cuts[i+1].at
		}
		if end == c.at {
			bad("Deux étapes commencent au même champ.", "Two steps start at the same field.")
			break
		}
		step := builder.Step{Title: c.title}
		for _, f := range fields[c.at:end] {
			step.Fields = append(step.Fields, f.Value)
		}
		steps = append(steps, step)
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
