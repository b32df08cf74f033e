package submit

import (
	"encoding/json"
	"time"

	"github.com/guichet/guichet/identity"
)

// Side is who writes in a dossier's conversation.
type Side string

// The sides of a conversation.
const (
	// FromDepartment is an agent of the dossier's department.
	FromDepartment Side = "department"
	// FromApplicant is the person who made the request.
	FromApplicant Side = "applicant"
)

// Message is one message of a dossier's conversation, as it is stored on
// the dossier's event log (bus.MessageSubject): the log is the record,
// and an email only tells the applicant of it.
type Message struct {
	Reference string    `json:"reference"`
	At        time.Time `json:"at"`
	From      Side      `json:"from"`
	// By is the agent who wrote it; empty for the applicant.
	By         string `json:"by,omitempty"`
	Department string `json:"department,omitempty"`
	// Sequence is the submission's sequence in SUBMISSIONS when the
	// message was written.
	Sequence uint64       `json:"sequence"`
	Text     string       `json:"text"`
	Files    []Attachment `json:"files,omitempty"`
	// Asks names the answers a request for correction asks the applicant
	// to change, by field.
	Asks []string `json:"asks,omitempty"`
	// Revision is the version of the answers that the applicant's
	// correction stored.
	Revision int `json:"revision,omitempty"`
	// ID is the message's sequence in EVENTS, known once it is stored.
	ID uint64 `json:"-"`
}

// DecodeMessage reads a message of a conversation stored at seq in
// EVENTS. Messages written before the applicant could reply were the
// department's, with their text as a "reason".
func DecodeMessage(seq uint64, data []byte) (Message, error) {
	var m struct {
		Message
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return Message{}, err
	}
	if m.From == "" {
		m.From, m.Text = FromDepartment, m.Reason
	}
	m.ID = seq
	return m.Message, nil
}

// Unread counts the messages of a dossier's conversation that each side
// has not read yet.
type Unread struct {
	Department int `json:"department,omitempty"`
	Applicant  int `json:"applicant,omitempty"`
}

// Add counts a new message from a side: it is unread by the other.
func (u *Unread) Add(from Side) {
	if from == FromApplicant {
		u.Department++
	} else {
		u.Applicant++
	}
}

// Of is how many messages side has not read.
func (u Unread) Of(side Side) int {
	if side == FromApplicant {
		return u.Applicant
	}
	return u.Department
}

// Read marks everything read by side.
func (u *Unread) Read(side Side) {
	if side == FromApplicant {
		u.Applicant = 0
	} else {
		u.Department = 0
	}
}

// AppliedBy reports whether p presenting token is the applicant of a
// submission: the holder of its receipt token (or of a link's), or the
// agent who filed it.
func (r State) AppliedBy(p identity.Principal, token string) bool {
	return r.HoldsToken(token) || (!p.Anonymous() && p.AccountID == r.AccountID)
}
