package builder

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/guichet/guichet/schemas"
)

var ligatures = strings.NewReplacer("œ", "oe", "Œ", "Oe", "æ", "ae", "Æ", "Ae", "ß", "ss")

// NameFor makes a field name from a label, such as "commune_de_residence"
// from "Commune de résidence", that taken does not already hold.
func NameFor(label string, taken func(string) bool) string {
	label = ligatures.Replace(label)
	plain, _, _ := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), label)
	var b strings.Builder
	for _, r := range strings.ToLower(plain) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	name := strings.Trim(b.String(), "_")
	if len(name) > 40 {
		name = strings.TrimRight(name[:40], "_")
	}
	switch {
	case name == "":
		name = "champ"
	case !schemas.ValidFieldName(name):
		name = "champ_" + name
	}
	for n, base := 2, name; taken(name); n++ {
		name = base + "_" + strconv.Itoa(n)
	}
	return name
}
