package builder

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// Operator compares the answer of a field in a condition.
type Operator string

// The operators.
const (
	Equals   Operator = "equals"
	Differs  Operator = "differs"
	OneOf    Operator = "one-of"
	Greater  Operator = "greater"
	Less     Operator = "less"
	Filled   Operator = "filled"
	Empty    Operator = "empty"
	Contains Operator = "contains"
)

// Operators lists the operators, in the order the builder offers them.
var Operators = []Operator{Equals, Differs, OneOf, Greater, Less, Filled, Empty, Contains}

// Text says the operator in words: "vaut", "est supérieur à".
func (o Operator) Text() locale.Text { return operatorTexts[o] }

var operatorTexts = map[Operator]locale.Text{
	Equals:   {FR: "vaut", EN: "is"},
	Differs:  {FR: "ne vaut pas", EN: "is not"},
	OneOf:    {FR: "vaut l'une de", EN: "is one of"},
	Greater:  {FR: "est supérieur à", EN: "is greater than"},
	Less:     {FR: "est inférieur à", EN: "is less than"},
	Filled:   {FR: "est rempli", EN: "is filled"},
	Empty:    {FR: "est vide", EN: "is empty"},
	Contains: {FR: "contient", EN: "contains"},
}

// Takes tells how many values the operator compares the answer with: 0,
// 1, or several (-1).
func (o Operator) Takes() int {
	switch o {
	case Filled, Empty:
		return 0
	case OneOf:
		return -1
	}
	return 1
}

// Rule is one test of a condition: a field's answer against values.
type Rule struct {
	Field    string   `json:"field" example:"boursier"`
	Operator Operator `json:"operator" enum:"equals,differs,one-of,greater,less,filled,empty,contains"`
	// Values are what the answer is compared with: one, several for
	// one-of, none for filled and empty.
	Values []any `json:"values,omitempty" maxItems:"100" doc:"Réponses ou nombre auxquels la réponse est comparée"`
}

// Condition shows a field, a group, or the fields of a step, when all its
// rules hold, or any of them.
type Condition struct {
	// Any shows the field when any rule holds; otherwise all must.
	Any   bool   `json:"any,omitempty" doc:"Vrai : il suffit qu'une règle soit remplie ; faux : toutes doivent l'être"`
	Rules []Rule `json:"rules" minItems:"1" maxItems:"20"`
}

// schema writes the condition in JSON Schema, as the "if" of a branch:
// the page's script, the server and routing all evaluate it alike. specs
// are the form's fields, which the rules must name.
func (c Condition) schema(specs []FieldSpec, shown string) (map[string]any, error) {
	if len(c.Rules) == 0 {
		return nil, refuse("Une condition a besoin d'au moins une règle.", "A condition needs at least one rule.")
	}
	parts := make([]any, len(c.Rules))
	for i, r := range c.Rules {
		field := specOf(specs, r.Field)
		if r.Field == shown || field.Type == "" || field.Condition != nil {
			return nil, refuse(fmt.Sprintf("Une condition porte sur un autre champ, toujours affiché : pas sur %s.", named(field)),
				fmt.Sprintf("A condition is on another field, always shown: not on %s.", named(field)))
		}
		part, err := r.schema(field)
		if err != nil {
			return nil, err
		}
		parts[i] = part
	}
	if len(parts) == 1 {
		return parts[0].(map[string]any), nil
	}
	if c.Any {
		return map[string]any{"anyOf": parts}, nil
	}
	return map[string]any{"allOf": parts}, nil
}

// schema writes one rule in JSON Schema.
func (r Rule) schema(field FieldSpec) (map[string]any, error) {
	takes := r.Operator.Takes()
	if _, known := operatorTexts[r.Operator]; !known || (takes >= 0 && len(r.Values) != takes) || (takes < 0 && len(r.Values) == 0) {
		return nil, refuse(fmt.Sprintf("La règle sur %s ne dit pas à quoi comparer la réponse.", named(field)),
			fmt.Sprintf("The rule on %s does not say what to compare the answer with.", named(field)))
	}
	required := []any{r.Field}
	on := func(test map[string]any) map[string]any {
		return map[string]any{"properties": map[string]any{r.Field: test}, "required": required}
	}
	switch r.Operator {
	case Equals:
		return on(map[string]any{"const": r.Values[0]}), nil
	case Differs:
		return on(map[string]any{"not": map[string]any{"const": r.Values[0]}}), nil
	case OneOf:
		return on(map[string]any{"enum": r.Values}), nil
	case Greater, Less:
		n, ok := r.Values[0].(float64)
		if !ok {
			return nil, refuse(fmt.Sprintf("La règle sur %s compare la réponse à un nombre.", named(field)),
				fmt.Sprintf("The rule on %s compares the answer with a number.", named(field)))
		}
		if r.Operator == Greater {
			return on(map[string]any{"exclusiveMinimum": n}), nil
		}
		return on(map[string]any{"exclusiveMaximum": n}), nil
	case Contains:
		return on(map[string]any{"contains": map[string]any{"const": r.Values[0]}}), nil
	case Filled:
		return map[string]any{"required": required}, nil
	default: // Empty
		return map[string]any{"not": map[string]any{"required": required}}, nil
	}
}

