package schemas

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// Every text of a form has its key, labels, help, choices, steps and
// checks included, in groups and branches too; a version is published in
// a language only when all are translated, and it then reads in it, with
// its errors.
func TestTranslations(t *testing.T) {
	f := Form{ID: "frais", Title: "Frais de mission", Audience: Public, Routing: Routing{Default: "rh"},
		Schema: json.RawMessage(`{"type":"object","required":["motif"],"properties":{
			"motif":{"type":"string","title":"Motif","minLength":1},
			"moyen":{"type":"string","title":"Moyen","oneOf":[{"const":"train","title":"Train"},{"const":"voiture","title":"Voiture"}]},
			"trajets":{"type":"array","title":"Trajets","items":{"type":"object","properties":{"km":{"type":"number","title":"Kilomètres"}}}}},
			"allOf":[{"if":{"properties":{"moyen":{"const":"voiture"}},"required":["moyen"]},
				"then":{"properties":{"plaque":{"type":"string","title":"Immatriculation"}}}}]}`),
		UISchema: json.RawMessage(`{"motif":{"ui:help":"En quelques mots."},"ui:steps":[{"title":"La mission","fields":["motif","moyen"]},` +
			`{"title":"Les trajets","fields":["trajets"]}]}`),
		Checks: []CrossCheck{{Expr: "len(motif) < 200", Field: "motif", MessageFR: "Motif trop long."}},
	}
	var keys []string
	for _, text := range Texts(f) {
		keys = append(keys, text.Key+"="+text.French)
	}
	want := "title=Frais de mission motif=Motif motif.help=En quelques mots. moyen=Moyen moyen=train=Train moyen=voiture=Voiture " +
		"plaque=Immatriculation trajets=Trajets trajets.km=Kilomètres step.1=La mission step.2=Les trajets check.1=Motif trop long."
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("texts:\n%s\nwant\n%s", got, want)
	}

	f.Languages = []string{"en"}
	f.Translations = map[string]map[string]string{"en": {"title": "Mission expenses", "motif": "Purpose", "motif.help": "In a few words.",
		"moyen": "Means", "moyen=train": "Train", "moyen=voiture": "Car", "plaque": "Registration", "trajets": "Journeys",
		"trajets.km": "Kilometres", "step.1": "The mission", "step.2": "The journeys"}}
	untranslated := &DefinitionError{}
	checkLanguages(f, untranslated)
	if len(untranslated.Problems) != 1 || !strings.Contains(untranslated.Problems[0].Message.FR, "Motif trop long") {
		t.Errorf("an incomplete translation taken: %v", untranslated.Problems)
	}
	f.Translations["en"]["check.1"] = "Purpose too long."
	c, err := compile(Version{Form: f})
	if err != nil {
		t.Fatal(err)
	}
	en := c.In("en")
	if en.Title != "Mission expenses" || en.Language() != "en" || en.In("en") != en || en.In("fr") != c || c.In("de") != c {
		t.Errorf("the English version: %q %q", en.Title, en.Language())
	}
	answers := en.Answers(json.RawMessage(`{"motif":"Colloque","moyen":"voiture","plaque":"AB-123-CD","trajets":[{"km":12}]}`))
	var got []string
	for _, a := range answers {
		got = append(got, a.Label+": "+a.Value)
	}
	if s := strings.Join(got, " | "); !strings.Contains(s, "Purpose: Colloque") || !strings.Contains(s, "Means: Car") ||
		!strings.Contains(s, "Registration: AB-123-CD") || !strings.Contains(s, "Kilometres: 12") {
		t.Errorf("the answers in English: %s", s)
	}
	var invalid *ValidationError
	if !errors.As(en.Validate(json.RawMessage(`{}`)), &invalid) || !strings.Contains(invalid.Fields[0].Message.EN, "Purpose") {
		t.Errorf("the errors in English: %v", invalid)
	}
}
