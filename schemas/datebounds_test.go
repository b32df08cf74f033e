package schemas

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// A bound counted from today moves with the day; a fixed bound does not;
// an answer out of bounds is refused at its field, with the day in words.
func TestDateBounds(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	for bound, want := range map[DateBound]string{
		"today": "2026-12-07", "today-16y": "2010-12-07", "today+30d": "2027-01-06", "today-6m": "2026-06-07",
		"2026-09-01": "2026-09-01",
	} {
		if !bound.Valid() || bound.Day(now) != want {
			t.Errorf("%s: %s, want %s", bound, bound.Day(now), want)
		}
	}
	if n, unit, ok := DateBound("today-16y").Offset(); !ok || n != -16 || unit != "y" || Relative(n, unit) != "today-16y" {
		t.Errorf("today-16y is %d %q %v", n, unit, ok)
	}
	for _, bad := range []DateBound{"demain", "today-16", "2026-13-01", "today-1000y"} {
		if bad.Valid() {
			t.Errorf("%s taken as a bound", bad)
		}
	}

	form := Form{ID: "jeunes", Title: "Jeunes", Audience: Public, Routing: Routing{Default: "rh"},
		Schema: json.RawMessage(`{"type":"object","properties":{` +
			`"naissance":{"type":"string","format":"date","title":"Naissance","x-latest":"today-16y"},` +
			`"stage":{"type":"string","format":"date","title":"Stage","x-earliest":"2026-09-01","x-latest":"2027-06-30"},` +
			`"eleve":{"type":"object","properties":{"entree":{"type":"string","format":"date","x-earliest":"2026-09-01"}}},` +
			`"trajets":{"type":"array","items":{"type":"object","properties":{"jour":{"type":"string","format":"date","x-latest":"today"}}}}}}`)}
	c, err := compile(Version{Form: form})
	if err != nil {
		t.Fatal(err)
	}
	sixteenYearsAgo := time.Now().AddDate(-16, 0, -1).Format(time.DateOnly)
	for data, want := range map[string]string{
		`{"naissance":"` + sixteenYearsAgo + `","stage":"2026-09-01"}`: "",
		`{"naissance":"` + time.Now().Format(time.DateOnly) + `"}`:     "naissance",
		`{"stage":"2026-08-31"}`:                                       "stage: La date doit être le 01/09/2026 ou après.",
		`{"stage":"2027-07-01"}`:                                       "stage: La date doit être le 30/06/2027 ou avant.",
		`{"stage":"pas une date"}`:                                     "stage",
	} {
		got := ""
		var invalid *ValidationError
		if errors.As(c.Validate(json.RawMessage(data)), &invalid) {
			got = invalid.Fields[0].Location
			if f := invalid.Fields[0]; len(want) > len(f.Location) {
				got += ": " + f.Message.FR
			}
		}
		if got != want {
			t.Errorf("%s: %q, want %q", data, got, want)
		}
	}

	form.Schema = json.RawMessage(`{"type":"object","properties":{"stage":{"type":"string","format":"date","x-earliest":"demain"}}}`)
	var definition *DefinitionError
	_, err = compile(Version{Form: form})
	if !errors.As(err, &definition) || definition.Problems[0].Location != "schema.properties.stage.x-earliest" {
		t.Errorf("a bound that is none taken: %v", err)
	}
}
