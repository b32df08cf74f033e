package webform

import (
	"encoding/json"
	"slices"

	"github.com/guichet/guichet/schemas"
)

// A conditional field is one that only a branch of the schema declares:
// the "then" or "else" of an if/then/else (directly on the object or in
// its allOf), or a schema dependency, which applies once a field is
// answered. The page shows it when its condition holds; the server drops
// its answer when it does not, so a hidden field is never required.

// branch is a set of fields and the condition under which they apply.
type branch struct {
	// If is the JSON Schema the object's answers must satisfy, or, for a
	// dependency, nil with Present naming the answered field.
	If      json.RawMessage
	Present string
	// Negate applies the fields when If does not hold (an "else").
	Negate     bool
	Properties json.RawMessage
	Required   []string
}

// trigger is the field whose answer decides the branch: its conditional
// fields are shown right after it.
func (b branch) trigger() string {
	if b.If == nil {
		return b.Present
	}
	var cond struct {
		Properties json.RawMessage `json:"properties"`
	}
	_ = json.Unmarshal(b.If, &cond)
	if keys := schemas.PropertyOrder(json.RawMessage(`{"properties":`+orEmpty(cond.Properties)+`}`), nil); len(keys) > 0 {
		return keys[0]
	}
	return ""
}

func orEmpty(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "{}"
	}
	return string(raw)
}

// condition is what the page's script reads from data-condition.
type condition struct {
	If      json.RawMessage `json:"if,omitempty"`
	Present string          `json:"present,omitempty"`
	Negate  bool            `json:"negate,omitempty"`
	// Scope prefixes the names of the object's fields in the form.
	Scope string `json:"scope"`
}

type conditional struct {
	If           json.RawMessage            `json:"if"`
	Then         *branchSchema              `json:"then"`
	Else         *branchSchema              `json:"else"`
	AllOf        []conditional              `json:"allOf"`
	Dependencies map[string]json.RawMessage `json:"dependencies"`
}

type branchSchema struct {
	Properties json.RawMessage `json:"properties"`
	Required   []string        `json:"required"`
}

// branchesOf lists the conditional fields of an object schema.
func branchesOf(schemaRaw json.RawMessage) []branch {
	var c conditional
	if json.Unmarshal(schemaRaw, &c) != nil {
		return nil
	}
	var out []branch
	for _, part := range append([]conditional{c}, c.AllOf...) {
		if part.If == nil {
			continue
		}
		if part.Then != nil && part.Then.Properties != nil {
			out = append(out, branch{If: part.If, Properties: part.Then.Properties, Required: part.Then.Required})
		}
		if part.Else != nil && part.Else.Properties != nil {
			out = append(out, branch{If: part.If, Negate: true, Properties: part.Else.Properties, Required: part.Else.Required})
		}
	}
	names := make([]string, 0, len(c.Dependencies))
	for name := range c.Dependencies {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		var dep branchSchema
		if json.Unmarshal(c.Dependencies[name], &dep) == nil && dep.Properties != nil {
			out = append(out, branch{Present: name, Properties: dep.Properties, Required: dep.Required})
		}
	}
	return out
}

// holds reports whether a branch applies to an object's answers.
func (b branch) holds(data map[string]any) bool {
	if b.If == nil {
		_, answered := data[b.Present]
		return answered
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return false
	}
	compiled, err := schemas.Compile(b.If, "if")
	if err != nil {
		return false
	}
	return schemas.Matches(compiled, raw) != b.Negate
}

func (b branch) condition(scope string) string {
	raw, _ := json.Marshal(condition{If: b.If, Present: b.Present, Negate: b.Negate, Scope: scope})
	return string(raw)
}

// dropHidden removes, throughout the answers, those of conditional fields
// whose condition does not hold, and of fields no branch applies to.
func dropHidden(schemaRaw json.RawMessage, data map[string]any) {
	var obj node
	_ = json.Unmarshal(schemaRaw, &obj)
	props := map[string]json.RawMessage{}
	_ = json.Unmarshal(obj.Properties, &props)
	applying := map[string]json.RawMessage{}
	conditionalOnly := map[string]bool{}
	for _, b := range branchesOf(schemaRaw) {
		bprops := map[string]json.RawMessage{}
		_ = json.Unmarshal(b.Properties, &bprops)
		holds := b.holds(data)
		for name, raw := range bprops {
			if _, base := props[name]; base {
				continue
			}
			conditionalOnly[name] = true
			if holds {
				applying[name] = raw
			}
		}
	}
	for name := range conditionalOnly {
		if _, ok := applying[name]; !ok {
			delete(data, name)
		}
	}
	for name, raw := range props {
		applying[name] = raw
	}
	for name, raw := range applying {
		var n node
		_ = json.Unmarshal(raw, &n)
		switch v := data[name].(type) {
		case map[string]any:
			dropHidden(raw, v)
		case []any:
			if n.typ() != "array" {
				continue
			}
			for _, item := range v {
				if obj, ok := item.(map[string]any); ok {
					dropHidden(n.Items, obj)
				}
			}
		}
	}
}
