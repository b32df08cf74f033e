package webform

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/guichet/guichet/schemas"
)

// step is one page of a multi-step form: a title and the top-level fields
// it asks for.
type step struct {
	Title  string   `json:"title"`
	Fields []string `json:"fields"`
}

// stepsOf splits a form into the pages it shows for data, the answers so
// far: the uiSchema's "ui:steps" if it has them, else one page per
// top-level group when every field is a group, else a single page. A
// conditional field that no step lists goes on the page of the field that
// decides it; one that a step lists stays there, so that a whole step can
// be conditional: a step whose fields are all conditional shows only when
// one of them applies.
func stepsOf(form *schemas.Compiled, data map[string]any) []step {
	steps := declaredSteps(form)
	listed := map[string]bool{}
	for _, s := range steps {
		for _, name := range s.Fields {
			listed[name] = true
		}
	}
	branches := schemas.BranchesOf(form.Schema)
	for _, b := range branches {
		for i := range steps {
			if !slices.Contains(steps[i].Fields, b.Trigger()) {
				continue
			}
			for _, name := range b.Fields() {
				if !listed[name] {
					steps[i].Fields = append(steps[i].Fields, name)
					listed[name] = true
				}
			}
		}
	}
	if len(steps) < 2 {
		return steps
	}
	var obj node
	_ = json.Unmarshal(form.Schema, &obj)
	base := map[string]json.RawMessage{}
	_ = json.Unmarshal(obj.Properties, &base)
	return slices.DeleteFunc(steps, func(s step) bool {
		return !slices.ContainsFunc(s.Fields, func(name string) bool {
			if _, unconditional := base[name]; unconditional {
				return true
			}
			return slices.ContainsFunc(branches, func(b schemas.Branch) bool { return slices.Contains(b.Fields(), name) && b.Holds(data) })
		})
	})
}

// takePage puts the answers of the page posted into data, the answers so
// far: the page is the step at "_step" of those they showed, and its
// answers may show or hide the steps after it. The answers of fields
// then hidden are dropped and the calculated ones worked out. It returns
// the answers, the steps they now show, and the page's index.
func takePage(r *http.Request, form *schemas.Compiled, data map[string]any, received map[string][]string) (map[string]any, []step, int) {
	steps := stepsOf(form, data)
	index, _ := strconv.Atoi(r.PostFormValue("_step"))
	index = max(0, min(index, len(steps)-1))
	steps[index].merge(data, parseObject(form.Schema, form.UISchema, postedOf(r, received), ""))
	dropHidden(form.Schema, data)
	data = withCalculations(form, data)
	return data, stepsOf(form, data), index
}

// decide settles, on a page, the conditional fields whose condition reads
// answers of other pages: the page's script could not, as it sees only
// the answers of its own page. Such a field shows, and always, when its
// condition holds for data; otherwise it is left out.
func (s step) decide(form *schemas.Compiled, data map[string]any, fields []*Field) []*Field {
	branches := schemas.BranchesOf(form.Schema)
	return slices.DeleteFunc(fields, func(f *Field) bool {
		if f.Condition == "" {
			return false
		}
		for _, b := range branches {
			if !slices.Contains(b.Fields(), f.Path) ||
				slices.ContainsFunc(b.Reads(), func(name string) bool { return slices.Contains(s.Fields, name) }) {
				continue
			}
			if !b.Holds(data) {
				return true
			}
			f.Condition = ""
		}
		return false
	})
}

func declaredSteps(form *schemas.Compiled) []step {
	var ui struct {
		Steps []step `json:"ui:steps"`
	}
	_ = json.Unmarshal(form.UISchema, &ui)
	if len(ui.Steps) > 0 {
		return ui.Steps
	}
	order := schemas.PropertyOrder(form.Schema, form.UISchema)
	var obj node
	_ = json.Unmarshal(form.Schema, &obj)
	props := map[string]json.RawMessage{}
	_ = json.Unmarshal(obj.Properties, &props)
	var steps []step
	for _, name := range order {
		var n node
		_ = json.Unmarshal(props[name], &n)
		if n.typ() != "object" {
			return []step{{Title: form.Title, Fields: order}}
		}
		title := n.Title
		if title == "" {
			title = name
		}
		steps = append(steps, step{Title: title, Fields: []string{name}})
	}
	if len(steps) < 2 {
		return []step{{Title: form.Title, Fields: order}}
	}
	return steps
}

// keepFields returns the fields of fields that s asks for.
func (s step) keepFields(fields []*Field) []*Field {
	var kept []*Field
	for _, f := range fields {
		if slices.Contains(s.Fields, f.Path) {
			kept = append(kept, f)
		}
	}
	return kept
}

// owns reports whether an error location belongs to the step.
func (s step) owns(location string) bool {
	top, _, _ := strings.Cut(strings.NewReplacer("[", ".").Replace(location), ".")
	return slices.Contains(s.Fields, top)
}

// merge puts a step's answers into the answers so far: the step's fields
// are replaced, a field left empty is removed.
func (s step) merge(into, posted map[string]any) {
	for _, name := range s.Fields {
		if v, ok := posted[name]; ok {
			into[name] = v
		} else {
			delete(into, name)
		}
	}
}

// only keeps the answers of the step's fields.
func (s step) only(data map[string]any) map[string]any {
	out := map[string]any{}
	for _, name := range s.Fields {
		if v, ok := data[name]; ok {
			out[name] = v
		}
	}
	return out
}
