// Package receipts makes the signed acknowledgement of receipt of each
// submission: proof that the organisation received exactly this content
// at exactly this time, which anyone can check without trusting the
// submitter's copy.
//
// A receipt names the submission (reference, form, version), the time
// JetStream stored it and its sequence in SUBMISSIONS, the SHA-256 of its
// data in the canonical form of RFC 8785 (JCS) and of each attached file,
// and the hash of the previous receipt of the same form, so that a
// removed or reordered submission breaks the chain. It is signed with the
// organisation's Ed25519 key. The signed bytes are the receipt without
// its signature, canonicalised with JCS; docs/receipts.md shows how to
// check one with openssl.
//
// Business layer (internal/test/layering).
package receipts

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/guichet/guichet/submit"
)

// Format is the version of the receipt's layout.
const Format = 1

// Receipt is the signed acknowledgement of receipt of one submission.
type Receipt struct {
	Format      int    `json:"format"`
	Reference   string `json:"reference"`
	Form        string `json:"form"`
	FormVersion int    `json:"formVersion"`
	// AcceptedAt is when JetStream stored the submission, in UTC.
	AcceptedAt time.Time `json:"acceptedAt"`
	// Sequence is the submission's sequence in the SUBMISSIONS stream.
	Sequence uint64 `json:"sequence"`
	// DataSHA256 is the SHA-256, in hex, of the submitted data in JCS form.
	DataSHA256 string `json:"dataSha256"`
	// Attachments are the SHA-256, in hex, of each attached file, in order.
	Attachments []string `json:"attachments"`
	// Previous is the hash (see Hash) of the previous receipt of the same
	// form; empty for the first.
	Previous string `json:"previous"`
	// Revision numbers a corrected version of the submission: 2 for the
	// first correction, and so on; absent for the first version.
	Revision int `json:"revision,omitempty"`
	// Corrects is, for a corrected version, the hash of the receipt of
	// the version it corrects.
	Corrects string `json:"corrects,omitempty"`
	// Key names the key that signed: the first 16 hex digits of the
	// SHA-256 of its public key.
	Key string `json:"key"`
	// Signature is the Ed25519 signature of Signed(), in base64url
	// without padding.
	Signature string `json:"signature,omitempty"`
}

// Signed are the bytes the signature covers: the receipt without its
// signature, in JCS form.
func (r Receipt) Signed() ([]byte, error) {
	r.Signature = ""
	return canonical(r)
}

// Hash is the SHA-256, in hex, of the whole receipt, signature included,
// in JCS form: what the next receipt of the form names as Previous.
func (r Receipt) Hash() (string, error) {
	raw, err := canonical(r)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:]), nil
}

// canonical is JCS applied to the receipt's JSON.
func canonical(r Receipt) ([]byte, error) {
	if r.Attachments == nil {
		r.Attachments = []string{}
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return submit.Canonical(raw)
}

// DataHash is the SHA-256, in hex, of submitted data in JCS form: how
// Guichet stores it, and what a receipt's DataSHA256 names.
func DataHash(data json.RawMessage) (string, error) {
	canonical, err := submit.Canonical(data)
	if err != nil {
		return "", fmt.Errorf("receipts: data is not JSON: %w", err)
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:]), nil
}

// KeyID names a public key: the first 16 hex digits of its SHA-256.
func KeyID(public ed25519.PublicKey) string {
	sum := sha256.Sum256(public)
	return hex.EncodeToString(sum[:8])
}

// Sign sets the receipt's key and signature.
func Sign(r Receipt, key ed25519.PrivateKey) (Receipt, error) {
	r.Format = Format
	r.Key = KeyID(key.Public().(ed25519.PublicKey))
	signed, err := r.Signed()
	if err != nil {
		return r, err
	}
	r.Signature = base64.RawURLEncoding.EncodeToString(ed25519.Sign(key, signed))
	return r, nil
}

// Encode writes a receipt as it travels in a URL or a QR code: its JCS
// form in base64url without padding.
func Encode(r Receipt) (string, error) {
	raw, err := canonical(r)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// VerifyPath is the path of the verification page for an encoded
// receipt: what its QR code and its link open.
func VerifyPath(encoded string) string { return "/verify?r=" + url.QueryEscape(encoded) }

// PDFKeyword starts the keyword of a PDF record that carries its encoded
// receipt.
const PDFKeyword = "guichet-receipt:"

// FromPDF returns the encoded receipt a PDF record carries in its
// keywords, or "".
func FromPDF(pdf []byte) string {
	_, after, found := bytes.Cut(pdf, []byte(PDFKeyword))
	if !found {
		return ""
	}
	end := bytes.IndexFunc(after, func(r rune) bool {
		return (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' && r != '_'
	})
	if end < 0 {
		end = len(after)
	}
	return string(after[:min(end, MaxEncodedLength)])
}

// ErrMalformed means a text is not a receipt.
var ErrMalformed = errors.New("receipts: not a receipt")

// MaxEncodedLength bounds an encoded receipt: a receipt with many
// attachments stays far below it.
const MaxEncodedLength = 16 << 10

// Decode reads what Encode wrote.
func Decode(encoded string) (Receipt, error) {
	var r Receipt
	if len(encoded) > MaxEncodedLength {
		return r, ErrMalformed
	}
	raw, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return r, ErrMalformed
	}
	if err := json.Unmarshal(raw, &r); err != nil || r.Reference == "" || r.Format == 0 {
		return r, ErrMalformed
	}
	// Only the receipt's own canonical form is a receipt: a member it does
	// not have, a name in other letter case, a member twice, or any other
	// spelling would let another verifier read it otherwise.
	if own, err := canonical(r); err != nil || !bytes.Equal(own, raw) {
		return Receipt{}, ErrMalformed
	}
	return r, nil
}
