package privacy

import (
	"encoding/json"
	"testing"
)

func TestMentions(t *testing.T) {
	for data, want := range map[string]bool{
		`{"email": "ines.muller@example.fr"}`:                   true,
		`{"contact": {"courriel": " Ines.Muller@Example.FR "}}`: true,
		`{"enfants": [{"parent": "ines.muller@example.fr"}]}`:   true,
		`{"email": "paul.ines.muller@example.fr"}`:              false,
		`{"note": "écrire à ines.muller@example.fr"}`:           false,
		`{"nombre": 3, "oui": true, "rien": null}`:              false,
		`pas du JSON`: false,
	} {
		if got := Mentions(json.RawMessage(data), "ines.muller@example.fr"); got != want {
			t.Errorf("Mentions(%s) = %v, want %v", data, got, want)
		}
	}
	if Mentions(json.RawMessage(`{"email": ""}`), "") {
		t.Error("an empty address matches")
	}
}
