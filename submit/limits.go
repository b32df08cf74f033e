package submit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

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
const maxDataURLLength = schemas.MaxFileSizeAllowed/3*4 + 1024

// ErrDataTooLarge means submitted data exceeds the bounds above; the
// error wrapping it says which.
var ErrDataTooLarge = errors.New("submit: data exceeds the limits")

// checkLimits reads data once, as a stream, and refuses it if it nests too
// deep, holds too many values or too long a string. Validation, hashing and
// rendering then work on data of bounded shape.
func checkLimits(data json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	depth, values := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrDataTooLarge, err)
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				depth++
				if depth > MaxDataDepth {
					return fmt.Errorf("%w: nested more than %d levels deep", ErrDataTooLarge, MaxDataDepth)
				}
				continue
			}
			depth--
			continue
		case string:
			// Files travel as data URLs, bounded by their field's rule instead.
			if strings.HasPrefix(v, "data:") && len(v) <= maxDataURLLength {
				break
			}
			if utf8.RuneCountInString(v) > MaxStringLength {
				return fmt.Errorf("%w: a text is longer than %d characters", ErrDataTooLarge, MaxStringLength)
			}
		}
		values++
		if values > MaxDataValues {
			return fmt.Errorf("%w: more than %d values", ErrDataTooLarge, MaxDataValues)
		}
	}
}
