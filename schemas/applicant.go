package schemas

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/guichet/guichet/internal/platform/locale"
)

// Purposes are what a form's fields hold about the person who answers,
// said in the uiSchema with the HTML autofill tokens ("ui:autocomplete":
// "family-name", "street-address", "postal-code"…): the page's inputs
// carry them for browsers and assistive technologies, and the letters and
// inboxes read the applicant's name and address from them.
var Purposes = []string{
	"name", "honorific-prefix", "given-name", "family-name", "organization",
	"street-address", "address-line1", "address-line2", "postal-code", "address-level2", "email", "tel",
}

// Applicant is who made a request, as the answers say it.
type Applicant struct {
	// Name is the organisation's name when the request is made for one,
	// or else the person's.
	Name string
	// Address is the postal address, line by line, after the person's
	// name when Name is an organisation's.
	Address []string
	Email   string
}

// fieldMarks are the paths of the fields a form's uiSchema marks with a
// purpose, and those it shows in the inboxes ("ui:summary": true).
type fieldMarks struct {
	purposes map[string][]string
	summary  [][]string
}

// marksOf collects the marks of an object schema's fields, and of its
// groups' fields; lists are left out, as they hold several answers.
func marksOf(schemaRaw, uiRaw json.RawMessage, prefix []string, out *fieldMarks) {
	ui := map[string]json.RawMessage{}
	_ = json.Unmarshal(uiRaw, &ui)
	for _, name := range FieldOrder(schemaRaw, uiRaw) {
		raw := AllProperties(schemaRaw)[name]
		path := append(prefix[:len(prefix):len(prefix)], name)
		var field struct {
			Type any `json:"type"`
		}
		_ = json.Unmarshal(raw, &field)
		var hints struct {
			Autocomplete string `json:"ui:autocomplete"`
			Summary      bool   `json:"ui:summary"`
		}
		_ = json.Unmarshal(ui[name], &hints)
		switch field.Type {
		case "object":
			marksOf(raw, ui[name], path, out)
			continue
		case "array":
			continue
		}
		if hints.Autocomplete != "" && out.purposes[hints.Autocomplete] == nil {
			out.purposes[hints.Autocomplete] = path
		}
		if hints.Summary {
			out.summary = append(out.summary, path)
		}
	}
}

// answerAt is the answer at path, written for people; "" when unanswered.
func (c *Compiled) answerAt(data map[string]any, path []string) string {
	var v any = data
	for _, name := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = obj[name]
	}
	switch v.(type) {
	case nil, map[string]any, []any:
		return ""
	}
	if f := c.fieldAt(path); f != nil {
		return strings.TrimSpace(f.node.text(v, locale.French))
	}
	return strings.TrimSpace(fmt.Sprint(v))
}

// fieldAt is the layout of the field at path, nil for one the schema
// does not describe.
func (c *Compiled) fieldAt(path []string) *layoutField {
	c.layoutOnce.Do(func() { c.layout = newLayout(c.Schema, c.UISchema, locale.Lang(c.Language())) })
	l, f := c.layout, (*layoutField)(nil)
	for _, name := range path {
		if l == nil || l.fields[name] == nil {
			return nil
		}
		f = l.fields[name]
		l = f.group
	}
	return f
}

// titleAt is the title of the field at path, or its name.
func (c *Compiled) titleAt(path []string) string {
	if f := c.fieldAt(path); f != nil && f.node.Title != "" {
		return f.node.Title
	}
	return path[len(path)-1]
}

// Applicant reads who made a request from its answers, through the
// purposes of the form's fields.
func (c *Compiled) Applicant(data json.RawMessage) Applicant {
	if len(c.marks.purposes) == 0 {
		return Applicant{} // nothing to read: the answers are not decoded
	}
	var answers map[string]any
	_ = json.Unmarshal(data, &answers)
	at := func(purpose string) string {
		if path := c.marks.purposes[purpose]; path != nil {
			return c.answerAt(answers, path)
		}
		return ""
	}
	var a Applicant
	person := at("name")
	if person == "" {
		person = strings.Join(strings.Fields(at("honorific-prefix")+" "+at("given-name")+" "+at("family-name")), " ")
	}
	a.Name = person
	if organisation := at("organization"); organisation != "" {
		a.Name = organisation
		if person != "" {
			a.Address = append(a.Address, person)
		}
	}
	for line := range strings.SplitSeq(at("street-address")+"\n"+at("address-line1")+"\n"+at("address-line2"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			a.Address = append(a.Address, line)
		}
	}
	if town := strings.TrimSpace(at("postal-code") + " " + at("address-level2")); town != "" {
		a.Address = append(a.Address, town)
	}
	a.Email = at("email")
	return a
}

// Summary lists the answers a form shows in the inboxes
// ("ui:summary": true), as label and value, in the form's order.
func (c *Compiled) Summary(data json.RawMessage) []Answer {
	if len(c.marks.summary) == 0 {
		return nil
	}
	var answers map[string]any
	_ = json.Unmarshal(data, &answers)
	var out []Answer
	for _, path := range c.marks.summary {
		if value := c.answerAt(answers, path); value != "" {
			out = append(out, Answer{Label: c.titleAt(path), Value: value, Field: path[0]})
		}
	}
	return out
}
