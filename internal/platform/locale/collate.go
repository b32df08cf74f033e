package locale

import (
	"slices"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// Sort orders a list that people read by key, as a French reader
// expects: letters first, accents and case only to part equals, so that
// "Bébing" comes before "Bréhain", "Ébersviller" among the E and "Œting"
// among the O. The rules are Unicode's collation for French, through
// x/text; they serve English readers as well.
func Sort[T any](list []T, key func(T) string) {
	c := collate.New(language.French)
	slices.SortStableFunc(list, func(a, b T) int { return c.CompareString(key(a), key(b)) })
}
