package builder

import (
	"strconv"
	"strings"

	"github.com/gosimple/slug"

	"github.com/guichet/guichet/schemas"
)

// NameFor makes a field name from a label, such as "commune_de_residence"
// from "Commune de résidence", that taken does not already hold.
func NameFor(label string, taken func(string) bool) string {
	name := strings.ReplaceAll(shortSlug(label, 40), "-", "_")
	switch {
	case name == "":
		name = "champ"
	case !schemas.ValidFieldName(name):
		name = "champ_" + name
	}
	return untaken(name, "_", taken)
}

// IDFor makes a form id from a title, such as "aide-au-transport-scolaire"
// from "Aide au transport scolaire", that taken does not already hold.
func IDFor(title string, taken func(string) bool) string {
	id := shortSlug(title, 56)
	if id == "" {
		id = "formulaire"
	}
	return untaken(id, "-", taken)
}

// shortSlug is text in unaccented lower-case words joined by hyphens, cut
// to at most limit bytes on a word's end.
func shortSlug(text string, limit int) string {
	// "d'art" is two words, not "dart".
	s := slug.MakeLang(apostrophes.Replace(text), "fr")
	if len(s) > limit {
		s = s[:limit]
		if i := strings.LastIndexByte(s, '-'); i > 0 {
			s = s[:i]
		}
	}
	return strings.Trim(s, "-")
}

var apostrophes = strings.NewReplacer("'", " ", "’", " ")

// untaken is name, or name with the first number from 2 that taken does
// not hold.
func untaken(name, sep string, taken func(string) bool) string {
	for n, base := 2, name; taken(name); n++ {
		name = base + sep + strconv.Itoa(n)
	}
	return name
}
