package webform

import (
	"encoding/json"

	"github.com/guichet/guichet/schemas"
)

// A conditional field is one that only a branch of the schema declares:
// the "then" or "else" of an if/then/else (directly on the object or in
// its allOf), or a schema dependency, which applies once a field is
// answered. The page shows it when its condition holds; the server drops
// its answer when it does not, so a hidden field is never required.

// condition is what the page's script reads from data-condition.
type condition struct {
	If      json.RawMessage `json:"if,omitempty"`
	Present string          `json:"present,omitempty"`
	Negate  bool            `json:"negate,omitempty"`
	// Scope prefixes the names of the object's fields in the form.
	Scope string `json:"scope"`
	// Types gives the type of each of the object's fields, so that the
	// script reads an answer as parseValue does: "number", "boolean",
	// "string"; a list of choices is its items' type followed by "[]".
	Types map[string]string `json:"types,omitempty"`
}

// conditionOf is the data-condition of a branch's fields in the object
// whose form names start with scope and whose fields are props.
func conditionOf(b schemas.Branch, scope string, props map[string]json.RawMessage) string {
	c := condition{If: b.If, Present: b.Present, Negate: b.Negate, Scope: scope}
	if b.If != nil {
		c.Types = map[string]string{}
		for name, raw := range props {
			var n node
			_ = json.Unmarshal(raw, &n)
			typ := n.typ()
			if typ == "array" {
				var items node
				_ = json.Unmarshal(n.Items, &items)
				typ = items.typ() + "[]"
			}
			c.Types[name] = typ
		}
	}
	raw, _ := json.Marshal(c)
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
	for _, b := range schemas.BranchesOf(schemaRaw) {
		bprops := map[string]json.RawMessage{}
		_ = json.Unmarshal(b.Properties, &bprops)
		holds := b.Holds(data)
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

// withCalculations is data with the form's calculated fields worked out
// by the server, as it will store them.
func withCalculations(form *schemas.Compiled, data map[string]any) map[string]any {
	if !form.Calculated() {
		return data
	}
	raw, err := json.Marshal(data)
	if err == nil {
		raw, err = form.Calculate(raw)
	}
	if err != nil {
		return data
	}
	return decodeData(raw)
}
