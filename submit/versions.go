package submit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/tracing"
	"github.com/guichet/guichet/schemas"
)

// Stored is a version of a submission with its place in SUBMISSIONS.
type Stored struct {
	Submission
	// Sequence is its message's sequence in SUBMISSIONS.
	Sequence uint64
}

// NotStoredError means SUBMISSIONS holds no submission of Reference at
// Sequence: it was erased, or the sequence names another message.
type NotStoredError struct {
	Reference string
	Sequence  uint64
}

func (e *NotStoredError) Error() string {
	return fmt.Sprintf("submit: submission %s is not at sequence %d of %s", e.Reference, e.Sequence, bus.StreamSubmissions)
}

// Permanent tells the consumers that no retry brings the submission back.
func (*NotStoredError) Permanent() bool { return true }

// Load reads the version of the submission of reference stored at seq in
// SUBMISSIONS; a *NotStoredError when there is none.
func Load(ctx context.Context, submissions jetstream.Stream, reference string, seq uint64) (Stored, error) {
	missing := &NotStoredError{Reference: reference, Sequence: seq}
	if seq == 0 {
		return Stored{}, missing
	}
	msg, err := submissions.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return Stored{}, missing
	}
	if err != nil {
		return Stored{}, err
	}
	s, err := Unmarshal(seq, msg.Data)
	if err != nil || s.Reference != reference {
		return Stored{}, missing
	}
	return s, nil
}

// Unmarshal reads the submission stored at seq in SUBMISSIONS with its
// reference, which a first version takes from seq; a *NotStoredError when
// data holds no submission.
func Unmarshal(seq uint64, data []byte) (Stored, error) {
	s := Stored{Sequence: seq}
	if json.Unmarshal(data, &s.Submission) != nil || s.Form == "" || s.SubmittedAt.IsZero() {
		return Stored{}, &NotStoredError{Sequence: seq}
	}
	if s.Reference == "" {
		if s.Version() > 1 {
			return Stored{}, &NotStoredError{Sequence: seq}
		}
		s.Reference = ReferenceOf(seq, s.SubmittedAt)
	}
	return s, nil
}

// FormVersions finds the form version a submission answers.
type FormVersions interface {
	Version(ctx context.Context, id string, n int) (*schemas.Compiled, error)
}

// FormMissingError means the form version a submission answers is not
// stored: no retry brings it back.
type FormMissingError struct {
	Reference, Form string
	Version         int
}

func (e *FormMissingError) Error() string {
	return fmt.Sprintf("submit: submission %s: form %s version %d not found", e.Reference, e.Form, e.Version)
}

// Permanent tells the consumers that no retry brings the form back.
func (*FormMissingError) Permanent() bool { return true }

// LoadAnswered reads, for a consumer that an event or a receipt names it
// to, the version of a submission stored at seq, and the form version it
// answers. A *NotStoredError or a *FormMissingError is permanent; any other
// error is worth a retry.
func LoadAnswered(
	ctx context.Context,
	submissions jetstream.Stream,
	forms FormVersions,
	reference string,
	seq uint64,
) (Stored, *schemas.Compiled, error) {
	s, err := Load(ctx, submissions, reference, seq)
	if err != nil {
		return s, nil, err
	}
	form, err := FormOf(ctx, forms, s)
	return s, form, err
}

// FormOf finds the form version s answers; a *FormMissingError when it is
// not stored.
func FormOf(ctx context.Context, forms FormVersions, s Stored) (*schemas.Compiled, error) {
	form, err := forms.Version(ctx, s.Form, s.FormVersion)
	if errors.Is(err, schemas.ErrNotFound) {
		return nil, &FormMissingError{Reference: s.Reference, Form: s.Form, Version: s.FormVersion}
	}
	return form, err
}

// Decode reads a message of SUBMISSIONS, as its consumers get it; a
// *NotStoredError when it holds no submission.
func Decode(msg jetstream.Msg) (Stored, error) {
	md, err := msg.Metadata()
	if err != nil {
		return Stored{}, err
	}
	return Unmarshal(md.Sequence.Stream, msg.Data())
}

// Version is one version of a submission, as its state lists them
// once it has been corrected.
type Version struct {
	Revision int `json:"revision"`
	// Sequence is where the version is in SUBMISSIONS.
	Sequence uint64    `json:"sequence"`
	At       time.Time `json:"at"`
	// DataSHA256 is the SHA-256 of its data in JCS form.
	DataSHA256 string `json:"dataSha256"`
	// Documented says its PDF record is stored: Tracker.Get tells.
	Documented bool `json:"documented,omitempty"`
}

