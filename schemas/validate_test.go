package schemas

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/guichet/guichet/internal/platform/locale"
)

func mustCompile(t *testing.T, schema string) *Compiled {
	t.Helper()
	c, err := compile(Version{Form: Form{Schema: json.RawMessage(schema)}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fieldErrors(t *testing.T, c *Compiled, data string) []FieldError {
	t.Helper()
	err := c.Validate(json.RawMessage(data))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("data %s: want a *ValidationError, got %v", data, err)
	}
	return ve.Fields
}

// Each gojsonschema error type the forms use gets its own message, in both
// languages, at the failing field's location.
func TestValidateLocalisesEveryErrorType(t *testing.T) {
	cases := []struct {
		name, schema, data, location, fr, en string
	}{
		{"required", `{"type":"object","required":["nom"],"properties":{"nom":{"type":"string","title":"Nom"}}}`, `{}`,
			"nom", "Le champ « Nom » est obligatoire.", "“Nom” is required."},
		{"type integer", `{"type":"object","properties":{"age":{"type":"integer","title":"Âge"}}}`, `{"age":"douze"}`,
			"age", "« Âge » doit être un nombre entier.", "“Âge” must be a whole number."},
		{"type boolean", `{"type":"object","properties":{"ok":{"type":"boolean","title":"Accord"}}}`, `{"ok":"oui"}`,
			"ok", "« Accord » doit être oui ou non.", "“Accord” must be yes or no."},
		{"enum", `{"type":"object","properties":{"c":{"enum":["Metz","Thionville"],"title":"Commune"}}}`, `{"c":"Paris"}`,
			"c", "Choisissez l'une des réponses proposées pour « Commune ».", "Choose one of the answers offered for “Commune”."},
		{"const", `{"type":"object","properties":{"cgu":{"const":true,"title":"Conditions"}}}`, `{"cgu":false}`,
			"cgu", "Choisissez l'une des réponses proposées pour « Conditions ».", "Choose one of the answers offered for “Conditions”."},
		{"empty string", `{"type":"object","properties":{"nom":{"type":"string","minLength":1,"title":"Nom"}}}`, `{"nom":""}`,
			"nom", "Le champ « Nom » ne peut pas être vide.", "“Nom” cannot be empty."},
		{"minLength", `{"type":"object","properties":{"p":{"type":"string","minLength":20,"title":"Projet"}}}`, `{"p":"court"}`,
			"p", "« Projet » doit contenir au moins 20 caractères.", "“Projet” must be at least 20 characters long."},
		{"maxLength", `{"type":"object","properties":{"p":{"type":"string","maxLength":3,"title":"Code"}}}`, `{"p":"Şükrü"}`,
			"p", "« Code » doit contenir au plus 3 caractères.", "“Code” must be at most 3 characters long."},
		{"pattern", `{"type":"object","properties":{"siret":{"type":"string","pattern":"^[0-9]{14}$","title":"SIRET"}}}`, `{"siret":"12"}`,
			"siret", "« SIRET » n'a pas la forme attendue.", "“SIRET” is not in the expected form."},
		{
			"pattern with its own message",
			`{"type":"object","properties":{"cp":{"type":"string","pattern":"^57[0-9]{3}$","title":"Code postal",` +
				`"x-patternMessage":{"fr":"Saisissez un code postal de la Moselle, qui commence par 57.","en":"Enter a Moselle postcode, starting ` +
				`with 57."}}}}`,
			`{"cp":"75001"}`,
			"cp",
			"Saisissez un code postal de la Moselle, qui commence par 57.",
			"Enter a Moselle postcode, starting with 57.",
		},
		{
			"email",
			`{"type":"object","properties":{"e":{"type":"string","format":"email","title":"Courriel"}}}`,
			`{"e":"pas une adresse"}`,
			"e",
			"« Courriel » doit être une adresse électronique, par exemple prenom.nom@exemple.fr.",
			"“Courriel” must be an email address, like name@example.com.",
		},
		{"date", `{"type":"object","properties":{"d":{"type":"string","format":"date","title":"Date"}}}`, `{"d":"2026-02-30"}`,
			"d", "« Date » doit être une date réelle, au format AAAA-MM-JJ.", "“Date” must be a real date, as YYYY-MM-DD."},
		{"minimum", `{"type":"object","properties":{"n":{"type":"number","minimum":0.5,"title":"Jours"}}}`, `{"n":0}`,
			"n", "« Jours » doit être supérieur ou égal à 0,5.", "“Jours” must be 0.5 or more."},
		{"exclusiveMinimum", `{"type":"object","properties":{"m":{"type":"number","exclusiveMinimum":0,"title":"Montant"}}}`, `{"m":0}`,
			"m", "« Montant » doit être strictement supérieur à 0.", "“Montant” must be more than 0."},
		{"maximum", `{"type":"object","properties":{"m":{"type":"number","maximum":150000,"title":"Montant"}}}`, `{"m":150001}`,
			"m", "« Montant » doit être inférieur ou égal à 150\u00a0000.", "“Montant” must be 150000 or less."},
		{"exclusiveMaximum", `{"type":"object","properties":{"m":{"type":"number","exclusiveMaximum":10,"title":"Note"}}}`, `{"m":10}`,
			"m", "« Note » doit être strictement inférieur à 10.", "“Note” must be less than 10."},
		{"multipleOf", `{"type":"object","properties":{"j":{"type":"number","multipleOf":0.5,"title":"Jours"}}}`, `{"j":1.2}`,
			"j", "« Jours » doit être un multiple de 0,5.", "“Jours” must be a multiple of 0.5."},
		{
			"multipleOf cents",
			`{"type":"object","properties":{"m":{"type":"number","multipleOf":0.01,"title":"Montant"}}}`,
			`{"m":1.234}`,
			"m",
			"« Montant » s'écrit avec deux décimales au plus, les centimes, par exemple 1 500,50.",
			"“Montant” takes two decimals at most, the cents, like 1500.50.",
		},
		{
			"past-date",
			`{"type":"object","properties":{"d":{"type":"string","format":"past-date","title":"Date de naissance"}}}`,
			`{"d":"2999-01-01"}`,
			"d",
			"« Date de naissance » doit être une date réelle qui n'est pas dans l'avenir, au format AAAA-MM-JJ.",
			"“Date de naissance” must be a real date that is not in the future, as YYYY-MM-DD.",
		},
		{"minItems", `{"type":"object","properties":{"t":{"type":"array","minItems":1,"title":"Trajets"}}}`, `{"t":[]}`,
			"t", "« Trajets » doit comporter au moins 1 élément.", "“Trajets” needs at least 1 item."},
		{"maxItems", `{"type":"object","properties":{"t":{"type":"array","maxItems":2,"title":"Trajets"}}}`, `{"t":[1,2,3]}`,
			"t", "« Trajets » doit comporter au plus 2 éléments.", "“Trajets” takes at most 2 items."},
		{"uniqueItems", `{"type":"object","properties":{"l":{"type":"array","uniqueItems":true,"title":"Langues"}}}`, `{"l":["fr","fr"]}`,
			"l", "« Langues » ne doit pas contenir deux fois la même réponse.", "“Langues” must not contain the same answer twice."},
		{"additionalProperties", `{"type":"object","additionalProperties":false,"properties":{}}`, `{"intrus":1}`,
			"intrus", "Le champ « intrus » n'existe pas dans ce formulaire.", "“intrus” is not a field of this form."},
		{
			"oneOf",
			`{"type":"object","properties":{"classe":{"type":"string","title":"Classe","oneOf":[{"const":"6e"},{"const":"5e"}]}}}`,
			`{"classe":"7e"}`,
			"classe",
			"« Classe » ne correspond à aucune des possibilités prévues.",
			"“Classe” matches none of the expected possibilities.",
		},
		{"anyOf", `{"type":"object","properties":{"v":{"title":"Valeur","anyOf":[{"type":"string"},{"type":"integer"}]}}}`, `{"v":1.5}`,
			"v", "« Valeur » ne correspond à aucune des possibilités prévues.", "“Valeur” matches none of the expected possibilities."},
		{"not", `{"type":"object","properties":{"c":{"title":"Commune","not":{"const":"Paris"}}}}`, `{"c":"Paris"}`,
			"c", "Cette réponse n'est pas acceptée pour « Commune ».", "This answer is not accepted for “Commune”."},
		{
			"dependencies",
			`{"type":"object","dependencies":{"conjoint":["conjointNom"]},"properties":{"conjointNom":{"type":"string","title":"Nom du conjoint"}}}`,
			`{"conjoint":true}`,
			"conjointNom",
			"Le champ « Nom du conjoint » est obligatoire.",
			"“Nom du conjoint” is required.",
		},
		{
			"if then",
			`{"type":"object","properties":{"boursier":{"type":"boolean"},"echelon":{"type":"integer","title":"Échelon"}},` +
				`"if":{"properties":{"boursier":{"const":true}},"required":["boursier"]},"then":{"required":["echelon"]}}`,
			`{"boursier":true}`,
			"echelon",
			"Le champ « Échelon » est obligatoire.",
			"“Échelon” is required.",
		},
		{
			"array item",
			`{"type":"object","properties":{"enfants":{"type":"array","title":"Enfants","items":{"type":"object","required":["nom"],` +
				`"properties":{"nom":{"type":"string","title":"Nom"}}}}}}`,
			`{"enfants":[{"nom":"A"},{}]}`,
			"enfants[1].nom",
			"Le champ « Nom (Enfants n° 2) » est obligatoire.",
			"“Nom (Enfants n° 2)” is required.",
		},
		{
			"nested object",
			`{"type":"object","properties":{"contact":{"type":"object","properties":{"email":{"type":"string","format":"email",` +
				`"title":"Courriel"}}}}}`,
			`{"contact":{"email":"x"}}`,
			"contact.email",
			"« Courriel » doit être une adresse électronique, par exemple prenom.nom@exemple.fr.",
			"“Courriel” must be an email address, like name@example.com.",
		},
		{"untitled field", `{"type":"object","required":["code_postal"]}`, `{}`,
			"code_postal", "Le champ « code_postal » est obligatoire.", "“code_postal” is required."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fields := fieldErrors(t, mustCompile(t, c.schema), c.data)
			if len(fields) != 1 {
				t.Fatalf("want one field error, got %+v", fields)
			}
			f := fields[0]
			if f.Location != c.location {
				t.Errorf("location = %q, want %q", f.Location, c.location)
			}
			if got := f.Message.In(locale.French); got != c.fr {
				t.Errorf("French = %q\n            want %q", got, c.fr)
			}
			if got := f.Message.In(locale.English); got != c.en {
				t.Errorf("English = %q\n             want %q", got, c.en)
			}
		})
	}
}

func TestValidateReportsOneErrorPerFieldInFormOrder(t *testing.T) {
	c := mustCompile(t, `{"type":"object","required":["c","a","b"],"properties":{
		"a":{"type":"string","minLength":3,"pattern":"^z"},"b":{"type":"string"},"c":{"type":"string"}}}`)
	c.UISchema = json.RawMessage(`{"ui:order":["c","*","a"]}`)
	fields := fieldErrors(t, c, `{"a":"xx"}`)
	var got []string
	for _, f := range fields {
		got = append(got, f.Location)
	}
	if strings.Join(got, ",") != "c,b,a" {
		t.Errorf("locations = %v, want c,b,a: one per field, in ui:order", got)
	}
}

func TestValidateKeepsTextUnchanged(t *testing.T) {
	c := mustCompile(t, `{"type":"object","properties":{"nom":{"type":"string","maxLength":5,"title":"Nom — « usuel »"}}}`)
	fields := fieldErrors(t, c, `{"nom":"Şükrü Yılmaz-Lefèvre"}`)
	if fields[0].Value != "Şükrü Yılmaz-Lefèvre" {
		t.Errorf("value = %q", fields[0].Value)
	}
	if !strings.Contains(fields[0].Message.FR, "« Nom — « usuel » »") {
		t.Errorf("message = %q", fields[0].Message.FR)
	}
	if err := c.Validate(json.RawMessage(`{"nom":"Œ€ıĞ"}`)); err != nil {
		t.Errorf("valid non-Latin-1 text refused: %v", err)
	}
}

func TestRouteTakesTheFirstMatchingRule(t *testing.T) {
	v := Version{Form: Form{
		Schema: json.RawMessage(`{"type":"object"}`),
		Routing: Routing{Default: "accueil", Rules: []Rule{
			{When: json.RawMessage(`{"properties":{"commune":{"enum":["Thionville","Yutz"]}},"required":["commune"]}`), Department: "thionville"},
			{When: json.RawMessage(`{"properties":{"montant":{"exclusiveMinimum":500}},"required":["montant"]}`), Department: "finances"},
			{When: json.RawMessage(`{"properties":{"commune":{"const":"Yutz"}},"required":["commune"]}`), Department: "jamais"},
		}},
	}}
	c, err := compile(v)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		`{"commune":"Yutz","montant":900}`: "thionville",
		`{"commune":"Yutz"}`:               "thionville",
		`{"commune":"Metz","montant":900}`: "finances",
		`{"commune":"Metz","montant":500}`: "accueil",
		`{}`:                               "accueil",
	}
	for data, want := range cases {
		if got := c.Route(json.RawMessage(data)); got != want {
			t.Errorf("Route(%s) = %s, want %s", data, got, want)
		}
	}
}

// However many answers are wrong, at most MaxFieldErrors are returned.
func TestValidateBoundsTheErrors(t *testing.T) {
	c := mustCompile(t, `{"type":"object","properties":{"notes":{"type":"array","title":"Notes","items":{"type":"integer"}}}}`)
	data := `{"notes":[` + strings.TrimSuffix(strings.Repeat(`"x",`, 1000), ",") + `]}`
	if n := len(fieldErrors(t, c, data)); n != MaxFieldErrors {
		t.Errorf("%d errors returned, want %d", n, MaxFieldErrors)
	}
}

// Patterns run on Go's RE2 engine, in time linear in the answer: a
// pattern that makes backtracking engines run for ages, on a long answer
// that almost matches, is answered like any other.
func TestPatternsCannotBacktrack(t *testing.T) {
	c := mustCompile(t, `{"type":"object","properties":{"code":{"type":"string","title":"Code","pattern":"^(a+)+$"}}}`)
	data := `{"code":"` + strings.Repeat("a", 50000) + `!"}`
	if errs := fieldErrors(t, c, data); len(errs) != 1 || errs[0].Location != "code" {
		t.Errorf("errors = %+v", errs)
	}
}
