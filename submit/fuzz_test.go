package submit

import (
	"encoding/json"
	"errors"
	"testing"
)

// The bounds on submitted data never panic, and what they accept is JSON
// that later steps read whole.
func FuzzCheckLimits(f *testing.F) {
	for _, seed := range []string{
		`{"nom":"Weber"}`,
		`{"a":{"a":{"a":[1,2,{"k":"v","k":"w"}]}}}`,
		"{\"x\":\"\xff\"}",
		`{"x":"a\u0000b"}`,
		`[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]`,
		`"texte"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := checkLimits(data)
		if err != nil {
			if !errors.Is(err, ErrDataTooLarge) && !errors.Is(err, ErrMalformedData) {
				t.Fatalf("an unnamed refusal: %v", err)
			}
			return
		}
		var v any
		if json.Unmarshal(data, &v) != nil {
			t.Fatalf("accepted data that is not JSON: %q", data)
		}
		_ = SearchText(data)
	})
}
