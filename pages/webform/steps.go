package webform

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/guichet/guichet/schemas"
)

// step is one page of a multi-step form: a title and the top-level fields
// it asks for.
type step struct {
	Title  string   `json:"title"`
	Fields []string `json:"fields"`
}

// stepsOf splits a form into pages: the uiSchema's "ui:steps" if it has
// them, else one page per top-level group when every field is a group,
// else a single page.
func stepsOf(form *schemas.Compiled) []step {
	steps := declaredSteps(form)
	// A conditional field goes on the page of the field that decides it.
	for _, b := range schemas.BranchesOf(form.Schema) {
		for i := range steps {
			if slices.Contains(steps[i].Fields, b.Trigger()) {
				steps[i].Fields = append(steps[i].Fields, b.Fields()...)
			}
		}
	}
	return steps
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
