package builder

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/guichet/guichet/schemas"
)

func TestLintRules(t *testing.T) {
	cases := []struct {
		name, schema, ui, location, says string
	}{
		{"field without a label", `{"type":"object","properties":{"nom":{"type":"string"}}}`, ``,
			"schema.properties.nom.title", "pas de libellé"},
		{"no field", `{"type":"object","properties":{}}`, ``, "schema.properties", "aucun champ"},
		{
			"nested field without a label",
			`{"type":"object","properties":{"enfants":{"type":"array","title":"Enfants","items":{"type":"object",` +
				`"properties":{"age":{"type":"integer"}}}}}}`,
			``,
			"schema.properties.enfants.items.properties.age.title",
			"pas de libellé",
		},
		{
			"conditional field without a label",
			`{"type":"object","properties":{"a":{"type":"boolean","title":"A"}},"if":{"properties":{"a":{"const":true}}},` +
				`"then":{"properties":{"b":{"type":"string"}}}}`,
			``,
			"schema.branch[0].b.title",
			"pas de libellé",
		},
		{
			"condition the page cannot evaluate",
			`{"type":"object","properties":{"a":{"type":"string","title":"A"}},"if":{"anyOf":[{"properties":{"a":{"const":"x"}}},` +
				`{"properties":{"a":{"pattern":"^y"}}}]},"then":{"properties":{"b":{"type":"string","title":"B"}}}}`,
			``,
			"schema.branch[0].if.anyOf[1].properties.a.pattern",
			`mot-clé "pattern"`,
		},
		{
			"choice without a label",
			`{"type":"object","properties":{"type":{"type":"string","title":"Type","oneOf":[{"const":"ca","title":"Congé annuel"},` +
				`{"const":"rtt"}]}}}`,
			``,
			"schema.properties.type.oneOf[1].title",
			"rtt",
		},
		{
			"enum with too few labels",
			`{"type":"object","properties":{"c":{"type":"string","title":"C","enum":["a","b"],"enumNames":["A"]}}}`,
			``,
			"schema.properties.c.enumNames",
			"libellé",
		},
		{
			"required field that does not exist",
			`{"type":"object","required":["nom","prenom"],"properties":{"nom":{"type":"string","title":"Nom"}}}`,
			``,
			"schema.required",
			`"prenom" n'existe pas`,
		},
		{
			"empty step",
			`{"type":"object","properties":{"nom":{"type":"string","title":"Nom"}}}`,
			`{"ui:steps":[{"title":"Vous","fields":["nom"]},{"title":"Vide","fields":[]}]}`,
			"uiSchema.ui:steps[1]",
			"aucun champ",
		},
		{
			"step naming an unknown field",
			`{"type":"object","properties":{"nom":{"type":"string","title":"Nom"}}}`,
			`{"ui:steps":[{"title":"Vous","fields":["nom","age"]}]}`,
			"uiSchema.ui:steps[0].fields",
			`"age"`,
		},
		{
			"field on no step",
			`{"type":"object","properties":{"nom":{"type":"string","title":"Nom"},"age":{"type":"integer","title":"Âge"}}}`,
			`{"ui:steps":[{"title":"Vous","fields":["nom"]}]}`,
			"uiSchema.ui:steps",
			"aucune étape",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := schemas.Form{Schema: json.RawMessage(c.schema)}
			if c.ui != "" {
				f.UISchema = json.RawMessage(c.ui)
			}
			problems := Lint(f)
			if len(problems) != 1 || problems[0].Location != c.location || !strings.Contains(problems[0].Message.FR, c.says) ||
				problems[0].Message.EN == "" {
				t.Errorf("problems = %+v, want one at %s saying %q", problems, c.location, c.says)
			}
		})
	}
	clean := schemas.Form{
		Schema: json.RawMessage(`{"type":"object","required":["nom"],"properties":{"nom":{"type":"string","title":"Nom"},` +
			`"commune":{"type":"string","title":"Commune","enum":["Metz","Thionville"]}}}`),
		UISchema: json.RawMessage(`{"ui:steps":[{"title":"Vous","fields":["nom","commune"]}]}`),
	}
	if problems := Lint(clean); len(problems) != 0 {
		t.Errorf("a clean form has problems: %+v", problems)
	}
}

