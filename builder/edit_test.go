package builder

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/guichet/guichet/schemas"
)

func formOf(t *testing.T, fields ...FieldSpec) schemas.Form {
	t.Helper()
	schema, ui, err := Assemble(fields)
	if err != nil {
		t.Fatal(err)
	}
	rawSchema, _ := json.Marshal(schema)
	rawUI, _ := json.Marshal(ui)
	return schemas.Form{ID: "essai", Title: "Essai", Audience: schemas.Public, Schema: rawSchema, UISchema: rawUI}
}

func names(t *testing.T, f schemas.Form) []string {
	t.Helper()
	specs, err := Fields(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range specs {
		out = append(out, s.Name)
	}
	return out
}

// Each catalogue type reads back as itself from the schema it made.
func TestFieldsReadBack(t *testing.T) {
	var specs []FieldSpec
	for _, ft := range Catalogue {
		spec := FieldSpec{
			Type:     ft,
			Name:     "champ_" + string(ft[:2]) + string(rune('a'+len(specs))),
			Label:    "Champ " + string(ft),
			Required: ft == ShortText,
		}
		switch ft {
		case SingleChoice, MultipleChoice:
			spec.Choices = []Choice{{"a", "Réponse A"}, {"b", "Réponse B"}}
		case RepeatGroup:
			spec.Fields = []FieldSpec{{Type: ShortText, Name: "prenom", Label: "Prénom", Required: true}}
		case Paragraph:
			spec.Hint = "Un texte d'explication."
		case CalculatedNumber, CalculatedAmount:
			spec.Calculate = "1 + 1"
		}
		specs = append(specs, spec)
	}
	got, err := Fields(formOf(t, specs...))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(specs) {
		t.Fatalf("%d fields read back, want %d", len(got), len(specs))
	}
	for i, want := range specs {
		g := got[i]
		if g.Type != want.Type || g.Name != want.Name || g.Label != want.Label || g.Required != want.Required ||
			len(g.Choices) != len(want.Choices) ||
			len(g.Fields) != len(want.Fields) {
			t.Errorf("field %d read back as %+v, want %+v", i, g, want)
		}
	}
}

func TestEditOperations(t *testing.T) {
	f := formOf(t,
		FieldSpec{Type: ShortText, Name: "nom", Label: "Nom", Required: true},
		FieldSpec{Type: EmailAddress, Name: "email", Label: "Courriel"},
	)
	f, err := AddField(f, FieldSpec{Type: Date, Name: "naissance", Label: "Date de naissance", Required: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AddField(f, FieldSpec{Type: Date, Name: "naissance", Label: "Encore"}); !errors.Is(err, schemas.ErrInvalidField) {
		t.Errorf("adding a second field with one name: %v", err)
	}
	if _, err := AddField(f, FieldSpec{Type: SingleChoice, Name: "vide", Label: "Vide"}); !errors.Is(err, schemas.ErrInvalidField) {
		t.Errorf("adding a choice without choices: %v", err)
	}
	f, _ = MoveField(f, "naissance", -1)
	f, _ = MoveField(f, "nom", -5)
	if got := names(t, f); !slices.Equal(got, []string{"nom", "naissance", "email"}) {
		t.Errorf("after moves: %v", got)
	}
	f, copyName, err := DuplicateField(f, "nom")
	if err != nil || copyName != "nom_2" {
		t.Fatalf("duplicate: %q, %v", copyName, err)
	}
	if got := names(t, f); !slices.Equal(got, []string{"nom", "nom_2", "naissance", "email"}) {
		t.Errorf("after duplicating: %v", got)
	}
	f, err = UpdateField(f, "nom_2", FieldSpec{Type: ShortText, Name: "prenom", Label: "Prénom", Required: false})
	if err != nil {
		t.Fatal(err)
	}
	f, err = RemoveField(f, "email")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RemoveField(f, "email"); !errors.Is(err, ErrNoField) {
		t.Errorf("removing twice: %v", err)
	}
	specs, _ := Fields(f)
	if got := names(t, f); !slices.Equal(got, []string{
		"nom",
		"prenom",
		"naissance",
	}) || specs[1].Label != "Prénom" || specs[1].Required || !specs[2].Required {
		t.Errorf("after edits: %v %+v", got, specs)
	}
	// What the operations produce is a definition the registry accepts and the lint passes.
	if _, err := schemas.Preview(f); err != nil {
		t.Errorf("the edited definition does not compile: %v", err)
	}
	if problems := Lint(f); len(problems) > 0 {
		t.Errorf("the edited definition fails the lint: %+v", problems)
	}
	var required struct{ Required []string }
	_ = json.Unmarshal(f.Schema, &required)
	if !slices.Equal(required.Required, []string{"nom", "naissance"}) {
		t.Errorf("required = %v", required.Required)
	}
}

// What an answer says of the applicant, and whether the inboxes show it,
// read back; the letters then find the addressee in the answers.
func TestPurposesReadBack(t *testing.T) {
	specs := []FieldSpec{
		{Type: ShortText, Name: "nom", Label: "Nom", Purpose: "family-name"},
		{Type: ShortText, Name: "prenom", Label: "Prénom", Purpose: "given-name"},
		{Type: PostalAddress, Name: "adresse", Label: "Adresse", Purpose: "street-address"},
		{Type: Commune, Name: "commune", Label: "Commune", Summary: true},
	}
	form := formOf(t, specs...)
	got, err := Fields(form)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range specs {
		if got[i].Purpose != want.Purpose || got[i].Summary != want.Summary {
			t.Errorf("field %s read back with %q, %v", want.Name, got[i].Purpose, got[i].Summary)
		}
	}
	compiled, err := schemas.Preview(form)
	if err != nil {
		t.Fatal(err)
	}
	a := compiled.Applicant(json.RawMessage(`{"nom":"Klein","prenom":"Anne",` +
		`"adresse":{"rue":"12 rue des Jardins","codePostal":"57100","commune":"Thionville"}}`))
	if a.Name != "Anne Klein" || !slices.Equal(a.Address, []string{"12 rue des Jardins", "57100 Thionville"}) {
		t.Errorf("the applicant: %+v", a)
	}
	if _, _, err := (FieldSpec{Type: ShortText, Name: "x", Label: "X", Purpose: "nickname"}).Fragment(); err == nil {
		t.Error("an unknown purpose was taken")
	}
}
