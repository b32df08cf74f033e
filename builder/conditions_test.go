package builder

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// Each operator, alone and combined with "all" and "any", is written in
// JSON Schema that the server evaluates as the rule says, reads back as
// written, and says itself in words; a rule without its value, on a
// missing field or on the field it shows is refused in both languages.
func TestConditionsOperators(t *testing.T) {
	base := formOf(t,
		FieldSpec{Type: YesNo, Name: "boursier", Label: "Boursier"},
		FieldSpec{Type: Number, Name: "revenus", Label: "Revenus"},
		FieldSpec{Type: SingleChoice, Name: "commune", Label: "Commune", Choices: []Choice{{"metz", "Metz"}, {"forbach", "Forbach"},
			{"bitche", "Bitche"}}},
		FieldSpec{Type: MultipleChoice, Name: "aides", Label: "Aides", Choices: []Choice{{"rsa", "RSA"}, {"apl", "APL"}}},
		FieldSpec{Type: ShortText, Name: "note", Label: "Note"},
	)
	cases := []struct {
		cond    Condition
		text    string
		shown   []string
		notShow []string
	}{
		{Condition{Rules: []Rule{{"boursier", Equals, []any{true}}}}, "« Boursier » vaut « Oui »",
			[]string{`{"boursier":true}`}, []string{`{"boursier":false}`, `{}`}},
		{Condition{Rules: []Rule{{"commune", Differs, []any{"metz"}}}}, "« Commune » ne vaut pas « Metz »",
			[]string{`{"commune":"forbach"}`}, []string{`{"commune":"metz"}`, `{}`}},
		{Condition{Rules: []Rule{{"commune", OneOf, []any{"forbach", "bitche"}}}}, "« Commune » vaut l'une de « Forbach » ou « Bitche »",
			[]string{`{"commune":"bitche"}`}, []string{`{"commune":"metz"}`}},
		{Condition{Rules: []Rule{{"revenus", Greater, []any{1000.0}}}}, "« Revenus » est supérieur à 1\u00a0000",
			[]string{`{"revenus":1000.5}`}, []string{`{"revenus":1000}`, `{}`}},
		{Condition{Rules: []Rule{{"revenus", Less, []any{1000.0}}}}, "« Revenus » est inférieur à 1\u00a0000",
			[]string{`{"revenus":999}`}, []string{`{"revenus":1000}`}},
		{Condition{Rules: []Rule{{"note", Filled, nil}}}, "« Note » est rempli", []string{`{"note":"x"}`}, []string{`{}`}},
		{Condition{Rules: []Rule{{"note", Empty, nil}}}, "« Note » est vide", []string{`{}`}, []string{`{"note":"x"}`}},
		{Condition{Rules: []Rule{{"aides", Contains, []any{"apl"}}}}, "« Aides » contient « APL »",
			[]string{`{"aides":["rsa","apl"]}`}, []string{`{"aides":["rsa"]}`, `{}`}},
		{Condition{Rules: []Rule{{"boursier", Equals, []any{true}}, {"revenus", Less, []any{500.0}}}},
			"« Boursier » vaut « Oui » et « Revenus » est inférieur à 500",
			[]string{`{"boursier":true,"revenus":100}`}, []string{`{"boursier":true,"revenus":600}`, `{"revenus":100}`}},
		{Condition{Any: true, Rules: []Rule{{"boursier", Equals, []any{true}}, {"revenus", Less, []any{500.0}}}},
			"« Boursier » vaut « Oui » ou « Revenus » est inférieur à 500",
			[]string{`{"revenus":100}`, `{"boursier":true,"revenus":600}`}, []string{`{"boursier":false,"revenus":600}`}},
	}
	for _, c := range cases {
		if _, err := SetCondition(base, "note_cachee", nil); !errors.Is(err, ErrNoField) {
			t.Fatalf("a condition on a missing field: %v", err)
		}
		f, err := AddField(base, FieldSpec{Type: ShortText, Name: "precision", Label: "Précision", Required: true})
		if err != nil {
			t.Fatal(err)
		}
		if f, err = SetCondition(f, "precision", &c.cond); err != nil {
			t.Fatalf("%s: %v", c.text, err)
		}
		specs, _ := Fields(f)
		got := specs[slices.IndexFunc(specs, func(s FieldSpec) bool { return s.Name == "precision" })]
		// Conditional, it follows the first field its condition tests.
		if trigger := slices.IndexFunc(specs, func(s FieldSpec) bool { return s.Name == c.cond.Rules[0].Field }); specs[trigger+1].Name !=
			"precision" {
			t.Errorf("%s: the field does not follow %s", c.text, c.cond.Rules[0].Field)
		}
		if !got.Condition.Same(&c.cond) {
			t.Errorf("%s read back as %+v", c.text, got.Condition)
		}
		if text := got.Condition.Text(specs, locale.French); text != c.text {
			t.Errorf("said %q, want %q", text, c.text)
		}
		compiled, err := schemas.Preview(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, data := range c.shown {
			if compiled.Validate(json.RawMessage(data)) == nil {
				t.Errorf("%s: with %s the field is not shown (not required)", c.text, data)
			}
		}
		for _, data := range c.notShow {
			if err := compiled.Validate(json.RawMessage(data)); err != nil {
				t.Errorf("%s: with %s the field is shown: %v", c.text, data, err)
			}
		}
		if problems := Lint(f); len(problems) > 0 {
			t.Errorf("%s: lint %+v", c.text, problems)
		}
	}
	f, _ := AddField(base, FieldSpec{Type: ShortText, Name: "precision", Label: "Précision"})
	for _, bad := range []Condition{
		{},
		{Rules: []Rule{{"revenus", Greater, nil}}},
		{Rules: []Rule{{"revenus", Greater, []any{"beaucoup"}}}},
		{Rules: []Rule{{"absent", Equals, []any{1.0}}}},
		{Rules: []Rule{{"precision", Filled, nil}}},
	} {
		var refused *Refusal
		if _, err := SetCondition(f, "precision", &bad); !errors.As(err, &refused) || refused.Message.FR == "" {
			t.Errorf("taken: %+v (%v)", bad, err)
		}
	}
}
