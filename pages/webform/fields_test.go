package webform

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/guichet/guichet/internal/platform/locale"
)

// A date's bounds become its control's min and max, the day it is shown;
// a past date is never later than today.
func TestDateBoundsOnTheControl(t *testing.T) {
	schema := json.RawMessage(`{"type":"object","properties":{` +
		`"naissance":{"type":"string","format":"past-date","x-latest":"today-16y"},` +
		`"stage":{"type":"string","format":"date","x-earliest":"2026-09-01","x-latest":"today+1y"},` +
		`"voyage":{"type":"string","format":"past-date","x-latest":"2099-01-01"}}}`)
	fields := buildFields(schema, nil, nil, "", fieldContext{lang: locale.French})
	today := time.Now().In(locale.Paris)
	for i, want := range [][2]string{
		{"", today.AddDate(-16, 0, 0).Format(time.DateOnly)},
		{"2026-09-01", today.AddDate(1, 0, 0).Format(time.DateOnly)},
		{"", today.Format(time.DateOnly)},
	} {
		if f := fields[i]; f.EarliestDate != want[0] || f.LatestDate != want[1] {
			t.Errorf("%s: min %q max %q, want %q", f.Path, f.EarliestDate, f.LatestDate, want)
		}
	}
}
