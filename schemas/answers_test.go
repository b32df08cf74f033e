package schemas

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestAnswersFollowUIOrderWithLabels(t *testing.T) {
	c := mustCompile(t, `{"type":"object","properties":{
		"commentaire":{"type":"string","title":"Commentaire"},
		"type":{"type":"string","title":"Type de congé","oneOf":[{"const":"ca","title":"Congé annuel"}]},
		"debut":{"type":"string","format":"date","title":"Premier jour"},
		"demi":{"type":"boolean","title":"Demi-journée"},
		"trajets":{"type":"array","title":"Trajets","items":{"type":"object","properties":{
			"km":{"type":"number","title":"Kilomètres"},"depart":{"type":"string","title":"Départ"}}}},
		"langues":{"type":"array","title":"Langues","items":{"enum":["fr","de"],"enumNames":["Français","Allemand"]}}
	}}`)
	c.UISchema = json.RawMessage(`{"ui:order":["type","debut","*","commentaire"],"trajets":{"items":{"ui:order":["depart","km"]}}}`)
	data := `{"commentaire":"Œuvre « sociale » — 5 €","type":"ca","debut":"2026-12-24","demi":false,
		"trajets":[{"km":12.5,"depart":"Metz"},{"depart":"Forbach","km":3}],"langues":["fr","de"],"autre":"x"}`
	var lines []string
	for _, a := range c.Answers(json.RawMessage(data)) {
		lines = append(lines, fmt.Sprintf("%d|%s|%s|%v", a.Depth, a.Label, a.Value, a.Heading))
	}
	want := []string{
		"0|Type de congé|Congé annuel|false",
		"0|Premier jour|24/12/2026|false",
		"0|Demi-journée|Non|false",
		"0|Trajets n° 1||true",
		"1|Départ|Metz|false",
		"1|Kilomètres|12,5|false",
		"0|Trajets n° 2||true",
		"1|Départ|Forbach|false",
		"1|Kilomètres|3|false",
		"0|Langues|Français, Allemand|false",
		"0|Commentaire|Œuvre « sociale » — 5 €|false",
		"0|autre|x|false",
	}
	if got := strings.Join(lines, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("answers:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

// A conditional answer stays right after the answer that decides it, as
// on the form, and not after the groups that follow.
func TestConditionalAnswersFollowTheirTrigger(t *testing.T) {
	c := mustCompile(t, `{"type":"object","properties":{
		"adresse":{"type":"object","title":"Adresse","properties":{
			"rue":{"type":"string","title":"Rue"},"code":{"type":"string","title":"Code postal"}}},
		"situation":{"type":"string","title":"Situation","enum":["seul","couple"]},
		"enfants":{"type":"array","title":"Enfant","items":{"type":"object","properties":{"prenom":{"type":"string","title":"Prénom"}}}}
	},
	"if":{"properties":{"situation":{"const":"couple"}},"required":["situation"]},
	"then":{"properties":{"conjoint":{"type":"string","title":"Conjoint"}}}}`)
	data := `{"adresse":{"rue":"27 boulevard Foch","code":"57100"},"situation":"couple","conjoint":"Jean","enfants":[{"prenom":"Zoé"}]}`
	var labels []string
	for _, a := range c.Answers(json.RawMessage(data)) {
		labels = append(labels, a.Label)
	}
	if got := strings.Join(labels, "|"); got != "Adresse|Rue|Code postal|Situation|Conjoint|Enfant n° 1|Prénom" {
		t.Errorf("answers: %s", got)
	}
}
