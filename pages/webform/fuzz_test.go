package webform

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/guichet/guichet/internal/platform/locale"
)

const fuzzSchema = `{"type":"object","required":["nom"],"properties":{
	"nom":{"type":"string","title":"Nom"},
	"age":{"type":"integer","title":"Âge"},
	"commune":{"type":"string","enum":["Metz","Thionville"],"title":"Commune"},
	"aides":{"type":"array","uniqueItems":true,"items":{"enum":["apl","rsa"]},"title":"Aides"},
	"certifie":{"type":"boolean","title":"Je certifie"},
	"adresse":{"type":"object","properties":{"ville":{"type":"string","title":"Ville"}},"title":"Adresse"},
	"enfants":{"type":"array","maxItems":3,"items":{"type":"object","properties":{"prenom":{"type":"string","title":"Prénom"}}},
		"title":"Enfants"}},
	"allOf":[{"if":{"properties":{"certifie":{"const":true}},"required":["certifie"]},"then":{"properties":{"date":{"type":"string",
		"format":"date","title":"Date"}}}}]}`

// Any answers, however shaped, build the form's fields, and any post
// parses into answers, without panicking.
func FuzzFormRendering(f *testing.F) {
	for _, seed := range []string{
		`{"nom":"Weber","enfants":[{"prenom":"Zoé"}]}`,
		`{"enfants":"pas une liste","adresse":[1,2]}`,
		`{"aides":[1,{"x":2}],"age":"douze"}`,
		`[]`,
		`{"certifie":true,"date":5}`,
	} {
		f.Add([]byte(seed), "nom=Weber&enfants._n=2&enfants.0.prenom=A&age=12&_action=add:enfants")
	}
	f.Fuzz(func(t *testing.T, data []byte, post string) {
		var answers map[string]any
		_ = json.Unmarshal(data, &answers)
		if answers == nil {
			answers = map[string]any{}
		}
		fc := fieldContext{errs: map[string]string{"nom": "obligatoire"}, lang: locale.French}
		fields := buildFields(json.RawMessage(fuzzSchema), nil, answers, "", fc)
		_ = summary(fields)
		_ = hasFiles(fields)
		values, err := url.ParseQuery(post)
		if err != nil {
			return
		}
		parsed := parseObject(json.RawMessage(fuzzSchema), nil, posted{values: values}, "")
		dropHidden(json.RawMessage(fuzzSchema), parsed)
		applyAction(parsed, values.Get("_action"))
		if _, err := json.Marshal(parsed); err != nil {
			t.Fatalf("parsed answers do not encode: %v", err)
		}
	})
}

// Numbers typed the French way are read as numbers; what does not read
// as one stays as typed, for validation to report.
func TestTypedNumbers(t *testing.T) {
	for typed, want := range map[string]any{
		"2 500,50": 2500.5, "2\u00a0500,5": 2500.5, "2\u202f500": int64(2500), "1500.25": 1500.25, "-3": int64(-3),
		"beaucoup": "beaucoup", "2.500,50": "2.500,50",
	} {
		if got := typedScalar("number", typed); got != want {
			t.Errorf("typedScalar(%q) = %#v, want %#v", typed, got, want)
		}
	}
}
