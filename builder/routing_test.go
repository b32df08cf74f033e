package builder

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/guichet/guichet/schemas"
)

// Rules typed as an admin types them route the data the way they read,
// and read back as they were typed.
func TestRuleSpecs(t *testing.T) {
	f := formOf(t,
		FieldSpec{Type: Commune, Name: "commune", Label: "Commune"},
		FieldSpec{Type: YesNo, Name: "boursier", Label: "Boursier"},
		FieldSpec{
			Type:    MultipleChoice,
			Name:    "besoins",
			Label:   "Besoins",
			Choices: []Choice{{Value: "car", Label: "Car scolaire"}, {Value: "train", Label: "Train"}},
		},
		FieldSpec{Type: AmountEUR, Name: "montant", Label: "Montant"},
	)
	specs := []RuleSpec{
		{Field: "commune", Values: []string{"metz", "Thionville"}, Department: "nord"},
		{Field: "boursier", Values: []string{"Oui"}, Department: "social"},
		{Field: "besoins", Values: []string{"train"}, Department: "rail"},
		{Field: "montant", Values: []string{"1 500,50"}, Department: "finances"},
	}
	f.Routing.Default = "accueil"
	for _, spec := range specs {
		rule, err := RuleOf(f, spec)
		if err != nil {
			t.Fatalf("%v: %v", spec, err)
		}
		f.Routing.Rules = append(f.Routing.Rules, rule)
	}
	compiled, err := schemas.Preview(f)
	if err != nil {
		t.Fatal(err)
	}
	for data, want := range map[string]string{
		`{"commune":"57672"}`:              "nord", // Thionville
		`{"commune":"57463"}`:              "nord", // Metz
		`{"commune":"57227"}`:              "accueil",
		`{"boursier":true}`:                "social",
		`{"boursier":false}`:               "accueil",
		`{"besoins":["car","train"]}`:      "rail",
		`{"besoins":["car"]}`:              "accueil",
		`{"montant":1500.5}`:               "finances",
		`{"commune":"57672","boursier":1}`: "nord",
	} {
		if got := compiled.Route(json.RawMessage(data)); got != want {
			t.Errorf("%s went to %s, want %s", data, got, want)
		}
	}
	for i, rule := range f.Routing.Rules {
		spec, ok := SpecOfRule(f, rule)
		if !ok || spec.Field != specs[i].Field || spec.Department != specs[i].Department {
			t.Errorf("rule %d reads back as %v, %v", i, spec, ok)
		}
	}
	if spec, _ := SpecOfRule(f, f.Routing.Rules[0]); !slices.Equal(spec.Values, []string{"Metz", "Thionville"}) {
		t.Errorf("communes read back as %v", spec.Values)
	}
	if department, rule := compiled.RouteOf(json.RawMessage(`{"besoins":["train"]}`)); department != "rail" || rule != 2 {
		t.Errorf("the rule on the train: %s, rule %d", department, rule)
	}

	handWritten := schemas.Rule{When: json.RawMessage(`{"properties":{"montant":{"minimum":1000}}}`), Department: "finances"}
	if _, ok := SpecOfRule(f, handWritten); ok {
		t.Error("a hand-written rule read as a simple one")
	}
	for _, bad := range []RuleSpec{
		{Field: "commune", Values: []string{"Paris"}},
		{Field: "boursier", Values: []string{"peut-être"}},
		{Field: "inconnu", Values: []string{"x"}},
		{Field: "commune"},
	} {
		if _, err := RuleOf(f, bad); !errors.Is(err, schemas.ErrInvalidField) && !errors.Is(err, ErrNoField) {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func TestNameFor(t *testing.T) {
	taken := func(n string) bool { return n == "nom" }
	for label, want := range map[string]string{
		"Commune de résidence": "commune_de_residence",
		"Nom":                  "nom_2",
		"  Œuvre d'art (*) ":   "oeuvre_d_art",
		"2e enfant":            "champ_2e_enfant",
		"":                     "champ",
	} {
		if got := NameFor(label, taken); got != want {
			t.Errorf("NameFor(%q) = %q, want %q", label, got, want)
		}
	}
}

func TestIDFor(t *testing.T) {
	taken := func(id string) bool { return id == "conge" }
	for title, want := range map[string]string{
		"Aide au transport scolaire": "aide-au-transport-scolaire",
		"Congé":                      "conge-2",
		"Frais & débours (2027)":     "frais-et-debours-2027",
		"«  »":                       "formulaire",
		strings.Repeat("Demande de subvention ", 5): "demande-de-subvention-demande-de-subvention-demande-de",
	} {
		if got := IDFor(title, taken); got != want || !schemas.ValidID(got) {
			t.Errorf("IDFor(%q) = %q, want %q", title, got, want)
		}
	}
}
