package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Answer is one line of a submission as a person reads it: a field's label
// and its value as text, or the heading of a group of fields.
type Answer struct {
	Label   string
	Value   string
	Heading bool
	// Depth is the nesting level: 0 for top-level fields.
	Depth int
	// Field names the top-level field the answer belongs to.
	Field string
}

// Answers lists the answered fields of data with their labels, in the order
// of the uiSchema's "ui:order" (or else the schema's), groups and repeated
// items as headings followed by their fields.
func (c *Compiled) Answers(data json.RawMessage) []Answer {
	var out []Answer
	appendAnswers(&out, c.Schema, c.UISchema, decodeNumbers(data), 0, "")
	return out
}

// schemaNode is the part of a (sub)schema that answers need, with raw
// children so that the order of properties is kept.
type schemaNode struct {
	Title      string          `json:"title"`
	Type       any             `json:"type"`
	Format     string          `json:"format"`
	Properties json.RawMessage `json:"properties"`
	Items      json.RawMessage `json:"items"`
	Enum       []any           `json:"enum"`
	EnumNames  []string        `json:"enumNames"`
	OneOf      []struct {
		Const any    `json:"const"`
		Title string `json:"title"`
	} `json:"oneOf"`
}

func appendAnswers(out *[]Answer, schemaRaw, uiRaw json.RawMessage, data any, depth int, top string) {
	obj, ok := data.(map[string]any)
	if !ok {
		return
	}
	var node schemaNode
	_ = json.Unmarshal(schemaRaw, &node)
	props := map[string]json.RawMessage{}
	_ = json.Unmarshal(node.Properties, &props)
	ui := map[string]json.RawMessage{}
	_ = json.Unmarshal(uiRaw, &ui)
	var uiOrder []string
	_ = json.Unmarshal(ui["ui:order"], &uiOrder)
	order := objectKeys(node.Properties)
	for _, branch := range conditionalProperties(schemaRaw) {
		for _, name := range objectKeys(branch) {
			if _, known := props[name]; !known {
				var sub map[string]json.RawMessage
				_ = json.Unmarshal(branch, &sub)
				props[name] = sub[name]
				order = append(order, name)
			}
		}
	}

	for _, name := range fieldOrder(order, uiOrder, obj) {
		value, answered := obj[name]
		if !answered || value == nil {
			continue
		}
		var field schemaNode
		_ = json.Unmarshal(props[name], &field)
		label := field.Title
		if label == "" {
			label = name
		}
		if depth == 0 {
			top = name
		}
		switch v := value.(type) {
		case map[string]any:
			*out = append(*out, Answer{Label: label, Heading: true, Depth: depth, Field: top})
			appendAnswers(out, props[name], ui[name], v, depth+1, top)
		case []any:
			if !slices.ContainsFunc(v, isObject) {
				*out = append(*out, Answer{Label: label, Value: listText(v, field.Items), Depth: depth, Field: top})
				continue
			}
			var itemUI struct {
				Items json.RawMessage `json:"items"`
			}
			_ = json.Unmarshal(ui[name], &itemUI)
			for i, item := range v {
				*out = append(*out, Answer{Label: fmt.Sprintf("%s n° %d", label, i+1), Heading: true, Depth: depth, Field: top})
				appendAnswers(out, field.Items, itemUI.Items, item, depth+1, top)
			}
		default:
			*out = append(*out, Answer{Label: label, Value: field.text(v), Depth: depth, Field: top})
		}
	}
}

func isObject(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

// fieldOrder puts the schema's properties in ui:order, where "*" stands for
// the properties it does not name; answers the schema does not describe come last.
func fieldOrder(schemaOrder, uiOrder []string, data map[string]any) []string {
	order := schemaOrder
	if len(uiOrder) > 0 {
		rest := slices.DeleteFunc(slices.Clone(schemaOrder), func(n string) bool { return slices.Contains(uiOrder, n) })
		order = nil
		for _, n := range uiOrder {
			switch {
			case n == "*":
				order = append(order, rest...)
				rest = nil
			case slices.Contains(schemaOrder, n):
				order = append(order, n)
			}
		}
		order = append(order, rest...)
	}
	var extra []string
	for name := range data {
		if !slices.Contains(order, name) {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra)
	return append(order, extra...)
}

// conditionalProperties returns the "properties" of the branches of an
// object schema, so that their answers have labels.
func conditionalProperties(schemaRaw json.RawMessage) []json.RawMessage {
	var out []json.RawMessage
	for _, b := range BranchesOf(schemaRaw) {
		out = append(out, b.Properties)
	}
	return out
}

// PropertyOrder lists the properties of an object schema in the order a
// person sees them: the uiSchema's "ui:order" ("*" standing for the rest),
// or else the order they are written in the schema.
func PropertyOrder(schema, uiSchema json.RawMessage) []string {
	var node schemaNode
	_ = json.Unmarshal(schema, &node)
	ui := map[string]json.RawMessage{}
	_ = json.Unmarshal(uiSchema, &ui)
	var uiOrder []string
	_ = json.Unmarshal(ui["ui:order"], &uiOrder)
	return fieldOrder(objectKeys(node.Properties), uiOrder, nil)
}

// objectKeys lists the keys of a JSON object in the order they are written.
func objectKeys(raw json.RawMessage) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return keys
		}
		keys = append(keys, fmt.Sprint(tok))
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}

func listText(values []any, itemsRaw json.RawMessage) string {
	var items schemaNode
	_ = json.Unmarshal(itemsRaw, &items)
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = items.text(v)
	}
	return strings.Join(parts, ", ")
}

// text writes one value for a person: the title of a choice rather than
// its code, yes or no for booleans, and dates the French way.
func (n schemaNode) text(v any) string {
	for _, choice := range n.OneOf {
		if choice.Title != "" && fmt.Sprint(choice.Const) == fmt.Sprint(v) {
			return choice.Title
		}
	}
	for i, e := range n.Enum {
		if i < len(n.EnumNames) && fmt.Sprint(e) == fmt.Sprint(v) {
			return n.EnumNames[i]
		}
	}
	switch v := v.(type) {
	case bool:
		if v {
			return "Oui"
		}
		return "Non"
	case string:
		if n.Format == "date" {
			if d, err := time.Parse(time.DateOnly, v); err == nil {
				return d.Format("02/01/2006")
			}
		}
		return v
	default:
		return fmt.Sprint(v)
	}
}