// conditionOf reads back the condition of a branch, as Condition.schema
// wrote it; the conditions written before the rules had more than one
// answer read as "one of".
func conditionOf(b schemas.Branch) *Condition {
	var node struct {
		AllOf []json.RawMessage `json:"allOf"`
		AnyOf []json.RawMessage `json:"anyOf"`
	}
	_ = json.Unmarshal(b.If, &node)
	c := &Condition{}
	parts := []json.RawMessage{b.If}
	switch {
	case len(node.AnyOf) > 0:
		c.Any, parts = true, node.AnyOf
	case len(node.AllOf) > 0:
		parts = node.AllOf
	}
	for _, raw := range parts {
		c.Rules = append(c.Rules, ruleOf(raw))
	}
	return c
}

// ruleOf reads back one rule.
func ruleOf(raw json.RawMessage) Rule {
	var node struct {
		Properties map[string]struct {
			Const            *any  `json:"const"`
			Enum             []any `json:"enum"`
			ExclusiveMinimum *any  `json:"exclusiveMinimum"`
			ExclusiveMaximum *any  `json:"exclusiveMaximum"`
			Not              *struct {
				Const *any `json:"const"`
			} `json:"not"`
			Contains *struct {
				Const *any `json:"const"`
			} `json:"contains"`
		} `json:"properties"`
		Required []string `json:"required"`
		Not      *struct {
			Required []string `json:"required"`
		} `json:"not"`
	}
	_ = json.Unmarshal(raw, &node)
	if node.Not != nil && len(node.Not.Required) > 0 {
		return Rule{Field: node.Not.Required[0], Operator: Empty}
	}
	for field, test := range node.Properties {
		r := Rule{Field: field}
		switch {
		case test.Const != nil:
			r.Operator, r.Values = Equals, []any{*test.Const}
		case len(test.Enum) == 1:
			r.Operator, r.Values = Equals, test.Enum
		case test.Enum != nil:
			r.Operator, r.Values = OneOf, test.Enum
		case test.Not != nil && test.Not.Const != nil:
			r.Operator, r.Values = Differs, []any{*test.Not.Const}
		case test.ExclusiveMinimum != nil:
			r.Operator, r.Values = Greater, []any{*test.ExclusiveMinimum}
		case test.ExclusiveMaximum != nil:
			r.Operator, r.Values = Less, []any{*test.ExclusiveMaximum}
		case test.Contains != nil && test.Contains.Const != nil:
			r.Operator, r.Values = Contains, []any{*test.Contains.Const}
		}
		return r
	}
	if len(node.Required) > 0 {
		return Rule{Field: node.Required[0], Operator: Filled}
	}
	return Rule{}
}

// Text says the condition in words, naming fields by their labels and
// answers as people see them: « Boursier » vaut « Oui » et « Revenus » est
// supérieur à 1 000.
func (c Condition) Text(specs []FieldSpec, lang locale.Lang) string {
	field := func(name string) FieldSpec {
		if i := slices.IndexFunc(specs, func(s FieldSpec) bool { return s.Name == name }); i >= 0 {
			return specs[i]
		}
		return FieldSpec{Name: name}
	}
	parts := make([]string, len(c.Rules))
	for i, r := range c.Rules {
		f := field(r.Field)
		values := make([]string, len(r.Values))
		for j, v := range r.Values {
			values[j] = "« " + AnswerText(f, v) + " »"
			if n, ok := v.(float64); ok && r.Operator.Takes() == 1 && Answers(f) == nil {
				values[j] = locale.Number(n, lang)
			}
		}
		parts[i] = strings.TrimSpace(named(f) + " " + r.Operator.Text().In(lang) + " " +
			strings.Join(values, locale.Say(lang, " ou ", " or ")))
	}
	joint := locale.Say(lang, " et ", " and ")
	if c.Any {
		joint = locale.Say(lang, " ou ", " or ")
	}
	return strings.Join(parts, joint)
}

// Same reports whether two conditions hold in the same cases, as written.
func (c *Condition) Same(other *Condition) bool {
	if c == nil || other == nil {
		return c == other
	}
	a, _ := json.Marshal(c)
	b, _ := json.Marshal(other)
	return string(a) == string(b)
}

// RuleValue reads a value an admin typed for a rule on field: a choice by
// its value or label, yes or no, a number; several, one per line, for
// "one of".
func RuleValue(field FieldSpec, op Operator, typed string) ([]any, error) {
	var out []any
	for line := range strings.SplitSeq(typed, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		v, err := AnswerValue(field, line)
		if err == nil && (op == Greater || op == Less) {
			v, err = strconv.ParseFloat(strings.ReplaceAll(strings.ReplaceAll(line, " ", ""), ",", "."), 64)
			if err != nil {
				err = refuse(fmt.Sprintf("« %s » n'est pas un nombre : la règle sur %s compare à un nombre.", line, named(field)),
					fmt.Sprintf("“%s” is not a number: the rule on %s compares with a number.", line, named(field)))
			}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
