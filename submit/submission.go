// Package submit owns intake: the Submission envelope, reference numbers,
// receipt tokens, idempotency and publishing to JetStream, and the status
// of each submission as processors move it along.
//
// Business layer (internal/test/layering).
package submit

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/locale"
)

// Submission is the envelope of one accepted submission, as published on
// the SUBMISSIONS stream.
type Submission struct {
	// Reference is the submission's reference. The first version is
	// stored without it: its sequence gives it (see ReferenceOf). A
	// correction carries the first version's.
	Reference   string    `json:"reference,omitempty"`
	Form        string    `json:"form"`
	FormVersion int       `json:"formVersion"`
	SubmittedAt time.Time `json:"submittedAt"`
	// TokenHash is the SHA-256 of the receipt token, in hex.
	TokenHash string `json:"tokenHash"`
	// AccountID is the agent who filed an internal form.
	AccountID string `json:"accountId,omitempty"`
	// Data is the submitted data in the canonical form of RFC 8785 (JCS).
	Data json.RawMessage `json:"data"`
	// DataSHA256 is the SHA-256 of Data, in hex.
	DataSHA256 string `json:"dataSha256"`
	// Attachments are the files sent with the data, in the order of their
	// AttachmentRef.
	Attachments []Attachment `json:"attachments,omitempty"`
	// Lang is the language the submitter used, for what is sent to them.
	Lang locale.Lang `json:"lang,omitempty"`
	// Revision numbers a corrected version: 2 for the first correction,
	// and so on; absent on the first version (see Correct).
	Revision int `json:"revision,omitempty"`
	// Corrects is, on a corrected version, the sequence in SUBMISSIONS of
	// the version it corrects.
	Corrects uint64 `json:"corrects,omitempty"`
}

// Version is the submission's version number: 1 for the first, then one
// more for each correction.
func (s Submission) Version() int { return max(1, s.Revision) }

// Subject is the subject of SUBMISSIONS the version is published on.
func (s Submission) Subject() string {
	if s.Version() > 1 {
		return bus.RevisionSubject(s.Form)
	}
	return bus.SubmissionSubject(s.Form)
}

// crockford is Crockford's base-32 alphabet: no I, L, O or U, so a
// reference read aloud or copied by hand is not mistaken.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// sequenceDigits is how many base-32 digits a reference gives the
// sequence, at least: enough for 34 billion submissions.
const sequenceDigits = 7

// ReferenceOf is the reference of the submission whose first version is
// at seq in SUBMISSIONS, submitted at at: such as "2026-0001-F2N0", the
// year, the sequence in base 32, and a check digit that catches any digit
// mistyped and any two neighbours swapped. The stream gives each submission its own
// sequence, so references are unique; they are also in order, which the
// security model allows: the reference alone grants no access.
func ReferenceOf(seq uint64, at time.Time) string {
	digits := make([]byte, 0, sequenceDigits+1)
	for n := seq; n > 0 || len(digits) < sequenceDigits; n /= 32 {
		digits = append(digits, crockford[n%32])
	}
	slices.Reverse(digits)
	digits = append(digits, checkDigit(digits))
	return at.UTC().Format("2006") + "-" + string(digits[:4]) + "-" + string(digits[4:])
}

// checkDigit is the check digit of a reference's digits: the digits read
// as a polynomial over GF(32), evaluated at a generator α of the field,
// times α once more. In a field, any one digit changed, or two different
// neighbours swapped, the check digit included, changes it.
func checkDigit(digits []byte) byte {
	c := 0
	for _, d := range digits {
		c = timesAlpha(c) ^ strings.IndexByte(crockford, d)
	}
	return crockford[timesAlpha(c)]
}

// timesAlpha multiplies an element of GF(32), built on the primitive
// polynomial x⁵ + x² + 1, by α = x.
func timesAlpha(c int) int {
	c <<= 1
	if c&32 != 0 {
		c ^= 0b100101
	}
	return c
}

// SequenceOf returns the sequence in SUBMISSIONS that a reference of
// ReferenceOf names. It reports false for any other reference, among them
// those drawn at random before layout 3 ("2026-K7QM-4XPA-9DXR"), whose
// state tells their sequence.
func SequenceOf(reference string) (uint64, bool) {
	reference = Normalise(reference)
	if !sequencePattern.MatchString(reference) {
		return 0, false
	}
	digits := []byte(strings.ReplaceAll(reference[5:], "-", ""))
	body, check := digits[:len(digits)-1], digits[len(digits)-1]
	if checkDigit(body) != check {
		return 0, false
	}
	var seq uint64
	for _, d := range body {
		if seq > (1<<64-1)/32 {
			return 0, false
		}
		seq = seq*32 + uint64(strings.IndexByte(crockford, d))
	}
	return seq, seq > 0
}

// Normalise writes a reference as a person may type it (spaces around,
// small letters) as it is stored.
func Normalise(reference string) string { return strings.ToUpper(strings.TrimSpace(reference)) }

// sequencePattern is the shape of ReferenceOf's references, and
// randomPattern that of the references drawn at random before layout 3.
var (
	sequencePattern = regexp.MustCompile(`^[0-9]{4}-[` + crockford + `]{4}-[` + crockford + `]{4,}$`)
	randomPattern   = regexp.MustCompile(`^[0-9]{4}(?:-[` + crockford + `]{4}){3}$`)
)

// IsReference reports whether s, as a person may type it, is shaped like
// a reference: "2026-0001-F2N0", or "2026-K7QM-4XPA-9DXR" as they were
// drawn before layout 3.
func IsReference(s string) bool {
	s = Normalise(s)
	if randomPattern.MatchString(s) {
		return true
	}
	_, ok := SequenceOf(s)
	return ok
}

// NewToken makes a receipt token: 128 random bits, base64url without padding.
func NewToken() string {
	var random [16]byte
	_, _ = rand.Read(random[:])
	return base64.RawURLEncoding.EncodeToString(random[:])
}

// HashToken returns the hex SHA-256 of a receipt token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// TokenMatches reports, in constant time, whether token is the one whose
// hash is tokenHash.
func TokenMatches(token, tokenHash string) bool {
	if token == "" || tokenHash == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(HashToken(token)), []byte(tokenHash)) == 1
}
