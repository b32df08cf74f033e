package schemas

import (
	"encoding/json"
	"errors"
	"testing"
)

// A check across answers says its message at its field when it fails,
// waits for the fields it names to be answered, and is refused at
// publication when it does not compile, names no field of the form, or
// calls a function that could take long.
func TestCrossChecks(t *testing.T) {
	leave := Form{ID: "conges", Title: "Congés", Audience: Internal, Routing: Routing{Default: "rh"},
		Schema: json.RawMessage(`{"type":"object","properties":{"debut":{"type":"string","format":"date","title":"Début"},` +
			`"fin":{"type":"string","format":"date","title":"Fin"},"jours":{"type":"number","title":"Jours"}}}`),
		Checks: []CrossCheck{
			{Expr: "fin >= debut", Field: "fin", MessageFR: "La fin précède le début.", MessageEN: "The end is before the start."},
			{Expr: "jours <= 30", Field: "jours", MessageFR: "30 jours au plus.", MessageEN: "30 days at most."},
		}}
	c, err := compile(Version{Form: leave})
	if err != nil {
		t.Fatal(err)
	}
	for data, want := range map[string]string{
		`{"debut":"2026-03-02","fin":"2026-03-06","jours":5}`:   "",
		`{"debut":"2026-03-06","fin":"2026-03-02","jours":5}`:   "fin: La fin précède le début.",
		`{"debut":"2026-03-06","jours":45}`:                     "jours: 30 jours au plus.",
		`{"fin":"2026-03-02"}`:                                  "",
		`{"debut":"2026-03-06","fin":"2026-03-02","jours":"x"}`: "fin: La fin précède le début.",
	} {
		got := ""
		var invalid *ValidationError
		if errors.As(c.Validate(json.RawMessage(data)), &invalid) {
			for _, f := range invalid.Fields {
				if f.Message.FR == "La fin précède le début." || f.Message.FR == "30 jours au plus." {
					got = f.Location + ": " + f.Message.FR
				}
			}
		}
		if got != want {
			t.Errorf("%s: %q, want %q", data, got, want)
		}
	}
	for _, bad := range []CrossCheck{
		{Expr: "fin >=", Field: "fin"},
		{Expr: "fin >= inconnu", Field: "fin"},
		{Expr: "jours <= 30", Field: "fin"},
		{Expr: `len(repeat("a", 1000000000)) > 0`, Field: "fin"},
	} {
		f := leave
		f.Checks = []CrossCheck{bad}
		var definition *DefinitionError
		if _, err := compile(Version{Form: f}); !errors.As(err, &definition) || definition.Problems[0].Location != "checks[0]" {
			t.Errorf("%q taken: %v", bad.Expr, err)
		}
	}
}
