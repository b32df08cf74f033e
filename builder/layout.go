package builder

import (
	"encoding/json"
	"slices"

	"github.com/guichet/guichet/schemas"
)

// Step is one page of a multi-step form: its title and its fields.
type Step struct {
	Title  string   `json:"title" example:"Votre situation"`
	Fields []string `json:"fields" example:"[\"situation\",\"revenus\"]"`
}

// SetSteps groups the fields into pages ("ui:steps"); no steps makes the
// form one page. The lint checks that every field is on a page.
func SetSteps(f schemas.Form, steps []Step) (schemas.Form, error) {
	d, err := decode(f)
	if err != nil {
		return f, err
	}
	if len(steps) == 0 {
		delete(d.ui, "ui:steps")
		return d.encode(f)
	}
	for _, s := range steps {
		if s.Title == "" {
			return f, refuse("Chaque étape a besoin d'un titre.", "Every step needs a title.")
		}
	}
	d.ui["ui:steps"] = steps
	return d.encode(f)
}

// Steps reads the steps of a definition; none means one page.
func Steps(f schemas.Form) []Step {
	var ui struct {
		Steps []Step `json:"ui:steps"`
	}
	_ = json.Unmarshal(f.UISchema, &ui)
	return ui.Steps
}

// steps reads the steps being edited.
func (d *definition) steps() []Step {
	raw, _ := json.Marshal(d.ui["ui:steps"])
	var steps []Step
	_ = json.Unmarshal(raw, &steps)
	return steps
}

// placeInSteps keeps the steps in line with a change of fields: with
// after set, name joins the step of after, right behind it; with after
// empty, name leaves every step; renaming is leaving under one name and
// joining under the other.
func (d *definition) placeInSteps(name, after string) {
	steps := d.steps()
	if len(steps) == 0 {
		return
	}
	for i := range steps {
		fields := steps[i].Fields
		if after == "" {
			steps[i].Fields = slices.DeleteFunc(fields, func(n string) bool { return n == name })
		} else if j := slices.Index(fields, after); j >= 0 {
			steps[i].Fields = slices.Insert(fields, j+1, name)
		}
	}
	d.ui["ui:steps"] = steps
}

// SetCondition makes a field conditional: it moves from the object's
// properties to the "then" of an if/then in "allOf", so that the same
// schema shows it in the page and requires it on the server only when the
// condition holds. A nil condition makes it unconditional again.
func SetCondition(f schemas.Form, name string, cond *Condition) (schemas.Form, error) {
	d, err := decode(f)
	if err != nil {
		return f, err
	}
	trigger := ""
	for _, b := range schemas.BranchesOf(f.Schema) {
		if slices.Contains(b.Fields(), name) {
			trigger = b.Trigger()
		}
	}
	field, required, ok := d.takeField(name)
	if !ok {
		return f, ErrNoField
	}
	if cond == nil {
		d.props()[name] = field
		if required {
			d.setRequired(append(d.required(), name))
		}
		// Back where it showed: right after the field that decided it.
		order := slices.DeleteFunc(d.order(), func(n string) bool { return n == name })
		if i := slices.Index(order, trigger); i >= 0 {
			order = slices.Insert(order, i+1, name)
			d.placeInSteps(name, trigger)
		} else {
			order = append(order, name)
		}
		d.setOrder(order)
		return d.encode(f)
	}
	specs, err := Fields(f)
	if err != nil {
		return f, err
	}
	test, err := cond.schema(specs, name)
	if err != nil {
		return f, err
	}
	// A conditional field shows after its trigger, on the trigger's step.
	d.placeInSteps(name, "")
	branch := map[string]any{"properties": map[string]any{name: field}}
	if required {
		branch["required"] = []any{name}
	}
	allOf, _ := d.schema["allOf"].([]any)
	d.schema["allOf"] = append(allOf, map[string]any{"if": test, "then": branch})
	return d.encode(f)
}

// takeField removes a field from wherever it is declared, the object's
// properties or a branch of its allOf, and says whether it was required.
func (d *definition) takeField(name string) (field any, required, ok bool) {
	if field, ok = d.props()[name]; ok {
		delete(d.props(), name)
		required = slices.Contains(d.required(), name)
		d.setRequired(slices.DeleteFunc(d.required(), func(n string) bool { return n == name }))
		return field, required, true
	}
	allOf, _ := d.schema["allOf"].([]any)
	for i, part := range allOf {
		then, _ := asMap(part)["then"].(map[string]any)
		props, _ := then["properties"].(map[string]any)
		if field, ok = props[name]; !ok {
			continue
		}
		reqs, _ := then["required"].([]any)
		required = slices.Contains(reqs, any(name))
		delete(props, name)
		then["required"] = slices.DeleteFunc(reqs, func(v any) bool { return v == name })
		if len(props) == 0 {
			d.schema["allOf"] = slices.Delete(allOf, i, i+1)
			if len(d.schema["allOf"].([]any)) == 0 {
				delete(d.schema, "allOf")
			}
		}
		return field, required, true
	}
	return nil, false, false
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
