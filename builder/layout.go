package builder

import (
	"encoding/json"
	"errors"
	"fmt"
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

// SetStepCondition shows a whole step only when cond holds: its fields
// become conditional together, in one branch, and stay on their step. A
// nil condition shows the step always again. The condition reads fields
// of other steps, always shown.
func SetStepCondition(f schemas.Form, index int, cond *Condition) (schemas.Form, error) {
	steps := Steps(f)
	if index < 0 || index >= len(steps) {
		return f, refuse("Cette étape n'existe pas.", "This step does not exist.")
	}
	fields := steps[index].Fields
	specs, err := Fields(f)
	if err != nil {
		return f, err
	}
	var test map[string]any
	if cond != nil {
		for _, r := range cond.Rules {
			if slices.Contains(fields, r.Field) {
				return f, refuse(fmt.Sprintf("Une étape ne peut dépendre de ses propres champs : %s est sur l'étape « %s ».",
					named(specOf(specs, r.Field)), steps[index].Title),
					fmt.Sprintf("A step cannot depend on its own fields: %s is on the step “%s”.", named(specOf(specs, r.Field)), steps[index].Title))
			}
		}
		if test, err = cond.schema(specs, ""); err != nil {
			return f, err
		}
	}
	d, err := decode(f)
	if err != nil {
		return f, err
	}
	taken := map[string]any{}
	var required []string
	for _, name := range fields {
		field, req, ok := d.takeField(name)
		if !ok {
			continue
		}
		taken[name] = field
		if req {
			required = append(required, name)
		}
	}
	if cond == nil {
		order := d.order()
		for name, field := range taken {
			d.props()[name] = field
		}
		d.setRequired(append(d.required(), required...))
		// Back in the order where the steps list them.
		prev := -1
		for _, step := range steps {
			for _, name := range step.Fields {
				if _, back := taken[name]; back {
					order = slices.Insert(order, prev+1, name)
				}
				if i := slices.Index(order, name); i >= 0 {
					prev = i
				}
			}
		}
		d.setOrder(order)
		return d.encode(f)
	}
	branch := map[string]any{"properties": taken}
	if len(required) > 0 {
		branch["required"] = toStrings(required)
	}
	allOf, _ := d.schema["allOf"].([]any)
	d.schema["allOf"] = append(allOf, map[string]any{"if": test, "then": branch})
	return d.encode(f)
}

// StepCondition is the condition that shows a step, nil when it shows
// always: its fields are all in the same branch.
func StepCondition(f schemas.Form, index int) *Condition {
	steps := Steps(f)
	if index < 0 || index >= len(steps) || len(steps[index].Fields) == 0 {
		return nil
	}
	for _, b := range schemas.BranchesOf(f.Schema) {
		if !slices.ContainsFunc(steps[index].Fields, func(name string) bool { return !slices.Contains(b.Fields(), name) }) {
			return conditionOf(b)
		}
	}
	return nil
}

// specOf is the field of specs named name, or one with only that name.
func specOf(specs []FieldSpec, name string) FieldSpec {
	if i := slices.IndexFunc(specs, func(s FieldSpec) bool { return s.Name == name }); i >= 0 {
		return specs[i]
	}
	return FieldSpec{Name: name}
}

// DuplicateStep adds, right after a step, a copy of it: its title marked
// "(copie)", and a copy of each of its fields, named after them (see
// DuplicateField), together after the step's last field.
func DuplicateStep(f schemas.Form, index int) (schemas.Form, error) {
	steps := Steps(f)
	if index < 0 || index >= len(steps) {
		return f, refuse("Cette étape n'existe pas.", "This step does not exist.")
	}
	step := steps[index]
	var copies []string
	for _, name := range step.Fields {
		out, copied, err := DuplicateField(f, name)
		if errors.Is(err, ErrNoField) {
			continue
		}
		if err != nil {
			return f, err
		}
		f, copies = out, append(copies, copied)
	}
	if len(copies) == 0 {
		return f, refuse(fmt.Sprintf("L'étape « %s » n'a pas de champ à copier.", step.Title),
			fmt.Sprintf("The step “%s” has no field to copy.", step.Title))
	}
	d, err := decode(f)
	if err != nil {
		return f, err
	}
	order := slices.DeleteFunc(d.order(), func(n string) bool { return slices.Contains(copies, n) })
	last := -1
	for _, name := range step.Fields {
		last = max(last, slices.Index(order, name))
	}
	d.setOrder(slices.Insert(order, last+1, copies...))
	steps = d.steps()
	steps[index].Fields = slices.DeleteFunc(steps[index].Fields, func(n string) bool { return slices.Contains(copies, n) })
	d.ui["ui:steps"] = slices.Insert(steps, index+1, Step{Title: step.Title + " (copie)", Fields: copies})
	return d.encode(f)
}
