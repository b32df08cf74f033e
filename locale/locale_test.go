package locale

import "testing"

func TestFromAcceptLanguage(t *testing.T) {
	cases := map[string]Lang{
		"":                        French,
		"en":                      English,
		"en-GB,en;q=0.9":          English,
		"fr-FR,fr;q=0.9,en;q=0.8": French,
		"de-DE":                   French,
		"de-DE,en;q=0.5":          English,
		"not a header;;;":         French,
	}
	for header, want := range cases {
		if got := FromAcceptLanguage(header); got != want {
			t.Errorf("FromAcceptLanguage(%q) = %s, want %s", header, got, want)
		}
	}
}
