// Package submit owns intake: the Submission envelope, reference numbers,
// receipt tokens, idempotency and publishing to JetStream, and the status
// of each submission as processors move it along.
//
// It imports bus, schemas, identity and locale; processors and the API
// import it.
package submit

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/locale"
)

// Submission is the envelope of one accepted submission, as published on
// the SUBMISSIONS stream.
type Submission struct {
	Reference   string    `json:"reference"`
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

// NewReference makes a reference such as "2026-K7QM-4XPA-9DXR": the year,
// then 60 random bits in three groups. References are unique (the status
// record refuses a duplicate) but grant no access by themselves.
func NewReference(at time.Time) string {
	var random [12]byte
	_, _ = rand.Read(random[:]) // never fails: crypto/rand panics rather than return an error
	var b strings.Builder
	b.WriteString(at.UTC().Format("2006"))
	for i, r := range random {
		if i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(crockford[r%32])
	}
	return b.String()
}

// referencePattern is the shape of NewReference's references.
var referencePattern = regexp.MustCompile(`^[0-9]{4}(?:-[` + crockford + `]{4}){3}$`)

// IsReference reports whether s, as a person may type it (spaces around,
// small letters), is shaped like a reference: "2026-K7QM-4XPA-9DXR".
func IsReference(s string) bool {
	return referencePattern.MatchString(strings.ToUpper(strings.TrimSpace(s)))
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
