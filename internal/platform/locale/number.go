package locale

import (
	"strconv"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

var (
	frenchNumbers  = message.NewPrinter(language.French)
	englishNumbers = message.NewPrinter(language.English)
)

// Number writes a number as a person of lang reads and types it, with
// every digit it has: "2 500,5" in French (a decimal comma, digits grouped
// by three with a no-break space), "2500.5" in English, ungrouped so that a
// form reads it back the same.
func Number(v float64, lang Lang) string {
	return formatNumber(v, lang, decimals(v))
}

// Amount writes a sum of money as Number does, with two decimals when it
// has cents: "2 500,50", "2 500".
func Amount(v float64, lang Lang) string {
	d := decimals(v)
	if d > 0 {
		d = max(d, 2)
	}
	return formatNumber(v, lang, d)
}

// Rounded writes a number rounded to the given decimals: "2,3" in French,
// "2.3" in English, for figures such as averages and shares.
func Rounded(v float64, decimals int, lang Lang) string {
	return formatNumber(v, lang, decimals)
}

// decimals counts the digits after the point of v's shortest exact form.
func decimals(v float64) int {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

func formatNumber(v float64, lang Lang, decimals int) string {
	digits := []number.Option{number.MinFractionDigits(decimals), number.MaxFractionDigits(decimals)}
	if lang == English {
		return englishNumbers.Sprint(number.Decimal(v, append(digits, number.NoSeparator())...))
	}
	return frenchNumbers.Sprint(number.Decimal(v, digits...))
}

// Count says n with its noun in lang's plural form: French takes the
// singular for 0 and 1 ("0 champ", "2 champs"), English for 1 only
// ("1 field", "0 fields"). The rules are CLDR's, through x/text.
func Count(lang Lang, n int, frOne, frOther, enOne, enOther string) string {
	tag, one, other := language.French, frOne, frOther
	if lang == English {
		tag, one, other = language.English, enOne, enOther
	}
	noun := other
	if plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0) == plural.One {
		noun = one
	}
	return Number(float64(n), lang) + " " + noun
}
