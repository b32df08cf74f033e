package builder

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/guichet/guichet/schemas"
)

func TestConditionsAndSteps(t *testing.T) {
	f := formOf(t,
		FieldSpec{Type: YesNo, Name: "boursier", Label: "Boursier"},
		FieldSpec{Type: Number, Name: "echelon", Label: "Échelon", Required: true},
		FieldSpec{Type: ShortText, Name: "nom", Label: "Nom", Required: true},
	)
	f, err := SetCondition(f, "echelon", &Condition{Rules: []Rule{{Field: "boursier", Operator: Equals, Values: []any{true}}}})
	if err != nil {
		t.Fatal(err)
	}
	absent := &Condition{Rules: []Rule{{Field: "absent", Operator: Equals, Values: []any{1}}}}
	if _, err := SetCondition(f, "nom", absent); !errors.Is(err, schemas.ErrInvalidField) {
		t.Errorf("a condition on a missing field: %v", err)
	}
	specs, _ := Fields(f)
	if len(specs) != 3 || specs[1].Name != "echelon" || specs[1].Condition == nil || specs[1].Condition.Rules[0].Field != "boursier" ||
		!specs[1].Required {
		t.Fatalf("fields = %+v", specs)
	}
	compiled, err := schemas.Preview(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := compiled.Validate(json.RawMessage(`{"nom":"A","boursier":true}`)); err == nil {
		t.Error("a shown conditional field is not required")
	}
	if err := compiled.Validate(json.RawMessage(`{"nom":"A","boursier":false}`)); err != nil {
		t.Errorf("a hidden conditional field is required: %v", err)
	}
	if problems := Lint(f); len(problems) > 0 {
		t.Errorf("lint: %+v", problems)
	}
	// Editing keeps the condition; removing the condition brings the field back.
	if f, err = UpdateField(f, "echelon", FieldSpec{Type: Number, Label: "Échelon de bourse", Required: true}); err != nil {
		t.Fatal(err)
	}
	if specs, _ = Fields(f); specs[1].Label != "Échelon de bourse" || specs[1].Condition == nil {
		t.Errorf("after editing: %+v", specs[1])
	}
	if f, err = SetCondition(f, "echelon", nil); err != nil {
		t.Fatal(err)
	}
	if specs, _ = Fields(f); specs[1].Name != "echelon" || specs[1].Condition != nil || !specs[1].Required {
		t.Errorf("after removing the condition: %+v", specs)
	}
	var raw map[string]any
	_ = json.Unmarshal(f.Schema, &raw)
	if _, left := raw["allOf"]; left {
		t.Errorf("an empty allOf is left: %v", raw["allOf"])
	}

	f, err = SetSteps(f, []Step{{Title: "Vous", Fields: []string{"nom"}}, {Title: "Bourse", Fields: []string{"boursier", "echelon"}}})
	if err != nil {
		t.Fatal(err)
	}
	if problems := Lint(f); len(problems) > 0 {
		t.Errorf("lint with steps: %+v", problems)
	}
	if f, _ = SetSteps(f, []Step{{Title: "Vous", Fields: []string{"nom"}}}); len(Lint(f)) != 2 {
		t.Errorf("steps leaving fields out pass the lint")
	}

	// Steps follow the edits: renamed, duplicated, made conditional,
	// unconditional again, removed.
	f, _ = SetSteps(f, []Step{{Title: "Vous", Fields: []string{"nom"}}, {Title: "Bourse", Fields: []string{"boursier", "echelon"}}})
	steps := func() string { raw, _ := json.Marshal(Steps(f)); return string(raw) }
	if f, err = UpdateField(f, "nom", FieldSpec{Type: ShortText, Name: "nom_famille", Label: "Nom"}); err != nil {
		t.Fatal(err)
	}
	if f, _, err = DuplicateField(f, "boursier"); err != nil {
		t.Fatal(err)
	}
	if f, err = SetCondition(f, "echelon", &Condition{Rules: []Rule{{Field: "boursier", Operator: Equals, Values: []any{true}}}}); err != nil {
		t.Fatal(err)
	}
	want := `[{"title":"Vous","fields":["nom_famille"]},{"title":"Bourse","fields":["boursier","boursier_2"]}]`
	if steps() != want || len(Lint(f)) != 0 {
		t.Errorf("steps = %s, lint %+v", steps(), Lint(f))
	}
	if f, err = SetCondition(f, "echelon", nil); err != nil {
		t.Fatal(err)
	}
	if f, err = RemoveField(f, "boursier_2"); err != nil {
		t.Fatal(err)
	}
	want = `[{"title":"Vous","fields":["nom_famille"]},{"title":"Bourse","fields":["boursier","echelon"]}]`
	if steps() != want || len(Lint(f)) != 0 {
		t.Errorf("steps = %s, lint %+v", steps(), Lint(f))
	}
	if f, _ = SetSteps(f, nil); len(Lint(f)) != 0 || Steps(f) != nil {
		t.Errorf("no steps: %+v", Lint(f))
	}
}

// A whole step shows on a condition: its fields become conditional
// together and stay on their step and in their place; the server requires
// them only when the condition holds; the step cannot depend on its own
// fields; without a condition it shows always again.
func TestStepCondition(t *testing.T) {
	f := formOf(t,
		FieldSpec{Type: ShortText, Name: "motif", Label: "Motif", Required: true},
		FieldSpec{Type: YesNo, Name: "avance", Label: "Avance demandée"},
		FieldSpec{Type: AmountEUR, Name: "montant", Label: "Montant de l'avance", Required: true},
		FieldSpec{Type: ShortText, Name: "iban", Label: "IBAN"},
		FieldSpec{Type: LongText, Name: "note", Label: "Note"},
	)
	f, err := SetSteps(f, []Step{{"Mission", []string{"motif", "avance"}}, {"Avance", []string{"montant", "iban"}}, {"Fin", []string{"note"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SetStepCondition(f, 1, &Condition{Rules: []Rule{{"montant", Filled, nil}}}); err == nil {
		t.Error("a step that depends on its own field taken")
	}
	f, err = SetStepCondition(f, 1, &Condition{Rules: []Rule{{"avance", Equals, []any{true}}}})
	if err != nil {
		t.Fatal(err)
	}
	if c := StepCondition(f, 1); c == nil || c.Rules[0].Field != "avance" || StepCondition(f, 0) != nil || StepCondition(f, 2) != nil {
		t.Errorf("the steps' conditions: %v, %v, %v", StepCondition(f, 0), c, StepCondition(f, 2))
	}
	if got := names(t, f); !slices.Equal(got, []string{"motif", "avance", "montant", "iban", "note"}) {
		t.Errorf("the fields of a conditional step keep their place: %v", got)
	}
	if steps := Steps(f); !slices.Equal(steps[1].Fields, []string{"montant", "iban"}) {
		t.Errorf("the conditional step's fields: %v", steps[1].Fields)
	}
	if problems := Lint(f); len(problems) > 0 {
		t.Errorf("the lint: %v", problems)
	}
	c, err := schemas.Preview(f)
	if err != nil {
		t.Fatal(err)
	}
	for data, valid := range map[string]bool{
		`{"motif":"Colloque","avance":false}`:                true,
		`{"motif":"Colloque","avance":true}`:                 false,
		`{"motif":"Colloque","avance":true,"montant":120.5}`: true,
	} {
		if err := c.Validate(json.RawMessage(data)); (err == nil) != valid {
			t.Errorf("%s: %v", data, err)
		}
	}
	if f, err = SetStepCondition(f, 1, nil); err != nil || StepCondition(f, 1) != nil {
		t.Fatalf("the condition removed: %v %v", StepCondition(f, 1), err)
	}
	if specs, _ := Fields(f); !specs[2].Required || specs[2].Condition != nil {
		t.Errorf("the step's field once always shown: %+v", specs[2])
	}
}

// A step's copy comes right after it, with a copy of each of its fields
// after its last one.
func TestDuplicateStep(t *testing.T) {
	f := formOf(t,
		FieldSpec{Type: ShortText, Name: "nom", Label: "Nom", Required: true},
		FieldSpec{Type: ShortText, Name: "depart", Label: "Départ"},
		FieldSpec{Type: Number, Name: "km", Label: "Kilomètres"},
		FieldSpec{Type: LongText, Name: "note", Label: "Note"},
	)
	f, err := SetSteps(f, []Step{{"Vous", []string{"nom"}}, {"Trajet", []string{"depart", "km"}}, {"Fin", []string{"note"}}})
	if err != nil {
		t.Fatal(err)
	}
	if f, err = DuplicateStep(f, 1); err != nil {
		t.Fatal(err)
	}
	if got := names(t, f); !slices.Equal(got, []string{"nom", "depart", "km", "depart_2", "km_2", "note"}) {
		t.Errorf("the fields: %v", got)
	}
	steps := Steps(f)
	if len(steps) != 4 || steps[2].Title != "Trajet (copie)" || !slices.Equal(steps[2].Fields, []string{"depart_2", "km_2"}) ||
		!slices.Equal(steps[1].Fields, []string{"depart", "km"}) {
		t.Errorf("the steps: %+v", steps)
	}
	if problems := Lint(f); len(problems) > 0 {
		t.Errorf("the lint: %v", problems)
	}
	if _, err := DuplicateStep(f, 9); err == nil {
		t.Error("a step that does not exist copied")
	}
}
