package schemas

import (
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/internal/platform/locale"
)

func TestFrenchFormats(t *testing.T) {
	for s, want := range map[string]bool{
		"73282932000074": true, "732 829 320 00074": true, "35600000000010": true,
		"73282932000075": false, "7328293200007": false, "7328293200007A": false, "35600000000049": false,
	} {
		if ValidSIRET(s) != want {
			t.Errorf("ValidSIRET(%q) = %v", s, !want)
		}
	}
	for s, want := range map[string]bool{
		"FR76 3000 6000 0112 3456 7890 189": true, "FR7630006000011234567890189": true, "DE89370400440532013000": true,
		"FR76 3000 6000 0112 3456 7890 188": false, "FR76": false, "76FR30006000011234567890189": false,
	} {
		if ValidIBAN(s) != want {
			t.Errorf("ValidIBAN(%q) = %v", s, !want)
		}
	}
	c := mustCompile(t, `{"type":"object","properties":{
		"siret":{"type":"string","format":"siret","title":"SIRET"},
		"iban":{"type":"string","format":"iban","title":"IBAN"},
		"tel":{"type":"string","format":"tel-fr","title":"Téléphone"}}}`)
	if err := c.Validate([]byte(`{"siret":"73282932000074","iban":"FR7630006000011234567890189","tel":"+33 3 87 37 57 57"}`)); err != nil {
		t.Errorf("valid identifiers refused: %v", err)
	}
	fields := fieldErrors(t, c, `{"siret":"73282932000075","iban":"FR00","tel":"12345"}`)
	for i, want := range []string{"numéro SIRET valide", "IBAN valide", "numéro de téléphone français"} {
		if i >= len(fields) || !strings.Contains(fields[i].Message.In(locale.French), want) {
			t.Errorf("errors = %+v, want %q", fields, want)
		}
	}
}

// Identifiers typed with spaces, dots or dashes are stored plainly, and
// then hold their format.
func TestNormalize(t *testing.T) {
	for _, c := range []struct{ format, typed, stored string }{
		{FormatSIRET, "732 829 320 00074", "73282932000074"},
		{FormatSIRET, " 732.829.320-00074", "73282932000074"},
		{FormatIBAN, "fr76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189"},
		{FormatPhoneFR, "0387 375 757", "0387375757"},
		{FormatPhoneFR, "+33 (0)3 87 37 57 57", "+33387375757"},
		{FormatPhoneFR, "03.87.37.57.57", "0387375757"},
		{"email", "a b@example.fr", "a b@example.fr"},
	} {
		got := Normalize(c.format, c.typed)
		if got != c.stored {
			t.Errorf("Normalize(%s, %q) = %q, want %q", c.format, c.typed, got, c.stored)
		}
		if c.format != "email" && !isFormat(c.format, got) {
			t.Errorf("%q does not hold %s", got, c.format)
		}
	}
}

func isFormat(format, s string) bool {
	switch format {
	case FormatSIRET:
		return ValidSIRET(s)
	case FormatIBAN:
		return ValidIBAN(s)
	default:
		return phoneFR.MatchString(s)
	}
}

// A past date is a real date, today in Paris at the latest.
func TestPastDate(t *testing.T) {
	// 23:30 UTC on 31 December is already 1 January in Paris.
	now := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)
	for s, want := range map[string]bool{
		"1990-07-14": true, "2026-12-31": true, "2027-01-01": true, "2027-01-02": false,
		"2026-02-30": false, "14/07/1990": false, "": false,
	} {
		if got := ValidPastDate(s, now); got != want {
			t.Errorf("ValidPastDate(%q) = %v, want %v", s, got, want)
		}
	}
}
