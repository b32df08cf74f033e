package backoffice_test

import (
	"testing"

	"github.com/guichet/guichet/backoffice"
)

// No part of a cell that a spreadsheet may split off starts a formula.
func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"Weber":                 "Weber",
		"":                      "",
		"=1+1":                  "'=1+1",
		"+33 3 87 00 00 00":     "'+33 3 87 00 00 00",
		"-5":                    "'-5",
		"@SUM(A1)":              "'@SUM(A1)",
		"\t=1":                  "'\t'=1",
		"\r=1":                  "'\r'=1",
		"x;=1+1":                "x;'=1+1",
		"x, =cmd|' /C calc'!A0": "x, '=cmd|' /C calc'!A0",
		"\n=HYPERLINK(1)":       "\n'=HYPERLINK(1)",
		"ligne 1\r\n@x":         "ligne 1\r\n'@x",
		"a=b; c+d":              "a=b; c+d",
		"Saint-Avold":           "Saint-Avold",
	} {
		if got := backoffice.SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}
