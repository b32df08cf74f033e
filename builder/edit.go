package builder

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/guichet/guichet/schemas"
)

// The edit operations work on the definition itself, its JSON Schema and
// uiSchema, so that a form written by hand, imported or built field by
// field is edited the same way. What an operation does not touch (steps,
// conditions, other hints) is kept.

// ErrNoField means the definition has no field of that name.
var ErrNoField = errors.New("builder: no such field")

// definition is a form's schema and uiSchema, decoded for editing.
type definition struct {
	schema map[string]any
	ui     map[string]any
}

func decode(f schemas.Form) (*definition, error) {
	d := &definition{schema: map[string]any{}, ui: map[string]any{}}
	if err := json.Unmarshal(f.Schema, &d.schema); err != nil {
		return nil, fmt.Errorf("builder: schema: %w", err)
	}
	if len(f.UISchema) > 0 {
		if err := json.Unmarshal(f.UISchema, &d.ui); err != nil {
			return nil, fmt.Errorf("builder: uiSchema: %w", err)
		}
	}
	if _, ok := d.schema["properties"].(map[string]any); !ok {
		d.schema["properties"] = map[string]any{}
	}
	d.schema["type"] = "object"
	// The order is made explicit, so that moves have something to move.
	d.ui["ui:order"] = toStrings(schemas.PropertyOrder(f.Schema, f.UISchema))
	return d, nil
}

func (d *definition) encode(f schemas.Form) (schemas.Form, error) {
	schema, err := json.Marshal(d.schema)
	if err != nil {
		return f, err
	}
	ui, err := json.Marshal(d.ui)
	if err != nil {
		return f, err
	}
	f.Schema, f.UISchema = schema, ui
	return f, nil
}

func (d *definition) props() map[string]any { return d.schema["properties"].(map[string]any) }

