package submit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// Bounds on submitted data, besides the size of the request body.
const (
	// MaxDataDepth bounds the nesting of objects and arrays.
	MaxDataDepth = 16
	// MaxDataValues bounds the number of values (fields, items) in the data.
	MaxDataValues = 5000
	// MaxStringLength bounds the length of one string, in characters.
	MaxStringLength = 100_000
)

// maxDataURLLength is the length of the largest file a field may take,
// once written as a data URL.
const maxDataURLLength = schemas.MaxUploadSize/3*4 + 1024

// ErrDataTooLarge means submitted data exceeds the bounds above; the
// error wrapping it says which.
var ErrDataTooLarge = errors.New("submit: data exceeds the limits")

// ErrMalformedData means submitted data is not text that can be kept as
// is: invalid UTF-8, control characters, or an object naming a key twice;
// the error wrapping it says which.
var ErrMalformedData = errors.New("submit: malformed data")

// DataError is why checkLimits refused data: ErrMalformedData or
// ErrDataTooLarge, with what to tell the submitter.
type DataError struct {
	kind    error
	Message locale.Text
}

func dataError(kind error, fr, en string) *DataError {
	return &DataError{kind: kind, Message: locale.Text{FR: fr, EN: en}}
}

func (e *DataError) Error() string { return e.kind.Error() + ": " + e.Message.EN }

// Unwrap gives ErrMalformedData or ErrDataTooLarge.
func (e *DataError) Unwrap() error { return e.kind }

// checkLimits reads data once, as a stream, and refuses it if it nests too
// deep, holds too many values or too long a string (ErrDataTooLarge), or
// if it is not clean text (ErrMalformedData): invalid UTF-8, not one JSON
// document, an object naming a key twice, a control character in a text.
// Validation, hashing and rendering then work on data of bounded shape.
func checkLimits(data json.RawMessage) error {
	if !utf8.Valid(data) {
		return dataError(ErrMalformedData, "Le texte des réponses n'est pas de l'UTF-8 valide.", "The answers' text is not valid UTF-8.")
	}
	notOne := dataError(ErrMalformedData, "Les réponses ne forment pas un seul document JSON.", "The answers are not one JSON document.")
	// The decoder refuses a key named twice in one object.
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	values := 0
	for read := false; ; {
		tok, err := dec.ReadToken()
		switch {
		case errors.Is(err, io.EOF) && read:
			return nil
		case errors.Is(err, jsontext.ErrDuplicateName):
			var syntax *jsontext.SyntacticError
			errors.As(err, &syntax)
			key := syntax.JSONPointer.LastToken()
			return dataError(
				ErrMalformedData,
				fmt.Sprintf("La clé « %s » figure deux fois dans un même objet.", key),
				fmt.Sprintf("The key “%s” "+
					"appears twice in one object.", key),
			)
		case err != nil, read:
			return notOne // unreadable, or a second document after the first
		}
		depth := dec.StackDepth()
		read = depth == 0
		switch tok.Kind() {
		case '{', '[':
			if depth > MaxDataDepth {
				return dataError(
					ErrDataTooLarge,
					fmt.Sprintf("Les réponses sont imbriquées sur plus de %d niveaux.", MaxDataDepth),
					fmt.Sprintf("The answers are "+
						"nested more than %d levels deep.", MaxDataDepth),
				)
			}
			continue
		case '}', ']':
			continue
		case '"':
			if kind, n := dec.StackIndex(depth); kind == '{' && n%2 == 1 {
				continue // a key
			}
			v := tok.String()
			if strings.ContainsFunc(v, IsControl) {
				return dataError(
					ErrMalformedData,
					"Un texte contient un caractère de contrôle, tel que NUL : ils sont refusés, par règle, contre les données hostiles. Tabulations et "+
						"sauts de ligne sont acceptés.",
					"A text holds a control character, such as NUL: they are refused, as a rule against hostile data. Tabs and line breaks are accepted.",
				)
			}
			// Files travel as data URLs, bounded by their field's rule instead.
			dataURL := strings.HasPrefix(v, "data:") && len(v) <= maxDataURLLength
			if !dataURL && utf8.RuneCountInString(v) > MaxStringLength {
				return dataError(
					ErrDataTooLarge,
					fmt.Sprintf("Un texte dépasse %d caractères.", MaxStringLength),
					fmt.Sprintf("A text is longer "+
						"than %d characters.", MaxStringLength),
				)
			}
		}
		values++
		if values > MaxDataValues {
			return dataError(
				ErrDataTooLarge,
				fmt.Sprintf("Les réponses comptent plus de %d valeurs.", MaxDataValues),
				fmt.Sprintf("The answers hold "+
					"more than %d values.", MaxDataValues),
			)
		}
	}
}

// IsControl reports a control character other than tab and line breaks,
// which answers refuse.
func IsControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f
}
