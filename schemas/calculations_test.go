package schemas

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// Calculated fields replace what was sent, read other calculated fields,
// round to their multipleOf, and stay out while an input is unanswered;
// one that reads itself, is no number or does not parse is refused.
func TestCalculations(t *testing.T) {
	claim := Form{ID: "frais", Title: "Frais", Audience: Internal, Routing: Routing{Default: "rh"},
		Schema: json.RawMessage(`{"type":"object","properties":{
			"trajets":{"type":"array","items":{"type":"object","properties":{"km":{"type":"number"}}}},
			"bareme":{"type":"number"},
			"repas":{"type":"number"},
			"debut":{"type":"string","format":"date"},"fin":{"type":"string","format":"date"},
			"indemnite":{"type":"number","multipleOf":0.01,"readOnly":true,"x-calculate":"sum(trajets, .km) * bareme"},
			"total":{"type":"number","multipleOf":0.01,"readOnly":true,"x-calculate":"indemnite + repas"},
			"jours":{"type":"number","readOnly":true,"x-calculate":"days(debut, fin) + 1"}}}`)}
	c, err := compile(Version{Form: claim})
	if err != nil {
		t.Fatal(err)
	}
	for data, want := range map[string]string{
		`{"trajets":[{"km":12.5},{"km":30}],"bareme":0.35,"repas":17.5,"total":1}`: `"indemnite":14.88,"repas":17.5,"total":32.38`,
		`{"trajets":[{"km":12.5}],"bareme":0.35}`:                                  `"bareme":0.35,"indemnite":4.38,"trajets"`,
		`{"debut":"2026-03-02","fin":"2026-03-06"}`:                                `"fin":"2026-03-06","jours":5}`,
		`{"repas":17.5,"indemnite":1000}`:                                          `{"repas":17.5}`,
	} {
		got, err := c.Calculate(json.RawMessage(data))
		if err != nil || !strings.Contains(string(got), want) {
			t.Errorf("%s: %s %v, want %s", data, got, err, want)
		}
	}
	for _, bad := range []string{
		`{"type":"number","x-calculate":"total + 1"}`,
		`{"type":"string","x-calculate":"1 + 1"}`,
		`{"type":"number","x-calculate":"repas +"}`,
	} {
		f := claim
		f.Schema = json.RawMessage(`{"type":"object","properties":{"repas":{"type":"number"},"total":` + bad + `}}`)
		var definition *DefinitionError
		_, err := compile(Version{Form: f})
		if !errors.As(err, &definition) || definition.Problems[0].Location != "schema.properties.total.x-calculate" {
			t.Errorf("%s taken: %v", bad, err)
		}
	}
}

// Calculations that read each other in a circle are refused.
func TestCalculationsInACircle(t *testing.T) {
	f := Form{ID: "cercle", Title: "Cercle", Audience: Public, Routing: Routing{Default: "rh"},
		Schema: json.RawMessage(`{"type":"object","properties":{"a":{"type":"number","x-calculate":"b + 1"},` +
			`"b":{"type":"number","x-calculate":"a + 1"}}}`)}
	var definition *DefinitionError
	if _, err := compile(Version{Form: f}); !errors.As(err, &definition) || len(definition.Problems) != 2 {
		t.Errorf("a circle taken: %v", err)
	}
}