func (d *definition) order() []string {
	list, _ := d.ui["ui:order"].([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (d *definition) setOrder(order []string) { d.ui["ui:order"] = toStrings(order) }

func (d *definition) required() []string {
	list, _ := d.schema["required"].([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (d *definition) setRequired(names []string) {
	if len(names) == 0 {
		delete(d.schema, "required")
		return
	}
	d.schema["required"] = toStrings(names)
}

func toStrings(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

// put writes a field's fragment and hints, and whether it is required.
func (d *definition) put(spec FieldSpec) error {
	schema, ui, err := spec.Fragment()
	if err != nil {
		return err
	}
	d.props()[spec.Name] = schema
	if len(ui) > 0 {
		d.ui[spec.Name] = ui
	} else {
		delete(d.ui, spec.Name)
	}
	required := slices.DeleteFunc(d.required(), func(n string) bool { return n == spec.Name })
	if spec.Required {
		required = append(required, spec.Name)
	}
	d.setRequired(required)
	return nil
}

// AddField appends a field to a definition.
func AddField(f schemas.Form, spec FieldSpec) (schemas.Form, error) {
	d, err := decode(f)
	if err != nil {
		return f, err
	}
	if !schemas.ValidFieldName(spec.Name) {
		return f, badName(spec.Name)
	}
	if _, exists := d.props()[spec.Name]; exists {
		return f, takenName(spec.Name)
	}
	if err := d.put(spec); err != nil {
		return f, err
	}
	d.setOrder(append(d.order(), spec.Name))
	return d.encode(f)
}

// UpdateField replaces a field with a new description of it; a new name
// renames it where the order, "required" and the steps name it.
func UpdateField(f schemas.Form, name string, spec FieldSpec) (schemas.Form, error) {
	d, err := decode(f)
	if err != nil {
		return f, err
	}
	if _, exists := d.props()[name]; !exists {
		return updateConditional(d, f, name, spec)
	}
	if spec.Name == "" {
		spec.Name = name
	}
	if spec.Name != name {
		if !schemas.ValidFieldName(spec.Name) {
			return f, badName(spec.Name)
		}
		if _, taken := d.props()[spec.Name]; taken {
			return f, takenName(spec.Name)
		}
		delete(d.props(), name)
		delete(d.ui, name)
		d.setRequired(slices.DeleteFunc(d.required(), func(n string) bool { return n == name }))
		order := d.order()
		if i := slices.Index(order, name); i >= 0 {
			order[i] = spec.Name
		}
		d.setOrder(order)
		d.placeInSteps(spec.Name, name)
		d.placeInSteps(name, "")
	}
	if err := d.put(spec); err != nil {
		return f, err
	}
	return d.encode(f)
}

// RemoveField deletes a field, from the order, "required" and the steps too.
func RemoveField(f schemas.Form, name string) (schemas.Form, error) {
	d, err := decode(f)
	if err != nil {
		return f, err
	}
	if _, _, found := d.takeField(name); !found {
		return f, ErrNoField
	}
	delete(d.ui, name)
	d.setOrder(slices.DeleteFunc(d.order(), func(n string) bool { return n == name }))
	d.placeInSteps(name, "")
	return d.encode(f)
}

// MoveField moves a field by delta places in the order (-1: up, 1: down),
// within the bounds of the list.
func MoveField(f schemas.Form, name string, delta int) (schemas.Form, error) {
	return moveField(f, name, func(i int) int { return i + delta })
}

// MoveFieldTo moves a field to a position among the fields always shown,
// from 0; its conditional fields follow it.
func MoveFieldTo(f schemas.Form, name string, position int) (schemas.Form, error) {
	return moveField(f, name, func(int) int { return position })
}

// moveField moves a field from its position i in the order to to(i).
func moveField(f schemas.Form, name string, to func(i int) int) (schemas.Form, error) {
	d, err := decode(f)
	if err != nil {
		return f, err
	}
	order := d.order()
	i := slices.Index(order, name)
	if i < 0 {
		return f, ErrNoField
	}
	j := max(0, min(len(order)-1, to(i)))
	order = slices.Delete(order, i, i+1)
	order = slices.Insert(order, j, name)
	d.setOrder(order)
	return d.encode(f)
}

// DuplicateField copies a field right after itself, on the same step, under a new name
// ("nom_2", "nom_3"…), and returns that name.
func DuplicateField(f schemas.Form, name string) (schemas.Form, string, error) {
	d, err := decode(f)
	if err != nil {
		return f, "", err
	}
	field, exists := d.props()[name]
	if !exists {
		return f, "", ErrNoField
	}
	copyName := ""
	for n := 2; ; n++ {
		copyName = name + "_" + strconv.Itoa(n)
		if _, taken := d.props()[copyName]; !taken {
			break
		}
	}
	raw, _ := json.Marshal(field)
	var clone any
	_ = json.Unmarshal(raw, &clone)
	d.props()[copyName] = clone
	if ui, ok := d.ui[name]; ok {
		d.ui[copyName] = ui
	}
	if slices.Contains(d.required(), name) {
		d.setRequired(append(d.required(), copyName))
	}
	order := d.order()
	d.setOrder(slices.Insert(order, slices.Index(order, name)+1, copyName))
	d.placeInSteps(copyName, name)
	out, err := d.encode(f)
	return out, copyName, err
}

// updateConditional rewrites a conditional field inside its branch, under
// the same name.
func updateConditional(d *definition, f schemas.Form, name string, spec FieldSpec) (schemas.Form, error) {
	if spec.Name != "" && spec.Name != name {
		return f, refuse(fmt.Sprintf("Le champ %q est conditionnel : retirez sa condition avant de le renommer.", name),
			fmt.Sprintf("The field %q is conditional: remove its condition before renaming it.", name))
	}
	allOf, _ := d.schema["allOf"].([]any)
	for _, part := range allOf {
		then, _ := asMap(part)["then"].(map[string]any)
		props, _ := then["properties"].(map[string]any)
		if _, ok := props[name]; !ok {
			continue
		}
		schema, ui, err := spec.Fragment()
		if err != nil {
			return f, err
		}
		props[name] = schema
		if len(ui) > 0 {
			d.ui[name] = ui
		}
		reqs, _ := then["required"].([]any)
		reqs = slices.DeleteFunc(reqs, func(v any) bool { return v == name })
		if spec.Required {
			reqs = append(reqs, name)
		}
		then["required"] = reqs
		return d.encode(f)
	}
	return f, ErrNoField
}
