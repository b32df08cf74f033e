package submit

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestCheckLimits(t *testing.T) {
	ok := []string{
		`{}`,
		`{"nom":"` + strings.Repeat("é", MaxStringLength) + `"}`,
		strings.Repeat(`{"a":`, MaxDataDepth-1) + `1` + strings.Repeat(`}`, MaxDataDepth-1),
		`{"l":[` + strings.Repeat(`1,`, MaxDataValues-2) + `1]}`,
	}
	for _, data := range ok {
		if err := checkLimits(json.RawMessage(data)); err != nil {
			t.Errorf("%.60s…: %v", data, err)
		}
	}
	bad := []string{
		`{"nom":"` + strings.Repeat("é", MaxStringLength+1) + `"}`,
		strings.Repeat(`{"a":`, MaxDataDepth+1) + `1` + strings.Repeat(`}`, MaxDataDepth+1),
		`{"l":[` + strings.Repeat(`[],`, 10) + strings.Repeat(`1,`, MaxDataValues) + `1]}`,
	}
	for _, data := range bad {
		if err := checkLimits(json.RawMessage(data)); !errors.Is(err, ErrDataTooLarge) {
			t.Errorf("%.60s…: %v", data, err)
		}
	}
}
