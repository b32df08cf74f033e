package schemas

import (
	"encoding/json"
	"slices"
	"testing"
)

// The applicant and the inbox's summary are read through the marks of
// the uiSchema, in groups too; a list's fields are never marked.
func TestApplicantAndSummaryFromMarks(t *testing.T) {
	c, err := compile(Version{Form: Form{
		Schema: json.RawMessage(`{"type":"object","properties":{
			"responsable":{"type":"object","properties":{
				"nom":{"type":"string","title":"Nom"},"prenom":{"type":"string","title":"Prénom"}}},
			"adresse":{"type":"string","title":"Adresse"},
			"cp":{"type":"string","title":"Code postal"},
			"commune":{"type":"string","title":"Commune","oneOf":[{"const":"thionville","title":"Thionville"}]},
			"enfants":{"type":"array","items":{"type":"object","properties":{"nom":{"type":"string"}}}}}}`),
		UISchema: json.RawMessage(`{
			"responsable":{"nom":{"ui:autocomplete":"family-name"},"prenom":{"ui:autocomplete":"given-name"}},
			"adresse":{"ui:autocomplete":"street-address"},"cp":{"ui:autocomplete":"postal-code"},
			"commune":{"ui:autocomplete":"address-level2","ui:summary":true},
			"enfants":{"items":{"nom":{"ui:autocomplete":"name"}}}}`),
	}})
	if err != nil {
		t.Fatal(err)
	}
	data := json.RawMessage(`{"responsable":{"nom":"Klein","prenom":"Anne"},"adresse":"12 rue des Jardins\nBâtiment B",
		"cp":"57100","commune":"thionville","enfants":[{"nom":"Léo"}]}`)
	a := c.Applicant(data)
	if a.Name != "Anne Klein" || !slices.Equal(a.Address, []string{"12 rue des Jardins", "Bâtiment B", "57100 Thionville"}) {
		t.Errorf("applicant: %+v", a)
	}
	if got := c.Summary(data); len(got) != 1 || got[0].Label != "Commune" || got[0].Value != "Thionville" {
		t.Errorf("summary: %+v", got)
	}
	if a := c.Applicant(json.RawMessage(`{}`)); a.Name != "" || len(a.Address) != 0 {
		t.Errorf("nothing answered, yet: %+v", a)
	}
}
