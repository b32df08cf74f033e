package schemas

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/guichet/guichet/internal/platform/locale"
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
	c.layoutOnce.Do(func() { c.layout = newLayout(c.Schema, c.UISchema, locale.Lang(c.Language())) })
	var out []Answer
	c.layout.append(&out, decodeNumbers(data), 0, "")
	return out
}

// RadiosUpTo is how many answers a single choice without a widget shows
// as radio buttons; with more, it shows as a drop-down list.
const RadiosUpTo = 6

// Field is one of a form's own fields, those at the top of its schema.
type Field struct {
	Name  string
	Title string
}

// Fields lists the form's own fields, with their titles (their names when
// untitled), in the order a person meets them (see FieldOrder).
func (c *Compiled) Fields() []Field {
	c.layoutOnce.Do(func() { c.layout = newLayout(c.Schema, c.UISchema, locale.Lang(c.Language())) })
	out := make([]Field, 0, len(c.layout.order))
	for _, name := range c.layout.order {
		title := name
		if f := c.layout.fields[name]; f != nil && f.node.Title != "" {
			title = f.node.Title
		}
		out = append(out, Field{Name: name, Title: title})
	}
	return out
}

// Changed is an answer that differs between two versions of a
// submission, written as Answers writes it; an empty side was unanswered.
type Changed struct {
	Field, Label, Before, After string
}

// Changes lists, in the form's order, the fields whose answers differ
// between two versions of a submission, as Answers lists them.
func (c *Compiled) Changes(before, after []Answer) []Changed {
	written := func(answers []Answer) map[string]string {
		out := map[string]string{}
		for _, a := range answers {
			if a.Heading {
				continue
			}
			line := a.Value
			if a.Depth > 0 {
				line = a.Label + " : " + a.Value
			}
			out[a.Field] = strings.TrimPrefix(out[a.Field]+"\n"+line, "\n")
		}
		return out
	}
	was, is := written(before), written(after)
	var out []Changed
	for _, f := range c.Fields() {
		if was[f.Name] != is[f.Name] {
			out = append(out, Changed{Field: f.Name, Label: f.Title, Before: was[f.Name], After: is[f.Name]})
		}
	}
	return out
}

// schemaNode is the part of a (sub)schema that answers need, with raw
// children so that the order of properties is kept.
type schemaNode struct {
	Title      string          `json:"title"`
	Type       any             `json:"type"`
	Format     string          `json:"format"`
	MultipleOf float64         `json:"multipleOf"`
	Properties json.RawMessage `json:"properties"`
	Items      json.RawMessage `json:"items"`
	Enum       []any           `json:"enum"`
	EnumNames  []string        `json:"enumNames"`
	OneOf      []struct {
		Const any    `json:"const"`
		Title string `json:"title"`
	} `json:"oneOf"`
}

// layout is what Answers needs of an object schema and its uiSchema: the
// fields in the order a person meets them, and how each is written. It is
// worked out once per form version, where it was parsed from the schema
// for every submission.
type layout struct {
	order  []string
	fields map[string]*layoutField
	// lang is the language the answers are written in.
	lang locale.Lang
}

// layoutField is one field of a layout.
type layoutField struct {
	node schemaNode
	// items is how the items of a list are written.
	items schemaNode
	// group is the layout of the field's own fields, when it is answered
	// with an object; each is the layout of a list's items, when it is
	// answered with a list of objects.
	group, each *layout
}

// newLayout works out the layout of an object schema, and of each group
// and list of objects in it, to write answers in lang.
func newLayout(schemaRaw, uiRaw json.RawMessage, lang locale.Lang) *layout {
	props := AllProperties(schemaRaw)
	ui := map[string]json.RawMessage{}
	_ = json.Unmarshal(uiRaw, &ui)
	l := &layout{order: FieldOrder(schemaRaw, uiRaw), fields: make(map[string]*layoutField, len(props)), lang: lang}
	for name, raw := range props {
		f := &layoutField{}
		_ = json.Unmarshal(raw, &f.node)
		_ = json.Unmarshal(f.node.Items, &f.items)
		f.group = newLayout(raw, ui[name], lang)
		var itemUI struct {
			Items json.RawMessage `json:"items"`
		}
		_ = json.Unmarshal(ui[name], &itemUI)
		f.each = newLayout(f.node.Items, itemUI.Items, lang)
		l.fields[name] = f
	}
	return l
}

// undescribed is a field that the schema does not describe: an object in
// it lists its fields by name, in alphabetical order.
var undescribed = &layoutField{group: &layout{}, each: &layout{}}

