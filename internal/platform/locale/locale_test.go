package locale

import (
	"strings"
	"testing"
)

func TestFromAcceptLanguage(t *testing.T) {
	cases := map[string]Lang{
		"":                        French,
		"en":                      English,
		"en-GB,en;q=0.9":          English,
		"fr-FR,fr;q=0.9,en;q=0.8": French,
		"de-DE":                   German,
		"de-DE,en;q=0.5":          German,
		"it-IT,en;q=0.5":          English,
		"not a header;;;":         French,
	}
	for header, want := range cases {
		if got := FromAcceptLanguage(header); got != want {
			t.Errorf("FromAcceptLanguage(%q) = %s, want %s", header, got, want)
		}
	}
	// Guichet's own texts are in English for a German reader.
	if got := Say(German, "Envoyer", "Send"); got != "Send" || French.Own() != French || Lang("").Own() != French {
		t.Errorf("a German reader reads %q", got)
	}
}

func TestNumbers(t *testing.T) {
	for _, c := range []struct {
		v              float64
		lang           Lang
		number, amount string
	}{
		{2500.5, French, "2\u00a0500,5", "2\u00a0500,50"},
		{2500, French, "2\u00a0500", "2\u00a0500"},
		{1234567.891, French, "1\u00a0234\u00a0567,891", "1\u00a0234\u00a0567,891"},
		{-0.25, French, "-0,25", "-0,25"},
		{12.3456789, French, "12,3456789", "12,3456789"},
		{2500.5, English, "2500.5", "2500.50"},
	} {
		if got := Number(c.v, c.lang); got != c.number {
			t.Errorf("Number(%v, %s) = %q, want %q", c.v, c.lang, got, c.number)
		}
		if got := Amount(c.v, c.lang); got != c.amount {
			t.Errorf("Amount(%v, %s) = %q, want %q", c.v, c.lang, got, c.amount)
		}
	}
	if got := Rounded(2.26, 1, French); got != "2,3" {
		t.Errorf("Rounded(2.26, 1) = %q", got)
	}
	if got := Rounded(1234.5, 0, English); got != "1235" && got != "1234" {
		t.Errorf("Rounded(1234.5, 0, English) = %q", got)
	}
}

func TestFromEnvironment(t *testing.T) {
	for env, want := range map[string]Lang{
		"":                                 French,
		"LANG=C.UTF-8":                     French,
		"LANG=fr_FR.UTF-8":                 French,
		"LANG=en_GB.UTF-8":                 English,
		"GUICHET_LANG=en":                  English,
		"GUICHET_LANG=fr LANG=en_US.UTF-8": French,
	} {
		vars := map[string]string{}
		for _, kv := range strings.Fields(env) {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
		if got := FromEnvironment(func(name string) string { return vars[name] }); got != want {
			t.Errorf("%q: %s, want %s", env, got, want)
		}
	}
	if Say(English, "oui", "yes") != "yes" || Say(French, "oui", "yes") != "oui" {
		t.Error("Say picks the wrong text")
	}
}

func TestCount(t *testing.T) {
	for _, c := range []struct {
		lang Lang
		n    int
		want string
	}{
		{French, 0, "0 champ"}, {French, 1, "1 champ"}, {French, 5, "5 champs"},
		{English, 0, "0 fields"}, {English, 1, "1 field"}, {English, 5, "5 fields"},
	} {
		if got := Count(c.lang, c.n, "champ", "champs", "field", "fields"); got != c.want {
			t.Errorf("Count(%s, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

func TestSort(t *testing.T) {
	names := []string{"Œting", "Bréhain", "Ébersviller", "Zoufftgen", "Bébing", "Edling", "oeuvre", "Éblange"}
	Sort(names, func(s string) string { return s })
	if got := strings.Join(names, ", "); got != "Bébing, Bréhain, Ébersviller, Éblange, Edling, Œting, oeuvre, Zoufftgen" {
		t.Errorf("sorted as %s", got)
	}
}
