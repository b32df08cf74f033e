package builder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/guichet/guichet/schemas"
)

// RuleSpec is a routing rule as an admin writes it: when the answer to
// Field is one of Values, the submission goes to Department.
type RuleSpec struct {
	Field string `json:"field"`
	// Values are answers as the admin types them: a choice's value or its
	// label, "oui" or "non", a number, a text.
	Values     []string `json:"values"`
	Department string   `json:"department"`
}

// RuleOf writes a rule as the JSON Schema condition routing evaluates:
// the field's answer is one of the values, typed after the field (a
// commune's name gives its INSEE code), or, for a multiple choice, holds
// one of them.
func RuleOf(f schemas.Form, spec RuleSpec) (schemas.Rule, error) {
	field, err := fieldNamed(f, spec.Field)
	if err != nil {
		return schemas.Rule{}, err
	}
	if len(spec.Values) == 0 {
		return schemas.Rule{}, refuse(fmt.Sprintf("La règle sur %s ne nomme aucune réponse.", named(field)),
			fmt.Sprintf("The rule on %s names no answer.", named(field)))
	}
	values := make([]any, len(spec.Values))
	for i, typed := range spec.Values {
		if values[i], err = AnswerValue(field, typed); err != nil {
			return schemas.Rule{}, err
		}
	}
	test := map[string]any{"enum": values}
	if field.Type == MultipleChoice {
		test = map[string]any{"contains": test}
	}
	when, err := json.Marshal(map[string]any{"properties": map[string]any{spec.Field: test}, "required": []string{spec.Field}})
	return schemas.Rule{When: when, Department: spec.Department}, err
}

// SpecOfRule reads back a rule that RuleOf wrote; ok is false for a rule
// written by hand, which the builder then shows as its JSON Schema.
func SpecOfRule(f schemas.Form, rule schemas.Rule) (spec RuleSpec, ok bool) {
	var when struct {
		Properties map[string]struct {
			Enum     []any `json:"enum"`
			Contains struct {
				Enum []any `json:"enum"`
			} `json:"contains"`
		} `json:"properties"`
	}
	if json.Unmarshal(rule.When, &when) != nil || len(when.Properties) != 1 {
		return spec, false
	}
	for name, test := range when.Properties {
		field, err := fieldNamed(f, name)
		if err != nil {
			return spec, false
		}
		spec.Field, spec.Department = name, rule.Department
		for _, v := range append(test.Enum, test.Contains.Enum...) {
			spec.Values = append(spec.Values, AnswerText(field, v))
		}
	}
	written, err := RuleOf(f, spec)
	return spec, err == nil && sameJSON(written.When, rule.When)
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ra, _ := json.Marshal(x)
	rb, _ := json.Marshal(y)
	return bytes.Equal(ra, rb)
}

// fieldNamed finds a top-level field, conditional or not.
func fieldNamed(f schemas.Form, name string) (FieldSpec, error) {
	fields, err := Fields(f)
	if err != nil {
		return FieldSpec{}, err
	}
	for _, field := range fields {
		if field.Name == name {
			return field, nil
		}
	}
	return FieldSpec{}, fmt.Errorf("%w: %q", ErrNoField, name)
}

// Answers lists the answers a field offers, when it offers a closed list:
// its choices, the communes, or yes and no.
func Answers(field FieldSpec) []Choice {
	switch field.Type {
	case SingleChoice, MultipleChoice:
		return field.Choices
	case YesNo:
		return []Choice{{Value: "true", Label: "Oui"}, {Value: "false", Label: "Non"}}
	case Commune:
		codes, names := communes()
		out := make([]Choice, len(codes))
		for i := range codes {
			out[i] = Choice{Value: codes[i], Label: names[i]}
		}
		return out
	}
	return nil
}

// AnswerValue turns an answer an admin typed into the value the field's
// data holds: a choice by its value or label (in any case), yes or no, a
// number; a text as it is.
func AnswerValue(field FieldSpec, typed string) (any, error) {
	typed = strings.TrimSpace(typed)
	switch field.Type {
	case YesNo:
		switch strings.ToLower(typed) {
		case "oui", "yes", "true", "vrai":
			return true, nil
		case "non", "no", "false", "faux":
			return false, nil
		}
	case Number, AmountEUR:
		if n, err := strconv.ParseFloat(strings.ReplaceAll(strings.ReplaceAll(typed, " ", ""), ",", "."), 64); err == nil {
			return n, nil
		}
	default:
		answers := Answers(field)
		if answers == nil {
			return typed, nil
		}
		for _, a := range answers {
			if a.Value == typed || strings.EqualFold(a.Label, typed) {
				return a.Value, nil
			}
		}
	}
	return nil, refuse(fmt.Sprintf("« %s » n'est pas une réponse du champ %s.", typed, named(field)),
		fmt.Sprintf("“%s” is not an answer of the field %s.", typed, named(field)))
}

// AnswerText is how the builder shows a value of a field's data: a
// choice's label, "Oui" or "Non", a number.
func AnswerText(field FieldSpec, v any) string {
	for _, a := range Answers(field) {
		if a.Value == fmt.Sprint(v) {
			return a.Label
		}
	}
	if n, ok := v.(float64); ok {
		return strconv.FormatFloat(n, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}
