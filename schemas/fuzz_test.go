package schemas

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// fuzzForm is a form with a field of each kind the validation speaks of.
const fuzzForm = `{"type":"object","required":["nom"],"properties":{
	"nom":{"type":"string","title":"Nom","minLength":1,"maxLength":50,"pattern":"^[^0-9]*$","x-patternMessage":"Sans chiffres"},
	"courriel":{"type":"string","format":"email","title":"Courriel"},
	"siret":{"type":"string","format":"siret","title":"SIRET"},
	"iban":{"type":"string","format":"iban","title":"IBAN"},
	"age":{"type":"integer","minimum":0,"title":"Âge"},
	"commune":{"type":"string","enum":["Metz","Thionville"],"title":"Commune"},
	"enfants":{"type":"array","maxItems":3,"items":{"type":"object","properties":{"prenom":{"type":"string","title":"Prénom"}}}}},
	"allOf":[{"if":{"properties":{"commune":{"const":"Metz"}},"required":["commune"]},"then":{"required":["courriel"]}}]}`

// Validating any data against a compiled form never panics, and each
// refusal names its problems with messages in both languages.
func FuzzValidate(f *testing.F) {
	form, err := Preview(Form{
		ID:       "fuzz",
		Title:    "Fuzz",
		Audience: Public,
		Schema:   json.RawMessage(fuzzForm),
		Routing:  Routing{Default: "accueil"},
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		`{"nom":"Weber"}`,
		`{"nom":"W3ber","commune":"Metz"}`,
		`{"enfants":[{},{},{},{}]}`,
		`[]`,
		`null`,
		`{"age":1.5,"siret":"123"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := form.Validate(data)
		var invalid *ValidationError
		if err != nil && asValidation(err, &invalid) {
			for _, field := range invalid.Fields {
				if field.Message.FR == "" || field.Message.EN == "" {
					t.Fatalf("a field error without message: %+v", field)
				}
			}
		}
		_ = form.Route(data)
		_ = form.Answers(data)
	})
}

func asValidation(err error, target **ValidationError) bool {
	v, ok := err.(*ValidationError)
	*target = v
	return ok
}

// Compiling any schema never panics and never reads anything outside it:
// a refused schema says why.
func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		fuzzForm,
		`{"$ref":"file:///etc/passwd"}`,
		`{"$ref":"#/definitions/a","definitions":{"a":{"$ref":"#/definitions/a"}}}`,
		`{"type":"string","pattern":"(a+)+$"}`,
		`{"enum":[1,2,3]}`,
		`{"$id":"http://example.org/x"}`,
		`true`,
		`{"items":[{"$ref":"http://x"}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		compiled, err := Compile(raw, "schema")
		if err != nil {
			var problems *DefinitionError
			if d, ok := err.(*DefinitionError); ok {
				problems = d
			}
			if problems == nil || len(problems.Problems) == 0 {
				t.Fatalf("refused without a reason: %v", err)
			}
			return
		}
		_ = Matches(compiled, json.RawMessage(`{"a":1}`))
	})
}

// References that would send validation round in circles are refused;
// recursion through the data's own structure is not.
func TestCircularReferences(t *testing.T) {
	for _, raw := range []string{
		`{"$ref":"#"}`,
		`{"$ref":"#swd"}`,
		`{"$ref":"#/definitions/a","definitions":{"a":{"$ref":"#/definitions/a"}}}`,
		`{"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"allOf":[{"$ref":"#/definitions/a"}]}},` +
			`"properties":{"x":{"$ref":"#/definitions/a"}}}`,
		`{"allOf":[{"$ref":"#"}]}`,
		`{"properties":{"x":{"not":{"$ref":"#/properties/x"}}}}`,
	} {
		if _, err := Compile(json.RawMessage(raw), "schema"); err == nil || !strings.Contains(err.Error(), "circular") {
			t.Errorf("%s: %v", raw, err)
		}
	}
	tree := `{"type":"object","properties":{"nom":{"type":"string"},"enfants":{"type":"array","items":{"$ref":"#"}}}}`
	compiled, err := Compile(json.RawMessage(tree), "schema")
	if err != nil {
		t.Fatalf("a recursive tree is refused: %v", err)
	}
	if !Matches(compiled, json.RawMessage(`{"nom":"a","enfants":[{"nom":"b","enfants":[]}]}`)) {
		t.Error("the tree does not validate")
	}
}

// One compiled form serves 64 goroutines at once, as the API does.
func TestConcurrentValidation(t *testing.T) {
	form, err := Preview(Form{
		ID:       "fuzz",
		Title:    "Fuzz",
		Audience: Public,
		Schema:   json.RawMessage(fuzzForm),
		Routing:  Routing{Default: "accueil"},
	})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 64)
	for i := range 64 {
		go func() {
			data := json.RawMessage(`{"nom":"Weber","commune":"Metz","courriel":"a@b.fr"}`)
			if i%2 == 1 {
				data = json.RawMessage(`{"nom":"W3ber","commune":"Metz","courriel":"a@b.fr"}`)
			}
			for range 50 {
				err := form.Validate(data)
				if (i%2 == 0) != (err == nil) {
					errs <- fmt.Errorf("goroutine %d: %v", i, err)
					return
				}
				_ = form.Answers(data)
				_ = form.Route(data)
			}
			errs <- nil
		}()
	}
	for range 64 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
