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

func TestCheckLimitsRefusesMalformedData(t *testing.T) {
	for data, says := range map[string]string{
		"":                          "not one JSON document",
		`{"a":1} {"b":2}`:           "not one JSON document",
		`{"a":1`:                    "not one JSON document",
		`{"a":1}x`:                  "not one JSON document",
		"{\"a\":\"\xff\"}":          "not valid UTF-8",
		`{"a":1,"b":{"c":1,"c":2}}`: "key “c” appears twice",
		`{"a":"x\u0000y"}`:          "control character",
	} {
		err := checkLimits(json.RawMessage(data))
		var dataErr *DataError
		if !errors.Is(err, ErrMalformedData) || !errors.As(err, &dataErr) || !strings.Contains(dataErr.Message.EN, says) {
			t.Errorf("%q: %v, want ErrMalformedData saying %q", data, err, says)
		}
	}
	// The same key in two objects, and a tab in a text, are fine.
	if err := checkLimits(json.RawMessage(`{"a":{"c":1},"b":{"c":"x\ty"}}`)); err != nil {
		t.Errorf("valid data refused: %v", err)
	}
}
