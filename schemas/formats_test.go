package schemas

import (
	"strings"
	"testing"

	"github.com/guichet/guichet/locale"
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