// Revision is the number of the version the record points to: the
// version that is decided.
func (r State) Revision() int { return max(1, len(r.Versions)) }

// Correct stores a corrected version of a submission on SUBMISSIONS, the
// record of truth, after the version it corrects: the same reference,
// form version, receipt token and submitter; the corrected data,
// validated against the same form version; the next version number; and
// the sequence of the version it corrects. Files already attached stay,
// by their AttachmentRef; new ones are added after them. Its receipt and
// its PDF record follow as for any submission. Storing the same
// correction again stores nothing more and returns the version stored
// first.
func (in *Intake) Correct(ctx context.Context, form *schemas.Compiled, previous Stored, data json.RawMessage) (Stored, error) {
	ctx, cancel := context.WithTimeout(ctx, StorageTimeout)
	defer cancel()
	if err := checkLimits(data); err != nil {
		return Stored{}, err
	}
	data, err := form.Calculate(data)
	if err != nil {
		return Stored{}, err
	}
	if err := form.Validate(data); err != nil {
		return Stored{}, err
	}
	sub := previous.Submission
	sub.Revision, sub.Corrects = previous.Version()+1, previous.Sequence
	var files []pendingFile
	if rules := form.FileFields(); len(rules) > 0 {
		var err error
		if data, files, err = extractFiles(data, rules, len(sub.Attachments)); err != nil {
			return Stored{}, err
		}
	}
	canonical, err := Canonical(data)
	if err != nil {
		return Stored{}, fmt.Errorf("submit: canonicalise: %w", err)
	}
	sum := sha256.Sum256(canonical)
	sub.Data, sub.DataSHA256 = canonical, hex.EncodeToString(sum[:])
	added, err := in.receiveFiles(ctx, files)
	if err != nil {
		return Stored{}, err
	}
	sub.Attachments = append(slices.Clone(sub.Attachments), added...)
	raw, err := json.Marshal(sub)
	if err != nil {
		return Stored{}, err
	}
	msg := &nats.Msg{Subject: sub.Subject(), Data: raw, Header: nats.Header{
		jetstream.MsgIDHeader:          []string{bus.SubmissionMsgID(sub.Reference, sub.Revision)},
		jetstream.ExpectedStreamHeader: []string{bus.StreamSubmissions},
	}}
	tracing.Inject(ctx, msg.Header)
	ack, err := in.bus.Commit(ctx, bus.StreamSubmissions, msg)
	if err != nil {
		in.writeFailed(err)
		return Stored{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if ack.Duplicate {
		// Sent twice: the first is the correction.
		submissions, err := in.js.Stream(ctx, bus.StreamSubmissions)
		if err != nil {
			return Stored{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return Load(ctx, submissions, sub.Reference, ack.Sequence)
	}
	in.log.Info("submission corrected", "reference", sub.Reference, "revision", sub.Revision, "sequence", ack.Sequence)
	return Stored{Submission: sub, Sequence: ack.Sequence}, nil
}

// Revise points a submission's state at a version stored on
// SUBMISSIONS, if it is newer than the one the record points to, and
// lists it among the record's versions. Revising again with the same
// version changes nothing.
func (t *Tracker) Revise(ctx context.Context, v Stored) (State, error) {
	rec, err := t.Update(ctx, v.Reference, func(rec *State) error {
		if len(rec.Versions) == 0 {
			rec.Versions = []Version{{Revision: 1, Sequence: rec.Sequence, At: rec.SubmittedAt}}
		}
		if slices.ContainsFunc(rec.Versions, func(x Version) bool { return x.Revision == v.Version() }) {
			return errUnchanged
		}
		rec.Versions = append(
			rec.Versions,
			Version{Revision: v.Version(), Sequence: v.Sequence, At: t.now().UTC(), DataSHA256: v.DataSHA256},
		)
		slices.SortFunc(rec.Versions, func(a, b Version) int { return a.Revision - b.Revision })
		if last := rec.Versions[len(rec.Versions)-1]; last.Sequence > rec.Sequence {
			rec.Sequence = last.Sequence
			rec.Attachments = v.Attachments
		}
		return nil
	})
	if errors.Is(err, errUnchanged) {
		err = nil
	}
	return rec, err
}

// errUnchanged means a record already holds a change.
var errUnchanged = errors.New("submit: record unchanged")