func TestDiff(t *testing.T) {
	v1 := schemas.Form{
		Schema: json.RawMessage(`{"type":"object","required":["nom"],"properties":{
			"nom":{"type":"string","title":"Nom"},
			"age":{"type":"integer","title":"Âge"},
			"classe":{"type":"string","title":"Classe","enum":["6e","5e"]},
			"enfants":{"type":"array","title":"Enfants","items":{"type":"object","properties":{"prenom":{"type":"string","title":"Prénom"}}}}}}`),
		Routing: schemas.Routing{Default: "accueil"},
	}
	v2 := schemas.Form{
		Schema: json.RawMessage(`{"type":"object","required":["nom","email"],"properties":{
			"nom":{"type":"string","title":"Nom de famille"},
			"age":{"type":"string","title":"Âge"},
			"email":{"type":"string","format":"email","title":"Courriel"},
			"classe":{"type":"string","title":"Classe","enum":["6e","5e","4e"]},
			"enfants":{"type":"array","title":"Enfants","items":{"type":"object","properties":{"prenom":{"type":"string","title":"Prénom"},
				"age":{"type":"integer","title":"Âge"}}}}}}`),
		Routing: schemas.Routing{Default: "accueil", Rules: []schemas.Rule{{When: json.RawMessage(`{}`), Department: "finances"}}},
	}
	var got []string
	for _, c := range Diff(v1, v2) {
		got = append(got, string(c.Kind)+":"+c.Field)
	}
	want := "retyped:age choices:classe added:email added:enfants.*.age relabelled:nom routing:"
	if strings.Join(got, " ") != want {
		t.Errorf("diff = %v\nwant %s", got, want)
	}
	if len(Diff(v1, v1)) != 0 {
		t.Error("a version differs from itself")
	}
}

// The accessibility advice names each field concerned and its RGAA
// criterion, and stays silent on a form written well.
func TestAdvice(t *testing.T) {
	many := make([]Choice, MaxRadios+1)
	for i := range many {
		many[i] = Choice{Value: string(rune('a' + i)), Label: "Réponse " + string(rune('A'+i))}
	}
	f := formOf(t,
		FieldSpec{Type: ShortText, Name: "nom", Label: "Nom"},
		FieldSpec{Type: ShortText, Name: "nom_bis", Label: "nom "},
		FieldSpec{Type: ShortText, Name: "long", Label: strings.Repeat("Une question très longue ", 6)},
		FieldSpec{Type: ShortText, Name: "iban", Label: "IBAN", Placeholder: "FR76 …"},
		FieldSpec{Type: Date, Name: "debut", Label: "Début"},
		FieldSpec{Type: SingleChoice, Name: "choix", Label: "Choix", Choices: many},
		FieldSpec{Type: Heading, Name: "titre", Label: "Vide"},
		FieldSpec{Type: Heading, Name: "titre_2", Label: "Suite"},
		FieldSpec{Type: ShortText, Name: "fin", Label: "Fin", Hint: "Un mot."},
	)
	var got []string
	for _, a := range Advise(f) {
		got = append(got, a.Field+" "+a.Criterion)
		if !strings.HasPrefix(a.Link(), "https://accessibilite.numerique.gouv.fr/") || a.Message.FR == "" || a.Message.EN == "" {
			t.Errorf("advice on %s: %+v", a.Field, a)
		}
	}
	want := "nom_bis 11.2, long 11.2, iban 11.10, debut 11.10, choix 11.5, titre 9.1"
	if strings.Join(got, ", ") != want {
		t.Errorf("advice = %s, want %s", strings.Join(got, ", "), want)
	}
	good := formOf(t, FieldSpec{Type: Date, Name: "debut", Label: "Début", Hint: "jj/mm/aaaa"},
		FieldSpec{Type: SingleChoice, Name: "choix", Label: "Choix", Choices: many, AsList: true})
	if advice := Advise(good); len(advice) > 0 {
		t.Errorf("advice on a form written well: %+v", advice)
	}
}
