package submit

import (
	"bytes"

	"github.com/go-json-experiment/json/jsontext"
)

// Canonical returns JSON data in the canonical form of RFC 8785 (JCS): no
// whitespace, keys sorted by their UTF-16 code units, strings with the
// fewest escapes, numbers as ECMAScript writes them. Submissions store
// their answers in this form, and receipts hash and sign it. It fails on
// data that is not one JSON document, names a key twice in an object, or
// is not valid UTF-8.
func Canonical(data []byte) ([]byte, error) {
	v := jsontext.Value(bytes.Clone(data))
	if err := v.Canonicalize(); err != nil {
		return nil, err
	}
	return v, nil
}
