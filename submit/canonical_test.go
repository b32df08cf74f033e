package submit

import "testing"

// Numbers from RFC 8785's appendix B, written as ECMAScript writes them.
func TestCanonicalNumbers(t *testing.T) {
	for input, want := range map[string]string{
		`[0, -0]`:                               `[0,0]`,
		`[5e-324]`:                              `[5e-324]`,
		`[1.7976931348623157e308]`:              `[1.7976931348623157e+308]`,
		`[9007199254740992, -9007199254740992]`: `[9007199254740992,-9007199254740992]`,
		`[295147905179352825856]`:               `[295147905179352830000]`,
		`[1e23, 9.999999999999997e22]`:          `[1e+23,9.999999999999997e+22]`,
		`[0.000001, 9.999999999999997e-7]`:      `[0.000001,9.999999999999997e-7]`,
		`[999999999999999700000, 1e21]`:         `[999999999999999700000,1e+21]`,
	} {
		got, err := Canonical([]byte(input))
		if err != nil || string(got) != want {
			t.Errorf("Canonical(%s) = %s, %v; want %s", input, got, err, want)
		}
	}
	for _, bad := range []string{`{"a":1,"a":2}`, `{"a":`, `1 2`, "\"\xff\""} {
		if _, err := Canonical([]byte(bad)); err == nil {
			t.Errorf("Canonical(%q) succeeded", bad)
		}
	}
}
