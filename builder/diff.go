package builder

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/guichet/guichet/schemas"
)

// ChangeKind says how a field or the routing changed between two versions.
type ChangeKind string

// The kinds of change.
const (
	Added      ChangeKind = "added"
	Removed    ChangeKind = "removed"
	Retyped    ChangeKind = "retyped"
	Relabelled ChangeKind = "relabelled"
	// Required means the field became required or optional.
	Required ChangeKind = "required"
	// Choices means the values offered changed.
	Choices ChangeKind = "choices"
	// Routing means the default department or the rules changed.
	Routing ChangeKind = "routing"
)

// Change is one difference between two versions of a form.
type Change struct {
	Kind ChangeKind `json:"kind"`
	// Field is the field's path, as "enfants.*.prenom"; empty for routing.
	Field string `json:"field,omitempty"`
	From  string `json:"from,omitempty"`
	To    string `json:"to,omitempty"`
}

// Diff lists what changed from one version of a form to another, field by
// field, and in its routing.
func Diff(from, to schemas.Form) []Change {
	var changes []Change
	a, b := flatten(from.Schema), flatten(to.Schema)
	for _, path := range sortedKeys(a, b) {
		old, inOld := a[path]
		now, inNew := b[path]
		switch {
		case !inOld:
			changes = append(changes, Change{Kind: Added, Field: path, To: now.Title})
		case !inNew:
			changes = append(changes, Change{Kind: Removed, Field: path, From: old.Title})
		default:
			if old.Type != now.Type {
				changes = append(changes, Change{Kind: Retyped, Field: path, From: old.Type, To: now.Type})
			}
			if old.Title != now.Title {
				changes = append(changes, Change{Kind: Relabelled, Field: path, From: old.Title, To: now.Title})
			}
			if old.Required != now.Required {
				changes = append(changes, Change{Kind: Required, Field: path, From: yesNo(old.Required), To: yesNo(now.Required)})
			}
			if old.Choices != now.Choices {
				changes = append(changes, Change{Kind: Choices, Field: path, From: old.Choices, To: now.Choices})
			}
		}
	}
	oldRouting, _ := json.Marshal(from.Routing)
	newRouting, _ := json.Marshal(to.Routing)
	if !bytes.Equal(oldRouting, newRouting) {
		changes = append(changes, Change{Kind: Routing, From: string(oldRouting), To: string(newRouting)})
	}
	return changes
}

func yesNo(b bool) string {
	if b {
		return "obligatoire"
	}
	return "facultatif"
}

// fieldShape is what the diff compares of a field.
type fieldShape struct {
	Type, Title, Choices string
	Required             bool
}

// flatten lists the fields of a schema by path, conditional ones included.
func flatten(schema json.RawMessage) map[string]fieldShape {
	out := map[string]fieldShape{}
	flattenInto(schema, "", out)
	return out
}

func flattenInto(raw json.RawMessage, prefix string, out map[string]fieldShape) {
	var obj objectNode
	if json.Unmarshal(raw, &obj) != nil {
		return
	}
	props := schemas.AllProperties(raw)
	required := map[string]bool{}
	for _, name := range obj.Required {
		required[name] = true
	}
	for name, sub := range props {
		var field struct {
			objectNode
			Format string `json:"format"`
		}
		_ = json.Unmarshal(sub, &field)
		typ, _ := field.Type.(string)
		if field.Format != "" {
			typ += "/" + field.Format
		}
		choices, _ := json.Marshal(struct {
			Enum  []any `json:"enum,omitempty"`
			Names any   `json:"names,omitempty"`
			OneOf any   `json:"oneOf,omitempty"`
		}{field.Enum, field.EnumNames, field.OneOf})
		path := prefix + name
		shape := fieldShape{Type: typ, Title: field.Title, Required: required[name]}
		if string(choices) != "{}" {
			shape.Choices = string(choices)
		}
		out[path] = shape
		switch typ {
		case "object":
			flattenInto(sub, path+".", out)
		case "array":
			flattenInto(field.Items, path+".*.", out)
		}
	}
}

func sortedKeys(maps ...map[string]fieldShape) []string {
	var keys []string
	for _, m := range maps {
		for k := range m {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}
