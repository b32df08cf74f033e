// Package locale chooses the language of messages shown to people: French
// by default, English on request.
//
// Foundation layer (internal/test/layering).
package locale

import "golang.org/x/text/language"

// Lang is a language Guichet speaks.
type Lang string

// The languages Guichet speaks; French comes first and is the default.
const (
	French  Lang = "fr"
	English Lang = "en"
)

var matcher = language.NewMatcher([]language.Tag{language.French, language.English})

// FromAcceptLanguage picks French or English from an Accept-Language header.
func FromAcceptLanguage(header string) Lang {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return French
	}
	_, index, confidence := matcher.Match(tags...)
	if confidence == language.No {
		return French
	}
	if index == 1 {
		return English
	}
	return French
}

// Text is a message in both languages.
type Text struct{ FR, EN string }

// In returns the message in lang.
func (t Text) In(lang Lang) string {
	if lang == English {
		return t.EN
	}
	return t.FR
}
