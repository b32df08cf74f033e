package schemas

import (
	"encoding/json"
	"slices"
	"sync"

	"github.com/xeipuuv/gojsonschema"
)

// Branch is a part of an object schema that applies only under a
// condition: the "then" or "else" of an if/then/else (on the object or in
// its allOf), or a schema dependency, which applies once a field is
// answered. The fields it alone declares are conditional fields.
type Branch struct {
	// If is the JSON Schema the object's data must satisfy; for a
	// dependency it is nil and Present names the field that must be answered.
	If      json.RawMessage
	Present string
	// Negate applies the branch when If does not hold (an "else").
	Negate     bool
	Properties json.RawMessage
	Required   []string
}

type branchPart struct {
	Properties json.RawMessage `json:"properties"`
	Required   []string        `json:"required"`
}

type conditionalParts struct {
	If           json.RawMessage            `json:"if"`
	Then         *branchPart                `json:"then"`
	Else         *branchPart                `json:"else"`
	AllOf        []conditionalParts         `json:"allOf"`
	Dependencies map[string]json.RawMessage `json:"dependencies"`
}

// BranchesOf lists the branches of an object schema that declare fields.
func BranchesOf(schema json.RawMessage) []Branch {
	var c conditionalParts
	if json.Unmarshal(schema, &c) != nil {
		return nil
	}
	var out []Branch
	for _, part := range append([]conditionalParts{c}, c.AllOf...) {
		if part.If == nil {
			continue
		}
		if part.Then != nil && part.Then.Properties != nil {
			out = append(out, Branch{If: part.If, Properties: part.Then.Properties, Required: part.Then.Required})
		}
		if part.Else != nil && part.Else.Properties != nil {
			out = append(out, Branch{If: part.If, Negate: true, Properties: part.Else.Properties, Required: part.Else.Required})
		}
	}
	names := make([]string, 0, len(c.Dependencies))
	for name := range c.Dependencies {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		var dep branchPart
		if json.Unmarshal(c.Dependencies[name], &dep) == nil && dep.Properties != nil {
			out = append(out, Branch{Present: name, Properties: dep.Properties, Required: dep.Required})
		}
	}
	return out
}

// Holds reports whether the branch applies to an object's data.
func (b Branch) Holds(data map[string]any) bool {
	if b.If == nil {
		_, answered := data[b.Present]
		return answered
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return false
	}
	condition, err := compiledCondition(b.If)
	if err != nil {
		return false
	}
	return Matches(condition, raw) != b.Negate
}

// conditions caches compiled conditions by their text: forms are few, and
// their conditions change only with a new version.
var conditions sync.Map

func compiledCondition(raw json.RawMessage) (*gojsonschema.Schema, error) {
	if c, ok := conditions.Load(string(raw)); ok {
		return c.(*gojsonschema.Schema), nil
	}
	c, err := Compile(raw, "if")
	if err != nil {
		return nil, err
	}
	conditions.Store(string(raw), c)
	return c, nil
}

// Trigger is the field whose answer decides the branch: the first field
// its condition names.
func (b Branch) Trigger() string {
	if reads := b.Reads(); len(reads) > 0 {
		return reads[0]
	}
	return ""
}

// Reads lists the fields whose answers decide the branch, in the order
// its condition names them.
func (b Branch) Reads() []string {
	if b.If == nil {
		return []string{b.Present}
	}
	return fieldsRead(b.If, nil)
}

// fieldsRead adds to seen the fields a condition tests: in its
// properties, its required, and its parts when it combines several
// (allOf, anyOf, not).
func fieldsRead(raw json.RawMessage, seen []string) []string {
	var cond struct {
		Properties json.RawMessage   `json:"properties"`
		Required   []string          `json:"required"`
		AllOf      []json.RawMessage `json:"allOf"`
		AnyOf      []json.RawMessage `json:"anyOf"`
		Not        json.RawMessage   `json:"not"`
	}
	_ = json.Unmarshal(raw, &cond)
	for _, name := range slices.Concat(objectKeys(cond.Properties), cond.Required) {
		if !slices.Contains(seen, name) {
			seen = append(seen, name)
		}
	}
	for _, part := range slices.Concat(cond.AllOf, cond.AnyOf, []json.RawMessage{cond.Not}) {
		if part != nil {
			seen = fieldsRead(part, seen)
		}
	}
	return seen
}

// Fields lists the fields the branch declares, in the order written.
func (b Branch) Fields() []string { return objectKeys(b.Properties) }

// AllProperties returns the properties of an object schema and those
// only its branches declare, by name.
func AllProperties(schema json.RawMessage) map[string]json.RawMessage {
	var obj struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	_ = json.Unmarshal(schema, &obj)
	props := map[string]json.RawMessage{}
	for name, sub := range obj.Properties {
		props[name] = sub
	}
	for _, b := range BranchesOf(schema) {
		var branch map[string]json.RawMessage
		_ = json.Unmarshal(b.Properties, &branch)
		for name, sub := range branch {
			if _, ok := props[name]; !ok {
				props[name] = sub
			}
		}
	}
	return props
}
