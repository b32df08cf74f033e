package builder

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/guichet/guichet/schemas"
)

func ptr[T any](v T) *T { return &v }

// Every field of the catalogue makes a schema that compiles, passes the
// lint, and validates what a person would answer.
func TestCatalogue(t *testing.T) {
	fields := []FieldSpec{
		{Type: ShortText, Name: "nom", Label: "Nom", Required: true, MaxLength: ptr(100)},
		{Type: ShortText, Name: "cp", Label: "Code postal", Pattern: "^57[0-9]{3}$", PatternMessage: "Saisissez un code postal de la Moselle."},
		{Type: LongText, Name: "projet", Label: "Projet", MinLength: ptr(10)},
		{Type: EmailAddress, Name: "email", Label: "Courriel", Required: true},
		{Type: PhoneFR, Name: "tel", Label: "Téléphone", Hint: "Par exemple 03 87 37 57 57"},
		{Type: Number, Name: "enfants", Label: "Nombre d'enfants", Minimum: ptr(0.0), Maximum: ptr(20.0)},
		{Type: AmountEUR, Name: "montant", Label: "Montant demandé (€)"},
		{Type: CalculatedAmount, Name: "par_enfant", Label: "Montant par enfant", Calculate: "montant / enfants"},
		{Type: CalculatedNumber, Name: "duree", Label: "Durée en jours", Calculate: "days(naissance, debut)"},
		{Type: Date, Name: "debut", Label: "Date de début"},
		{Type: PastDate, Name: "naissance", Label: "Date de naissance"},
		{Type: YesNo, Name: "boursier", Label: "Boursier"},
		{Type: SingleChoice, Name: "domaine", Label: "Domaine", Choices: []Choice{{"culture", "Culture"}, {"sport", "Sport"}}},
		{Type: MultipleChoice, Name: "aides", Label: "Aides perçues", Choices: []Choice{{"apl", "APL"}, {"rsa", "RSA"}}},
		{Type: Commune, Name: "commune", Label: "Commune", Required: true},
		{Type: PostalAddress, Name: "adresse", Label: "Adresse"},
		{Type: SIRET, Name: "siret", Label: "SIRET"},
		{Type: IBAN, Name: "iban", Label: "IBAN"},
		{Type: FileUpload, Name: "justificatif", Label: "Justificatif"},
		{Type: Heading, Name: "titre_association", Label: "Votre association"},
		{Type: Paragraph, Name: "aide", Label: "Pièces", Hint: "Préparez vos statuts et votre dernier bilan."},
		{Type: RepeatGroup, Name: "membres", Label: "Membres du bureau", Maximum: ptr(5.0), Fields: []FieldSpec{
			{Type: ShortText, Name: "nom", Label: "Nom", Required: true},
			{Type: EmailAddress, Name: "email", Label: "Courriel"},
		}},
	}
	covered := map[FieldType]bool{}
	for _, f := range fields {
		covered[f.Type] = true
	}
	for _, ft := range Catalogue {
		if !covered[ft] {
			t.Errorf("the test leaves out %s", ft)
		}
	}
	schema, ui, err := Assemble(fields)
	if err != nil {
		t.Fatal(err)
	}
	rawSchema, _ := json.Marshal(schema)
	rawUI, _ := json.Marshal(ui)
	form := schemas.Form{
		ID:       "essai",
		Title:    "Essai",
		Audience: schemas.Public,
		Schema:   rawSchema,
		UISchema: rawUI,
		Routing:  schemas.Routing{Default: "accueil"},
	}
	if problems := Lint(form); len(problems) > 0 {
		t.Fatalf("the catalogue's fields fail the lint: %+v", problems)
	}
	compiled, err := schemas.Preview(form)
	if err != nil {
		t.Fatal(err)
	}
	if order := schemas.PropertyOrder(rawSchema, rawUI); !slices.Equal(order[:3], []string{"nom", "cp", "projet"}) {
		t.Errorf("order = %v", order)
	}
	valid := `{"nom":"Weber","projet":"Un projet culturel","email":"a@example.fr","tel":"03 87 37 57 57","enfants":2,
		"montant":1500.5,"debut":"2027-01-01","naissance":"1990-07-14","boursier":true,"domaine":"culture","aides":["apl"],"commune":"57463",
		"adresse":{"rue":"1 rue du Pont-des-Morts","codePostal":"57000","commune":"Metz"},"siret":"73282932000074",
		"iban":"FR7630006000011234567890189","justificatif":"data:application/pdf;name=a.pdf;base64,JVBERg==",
		"membres":[{"nom":"Klein"}]}`
	calculated, err := compiled.Calculate(json.RawMessage(valid))
	if err != nil || !strings.Contains(string(calculated), `"par_enfant":750.25`) || !strings.Contains(string(calculated), `"duree":13320`) {
		t.Errorf("the calculated fields: %s %v", calculated, err)
	}
	if err := compiled.Validate(calculated); err != nil {
		t.Errorf("valid answers refused: %v", err)
	}
	err = compiled.Validate(json.RawMessage(`{"nom":"W","cp":"75001","email":"a@example.fr","commune":"75056","siret":"12345678901234",` +
		`"montant":1.234,"naissance":"2999-01-01","membres":[{},{},{},{},{},{}]}`))
	var invalid *schemas.ValidationError
	if !errors.As(err, &invalid) {
		t.Fatalf("invalid answers accepted: %v", err)
	}
	got := map[string]bool{}
	for _, f := range invalid.Fields {
		got[f.Location] = true
	}
	for _, want := range []string{"commune", "siret", "montant", "naissance", "membres", "cp"} {
		if !got[want] {
			t.Errorf("no error at %s: %+v", want, invalid.Fields)
		}
	}
	for _, f := range invalid.Fields {
		if f.Location == "cp" && f.Message.FR != "Saisissez un code postal de la Moselle." {
			t.Errorf("pattern message = %q", f.Message.FR)
		}
	}
	codes, names := communes()
	if len(codes) != 725 || !slices.Contains(names, "Montigny-lès-Metz") {
		t.Errorf("%d communes", len(codes))
	}
	if _, _, err := Assemble([]FieldSpec{{Type: "dessin", Name: "x", Label: "X"}}); err == nil {
		t.Error("an unknown field type was accepted")
	}
	if _, _, err := Assemble([]FieldSpec{{Type: ShortText, Name: "a", Label: "A"}, {Type: ShortText, Name: "a", Label: "B"}}); err == nil {
		t.Error("two fields with one name were accepted")
	}
}

// The communes read in French order: accented names among their letter,
// not after Z.
func TestCommunesInFrenchOrder(t *testing.T) {
	_, names := communes()
	at := func(name string) int { return slices.Index(names, name) }
	for _, pair := range [][2]string{{"Bébing", "Bréhain"}, {"Ébersviller", "Entrange"}, {"Œting", "Ottange"}, {"Évrange", "Zoufftgen"}} {
		if a, b := at(pair[0]), at(pair[1]); a < 0 || b < 0 || a > b {
			t.Errorf("%s at %d, %s at %d", pair[0], a, pair[1], b)
		}
	}
}
