// Package locale chooses the language of messages shown to people: French
// by default, English on request.
//
// Foundation layer (internal/test/layering).
package locale

import "golang.org/x/text/language"

// Lang is a language Guichet speaks.
type Lang string

// The languages Guichet speaks; French comes first and is the default.
// Forms may also be translated into German, for a border département;
// Guichet's own texts are then shown in English (see Own).
const (
	French  Lang = "fr"
	English Lang = "en"
	German  Lang = "de"
)

// Own is the language of Guichet's own texts for a reader of l: English
// for a reader of English or German, French for any other.
func (l Lang) Own() Lang {
	if l == English || l == German {
		return English
	}
	return French
}

var matcher = language.NewMatcher([]language.Tag{language.French, language.English, language.German})

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
	return []Lang{French, English, German}[index]
}

// FromEnvironment picks the language of what a command prints: English
// when $GUICHET_LANG, or else $LANG, starts with "en"; French otherwise.
func FromEnvironment(getenv func(string) string) Lang {
	value := getenv("GUICHET_LANG")
	if value == "" {
		value = getenv("LANG")
	}
	if len(value) >= 2 && value[:2] == "en" {
		return English
	}
	return French
}

// Say returns, of a French and an English text, the one in lang: short
// for Text{FR: fr, EN: en}.In(lang).
func Say(lang Lang, fr, en string) string { return Text{FR: fr, EN: en}.In(lang) }

// Text is a message in both languages.
type Text struct{ FR, EN string }

// In returns the message in lang.
func (t Text) In(lang Lang) string {
	if lang.Own() == English {
		return t.EN
	}
	return t.FR
}
