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

// ErrMalformedData means submitted data is not text that can be kept as
// is: invalid UTF-8, control characters, or an object naming a key twice;
// the error wrapping it says which.
var ErrMalformedData = errors.New("submit: malformed data")

// frame is an object or array being read, for the duplicate-key check.
type frame struct {
	object bool
	// key says the next string of an object is a key.
	key  bool
	keys map[string]bool
}

// checkLimits reads data once, as a stream, and refuses it if it nests too
// deep, holds too many values or too long a string (ErrDataTooLarge), or
// if it is not clean text (ErrMalformedData). Validation, hashing and
// rendering then work on data of bounded shape.
func checkLimits(data json.RawMessage) error {
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: the text is not valid UTF-8", ErrMalformedData)
	}
	if !json.Valid(data) {
		return fmt.Errorf("%w: not one JSON document", ErrMalformedData)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	values := 0
	var stack []*frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrMalformedData, err)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if s, isString := tok.(string); isString && top != nil && top.object && top.key {
			if top.keys[s] {
				return fmt.Errorf("%w: the key %q appears twice in one object", ErrMalformedData, s)
			}
			top.keys[s], top.key = true, false
			continue
		}
		if top != nil && top.object {
			top.key = true // after this value comes the next key
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				stack = append(stack, &frame{object: v == '{', key: true, keys: map[string]bool{}})
				if len(stack) > MaxDataDepth {
					return fmt.Errorf("%w: nested more than %d levels deep", ErrDataTooLarge, MaxDataDepth)
				}
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		case string:
			if strings.ContainsFunc(v, IsControl) {
				return fmt.Errorf("%w: a text holds a control character", ErrMalformedData)
			}
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

// IsControl reports a control character other than tab and line breaks,
// which answers refuse.
func IsControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f
}