func (l *layout) append(out *[]Answer, data any, depth int, top string) {
	obj, ok := data.(map[string]any)
	if !ok {
		return
	}
	var extra []string
	for name := range obj {
		if _, described := l.fields[name]; !described {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra)

	for _, name := range append(slices.Clip(l.order), extra...) {
		value, answered := obj[name]
		if !answered || value == nil {
			continue
		}
		field := cmp.Or(l.fields[name], undescribed)
		label := field.node.Title
		if label == "" {
			label = name
		}
		if depth == 0 {
			top = name
		}
		switch v := value.(type) {
		case map[string]any:
			*out = append(*out, Answer{Label: label, Heading: true, Depth: depth, Field: top})
			field.group.append(out, v, depth+1, top)
		case []any:
			if !slices.ContainsFunc(v, isObject) {
				*out = append(*out, Answer{Label: label, Value: listText(v, field.items, l.lang), Depth: depth, Field: top})
				continue
			}
			for i, item := range v {
				heading := fmt.Sprintf(locale.Say(l.lang, "%s n° %d", "%s no. %d"), label, i+1)
				*out = append(*out, Answer{Label: heading, Heading: true, Depth: depth, Field: top})
				field.each.append(out, item, depth+1, top)
			}
		default:
			*out = append(*out, Answer{Label: label, Value: field.node.text(v, l.lang), Depth: depth, Field: top})
		}
	}
}

func isObject(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

// fieldOrder puts the schema's properties in ui:order, where "*" stands for
// the properties it does not name.
func fieldOrder(schemaOrder, uiOrder []string) []string {
	if len(uiOrder) == 0 {
		return schemaOrder
	}
	rest := slices.DeleteFunc(slices.Clone(schemaOrder), func(n string) bool { return slices.Contains(uiOrder, n) })
	var order []string
	for _, n := range uiOrder {
		switch {
		case n == "*":
			order = append(order, rest...)
			rest = nil
		case slices.Contains(schemaOrder, n):
			order = append(order, n)
		}
	}
	return append(order, rest...)
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
	return fieldOrder(objectKeys(node.Properties), uiOrder)
}

// FieldOrder lists the fields of an object schema as a person meets them:
// those of PropertyOrder, each followed by the conditional fields (those
// only a branch declares) that its answer decides, and these by theirs.
// A field that two branches declare is listed once, after the first
// branch's trigger.
func FieldOrder(schema, uiSchema json.RawMessage) []string {
	base := PropertyOrder(schema, uiSchema)
	listed := map[string]bool{}
	for _, name := range base {
		listed[name] = true
	}
	after := map[string][]string{}
	var triggers []string
	for _, b := range BranchesOf(schema) {
		trigger := b.Trigger()
		for _, name := range b.Fields() {
			if listed[name] {
				continue
			}
			listed[name] = true
			if _, known := after[trigger]; !known {
				triggers = append(triggers, trigger)
			}
			after[trigger] = append(after[trigger], name)
		}
	}
	// Each field is followed by those it decides, and these by theirs;
	// branches decided by no field of the object come last.
	var order []string
	var placeAfter func(trigger string)
	placeAfter = func(trigger string) {
		next := after[trigger]
		delete(after, trigger)
		for _, name := range next {
			order = append(order, name)
			placeAfter(name)
		}
	}
	for _, name := range base {
		order = append(order, name)
		placeAfter(name)
	}
	for _, trigger := range triggers {
		placeAfter(trigger)
	}
	return order
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

func listText(values []any, items schemaNode, lang locale.Lang) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = items.text(v, lang)
	}
	return strings.Join(parts, ", ")
}

// text writes one value for a person of lang: the title of a choice
// rather than its code, yes or no for booleans, numbers as lang writes
// them, dates as day/month/year.
func (n schemaNode) text(v any, lang locale.Lang) string {
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
			return locale.Say(lang, "Oui", "Yes")
		}
		return locale.Say(lang, "Non", "No")
	case json.Number:
		if f, err := v.Float64(); err == nil {
			return NumberText(f, n.MultipleOf, lang)
		}
		return v.String()
	case string:
		if IsDate(n.Format) {
			if d, err := time.Parse(time.DateOnly, v); err == nil {
				return d.Format("02/01/2006")
			}
		}
		return v
	default:
		return fmt.Sprint(v)
	}
}

// AmountStep is the multipleOf of a sum of money in euros, as the
// builder's amount field declares it.
const AmountStep = 0.01

// NumberText writes a number for a person of lang: a sum of money (its
// schema's multipleOf is AmountStep) with its cents, "2 500,50", any other
// with every digit it has, "2 500,5".
func NumberText(v, multipleOf float64, lang locale.Lang) string {
	if multipleOf == AmountStep {
		return locale.Amount(v, lang)
	}
	return locale.Number(v, lang)
}
