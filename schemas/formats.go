package schemas

import (
	"math/big"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/xeipuuv/gojsonschema"

	"github.com/guichet/guichet/internal/platform/locale"
)

// Formats of French administrative identifiers that JSON Schema lacks.
// gojsonschema keeps its format checkers in a package-wide table, so they
// are added to it once, before the first schema is compiled.
const (
	// FormatSIRET is a 14-digit SIRET whose Luhn checksum holds.
	FormatSIRET = "siret"
	// FormatIBAN is an IBAN whose ISO 13616 checksum holds.
	FormatIBAN = "iban"
	// FormatPhoneFR is a French phone number, national or +33.
	FormatPhoneFR = "tel-fr"
	// FormatPastDate is a date written as "date" writes it (2026-03-11)
	// that is not after today in Paris: a birth date, a trip made.
	FormatPastDate = "past-date"
)

// IsDate reports whether a string format is a date: "date" or FormatPastDate.
func IsDate(format string) bool { return format == "date" || format == FormatPastDate }

var registerFormats = sync.OnceFunc(func() {
	// JSON Schema applies a format to strings only; gojsonschema's own
	// checkers refuse every other type, so each is wrapped.
	for name, checker := range map[string]gojsonschema.FormatChecker{
		"date": gojsonschema.DateFormatChecker{}, "time": gojsonschema.TimeFormatChecker{},
		"date-time": gojsonschema.DateTimeFormatChecker{}, "hostname": gojsonschema.HostnameFormatChecker{},
		"email": gojsonschema.EmailFormatChecker{}, "idn-email": gojsonschema.EmailFormatChecker{},
		"ipv4": gojsonschema.IPV4FormatChecker{}, "ipv6": gojsonschema.IPV6FormatChecker{},
		"uri": gojsonschema.URIFormatChecker{}, "uri-reference": gojsonschema.URIReferenceFormatChecker{},
		"iri": gojsonschema.URIFormatChecker{}, "iri-reference": gojsonschema.URIReferenceFormatChecker{},
		"uri-template": gojsonschema.URITemplateFormatChecker{}, "uuid": gojsonschema.UUIDFormatChecker{},
		"regex": gojsonschema.RegexFormatChecker{}, "json-pointer": gojsonschema.JSONPointerFormatChecker{},
		"relative-json-pointer": gojsonschema.RelativeJSONPointerFormatChecker{},
	} {
		gojsonschema.FormatCheckers.Add(name, stringsOnly{checker})
	}
	gojsonschema.FormatCheckers.Add(FormatSIRET, stringChecker(ValidSIRET))
	gojsonschema.FormatCheckers.Add(FormatIBAN, stringChecker(ValidIBAN))
	gojsonschema.FormatCheckers.Add(FormatPhoneFR, stringChecker(phoneFR.MatchString))
	gojsonschema.FormatCheckers.Add(FormatPastDate, stringChecker(func(s string) bool { return ValidPastDate(s, time.Now()) }))
})

// stringsOnly lets every value that is not a string through a format,
// which "type" refuses or not.
type stringsOnly struct{ gojsonschema.FormatChecker }

func (c stringsOnly) IsFormat(input any) bool {
	if _, ok := input.(string); !ok {
		return true
	}
	return c.FormatChecker.IsFormat(input)
}

type stringChecker func(string) bool

func (c stringChecker) IsFormat(input any) bool {
	s, ok := input.(string)
	return !ok || c(s) // other types are for "type" to refuse
}

var phoneFR = regexp.MustCompile(`^(?:(?:\+|00)33 ?|0)[1-9](?:[ .-]?[0-9]{2}){4}$`)

// ValidPastDate reports whether s is a real date, as YYYY-MM-DD, that is
// not after now's day in Paris.
func ValidPastDate(s string, now time.Time) bool {
	d, err := time.Parse(time.DateOnly, s)
	return err == nil && s <= now.In(locale.Paris).Format(time.DateOnly) && d.Format(time.DateOnly) == s
}

// Normalize writes a typed identifier the way it is stored: a SIRET as its
// 14 digits, an IBAN in capitals without spaces, a phone number without
// its spaces, dots or dashes. Other formats come back as they are.
func Normalize(format, s string) string {
	if format != FormatSIRET && format != FormatIBAN && format != FormatPhoneFR {
		return s
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '.' || r == '-' || (format == FormatPhoneFR && (r == '(' || r == ')' || r == '/')) {
			return -1
		}
		return r
	}, s)
	switch format {
	case FormatIBAN:
		s = strings.ToUpper(s)
	case FormatPhoneFR:
		// +33 (0)3 87 37 57 57: the national 0 goes once the country code is there.
		for _, code := range []string{"+330", "00330"} {
			if rest, ok := strings.CutPrefix(s, code); ok {
				s = code[:len(code)-1] + rest
			}
		}
	}
	return s
}

// ValidSIRET reports whether s is a SIRET: 14 digits (spaces allowed)
// passing the Luhn check, or La Poste's, whose digits sum to a multiple of 5.
func ValidSIRET(s string) bool {
	digits := strings.ReplaceAll(s, " ", "")
	if len(digits) != 14 || strings.Trim(digits, "0123456789") != "" {
		return false
	}
	if strings.HasPrefix(digits, "356000000") {
		sum := 0
		for _, d := range digits {
			sum += int(d - '0')
		}
		return sum%5 == 0
	}
	sum := 0
	for i, d := range digits {
		n := int(d - '0')
		if i%2 == 0 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// ValidIBAN reports whether s is an IBAN (spaces allowed) whose checksum holds.
func ValidIBAN(s string) bool {
	iban := strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	if len(iban) < 15 || len(iban) > 34 || !regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]+$`).MatchString(iban) {
		return false
	}
	var numeric strings.Builder
	for _, r := range iban[4:] + iban[:4] {
		if r >= 'A' && r <= 'Z' {
			numeric.WriteString(big.NewInt(int64(r - 'A' + 10)).String())
		} else {
			numeric.WriteRune(r)
		}
	}
	n, ok := new(big.Int).SetString(numeric.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}
