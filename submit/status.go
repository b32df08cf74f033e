package submit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guichet/guichet/internal/platform/tracing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// Status is where a submission stands.
type Status string

// The statuses, in the order a submission moves through them.
const (
	Received   Status = "received"
	Documented Status = "documented"
	Routed     Status = "routed"
	InReview   Status = "in_review"
	// ToComplete waits for the applicant to correct answers or add
	// documents that an agent asked for.
	ToComplete Status = "to_complete"
	Accepted   Status = "accepted"
	Rejected   Status = "rejected"
	Closed     Status = "closed"
)

var statusLabels = map[Status]locale.Text{
	Received:   {FR: "Reçu", EN: "Received"},
	Documented: {FR: "Enregistré", EN: "Recorded"},
	Routed:     {FR: "Transmis au service", EN: "Sent to the department"},
	InReview:   {FR: "En instruction", EN: "Under review"},
	ToComplete: {FR: "À compléter", EN: "To complete"},
	Accepted:   {FR: "Accepté", EN: "Accepted"},
	Rejected:   {FR: "Refusé", EN: "Rejected"},
	Closed:     {FR: "Classé sans suite", EN: "Closed"},
}

// Label names a status for people, in French and English.
func (s Status) Label() locale.Text { return statusLabels[s] }

// decisionSentences say a decision on a request ("la demande", feminine)
// as a sentence to the person who made it.
var decisionSentences = map[Status]locale.Text{
	Accepted: {FR: "Votre demande est acceptée.", EN: "Your request is accepted."},
	Rejected: {FR: "Votre demande est refusée.", EN: "Your request is rejected."},
	Closed:   {FR: "Votre demande est classée sans suite.", EN: "Your request is closed without further action."},
}

// Sentence says a decision to the person who made the request: "Votre
// demande est acceptée."; empty for a status that is not a decision.
func (s Status) Sentence() locale.Text { return decisionSentences[s] }

// Decided reports whether the status is a decision.
func (s Status) Decided() bool { return s == Accepted || s == Rejected || s == Closed }

// Statuses lists every status, in order.
var Statuses = []Status{Received, Documented, Routed, InReview, ToComplete, Accepted, Rejected, Closed}

// ErrUnknownSubmission means no submission has that reference.
var ErrUnknownSubmission = errors.New("submit: unknown submission")

// Change is one step of a submission's history.
type Change struct {
	Status     Status    `json:"status"`
	At         time.Time `json:"at"`
	Department string    `json:"department,omitempty"`
	// By is the account that made a back-office change, with its reason.
	By     string `json:"by,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Revision is the version of the answers that the applicant's
	// correction stored, when the change is its return to review.
	Revision int `json:"revision,omitempty"`
}

// State is the current state of a submission, kept in the status bucket.
type State struct {
	Reference   string    `json:"reference"`
	Form        string    `json:"form"`
	FormVersion int       `json:"formVersion"`
	SubmittedAt time.Time `json:"submittedAt"`
	TokenHash   string    `json:"tokenHash"`
	AccountID   string    `json:"accountId,omitempty"`
	Status      Status    `json:"status"`
	Department  string    `json:"department,omitempty"`
	History     []Change  `json:"history"`
	// Attachments are the files sent with the submission.
	Attachments []Attachment `json:"attachments,omitempty"`
	// Sequence is the submission's sequence in the SUBMISSIONS stream,
	// known once a processor has seen it.
	Sequence uint64 `json:"sequence,omitempty"`
	// LinkTokenHashes are the hashes of the tokens sent by email in links
	// to the receipt; each opens it like the receipt's own token.
	LinkTokenHashes []string `json:"linkTokenHashes,omitempty"`
	// Assignee is the agent in charge of the dossier; Followers are the
	// agents who asked to follow it.
	Assignee  string   `json:"assignee,omitempty"`
	Followers []string `json:"followers,omitempty"`
	// Versions lists the submission's versions once it has been
	// corrected, the first included; Sequence is then the last one's.
	Versions []Version `json:"versions,omitempty"`
	// Unread counts the messages of the dossier's conversation each side
	// has not read.
	Unread Unread `json:"unread,omitzero"`
	// Documented says the PDF record of the current version is stored:
	// Tracker.Get tells, from the stages or the documents.
	Documented bool `json:"-"`
}

// StateOf is the first state of a submission.
func StateOf(s Submission) State {
	return State{
		Reference:   s.Reference,
		Form:        s.Form,
		FormVersion: s.FormVersion,
		SubmittedAt: s.SubmittedAt,
		TokenHash:   s.TokenHash,
		AccountID:   s.AccountID,
		Status:      Received,
		History:     []Change{{Status: Received, At: s.SubmittedAt}},
		Attachments: s.Attachments,
	}
}

// ReadableBy reports whether a submission may be shown to p presenting
// token: the holder of its receipt token (or of a link's), the agent who filed it, the
// agents of the department it was routed to, and admins may see it. The
// reference alone never suffices.
func (r State) ReadableBy(p identity.Principal, token string) bool {
	return r.AppliedBy(p, token) || p.ServesDepartment(r.Department)
}

// HoldsToken reports whether token is the receipt's, or one sent in a link.
func (r State) HoldsToken(token string) bool {
	return TokenMatches(token, r.TokenHash) || slices.ContainsFunc(r.LinkTokenHashes, func(h string) bool { return TokenMatches(token, h) })
}

// NewLink gives a new token that opens a submission's receipt, to be sent
// in a link; the record keeps only its hash.
func (t *Tracker) NewLink(ctx context.Context, reference string) (string, error) {
	token := NewToken()
	_, err := t.Update(ctx, reference, func(rec *State) error {
		rec.LinkTokenHashes = append(rec.LinkTokenHashes, HashToken(token))
		return nil
	})
	return token, err
}

// Reached reports whether the submission has been through status.
func (r State) Reached(status Status) bool {
	return slices.ContainsFunc(r.History, func(c Change) bool { return c.Status == status })
}

// Event is published on EVENTS each time a submission reaches a status.
type Event struct {
	Reference string `json:"reference"`
	// Form and FormVersion are the form version the submission answers.
	Form        string    `json:"form,omitempty"`
	FormVersion int       `json:"formVersion,omitempty"`
	Status      Status    `json:"status"`
	At          time.Time `json:"at"`
	Department  string    `json:"department,omitempty"`
	// Sequence is the submission's sequence in the SUBMISSIONS stream.
	Sequence uint64 `json:"sequence"`
	// By and Reason say who made a back-office change, and why.
	By     string `json:"by,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Index is the change's position in the submission's history, for a
	// back-office change.
	Index int `json:"index,omitempty"`
}

// StageOf is the stage that a message of a stages subject records (the
// last that its bus.StagesHeader names), or "" for another message: the
// stages consumers read are told apart without decoding them.
func StageOf(msg jetstream.Msg) Status {
	held := msg.Headers().Get(bus.StagesHeader)
	return Status(held[strings.LastIndexByte(held, ',')+1:])
}

// InboxEntry is what a department's inbox lists about a routed submission.
type InboxEntry struct {
	Reference   string    `json:"reference"`
	Form        string    `json:"form"`
	FormVersion int       `json:"formVersion"`
	SubmittedAt time.Time `json:"submittedAt"`
	// Text is the submission's answers in lower case, for the inbox's search.
	Text string `json:"text,omitempty"`
	// Applicant is the applicant's name, as the answers say it.
	Applicant string `json:"applicant,omitempty"`
	// Summary are the answers the form shows in the inbox.
	Summary []Labelled `json:"summary,omitempty"`
}

// Labelled is an answer with its field's title.
type Labelled struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// MaxSearchText bounds the answers an inbox entry keeps for searching.
const MaxSearchText = 4096

// SearchText gathers the text and numbers of a submission's answers in
// lower case, files left out, for the inbox's search.
func SearchText(data json.RawMessage) string {
	var v any
	_ = json.Unmarshal(data, &v)
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			keys := slices.Sorted(maps.Keys(v))
			for _, k := range keys {
				walk(v[k])
			}
		case []any:
			for _, item := range v {
				walk(item)
			}
		case string:
			if !strings.HasPrefix(v, "data:") {
				b.WriteString(strings.ToLower(v) + "\n")
			}
		case float64:
			b.WriteString(strconv.FormatFloat(v, 'f', -1, 64) + "\n")
		}
	}
	walk(v)
	text := b.String()
	if len(text) > MaxSearchText {
		text = strings.ToValidUTF8(text[:MaxSearchText], "")
	}
	return text
}

// Tracker keeps the states, publishes status events, and files
// routed submissions into their department's inbox. Every method is
// idempotent, because processors may see a message twice.
type Tracker struct {
	bus    *bus.Bus
	status jetstream.KeyValue
	inbox  jetstream.KeyValue
	// documentsStream is the stream under the documents, where the PDF
	// records are.
	documentsStream jetstream.Stream
	events          jetstream.Stream
	// submissions is SUBMISSIONS, where a submission that routing has not
	// seen yet is found by its reference (see get).
	submissions jetstream.Stream
	now         func() time.Time
}

// NewTracker opens the status and inbox buckets, and the documents.
func NewTracker(ctx context.Context, b *bus.Bus) (*Tracker, error) {
	status, err := b.KV(ctx, bus.BucketStatus)
	if err != nil {
		return nil, err
	}
	inbox, err := b.KV(ctx, bus.BucketInbox)
	if err != nil {
		return nil, err
	}
	documents, err := b.JS.Stream(ctx, bus.DocumentsStream)
	if err != nil {
		return nil, err
	}
	events, err := b.JS.Stream(ctx, bus.StreamEvents)
	if err != nil {
		return nil, err
	}
	submissions, err := b.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		return nil, err
	}
	return &Tracker{
		bus:             b,
		status:          status,
		inbox:           inbox,
		documentsStream: documents,
		events:          events,
		submissions:     submissions,
		now:             time.Now,
	}, nil
}

// Get returns where a submission stands, composed from what the stages
// have stored (see get), and whether the PDF record of each of its
// versions is stored.
func (t *Tracker) Get(ctx context.Context, reference string) (State, error) {
	rec, _, err := t.get(ctx, reference)
	if err != nil {
		return rec, err
	}
	return rec, t.addDocuments(ctx, &rec)
}

// addDocuments tells which versions of rec have their PDF record stored.
func (t *Tracker) addDocuments(ctx context.Context, rec *State) error {
	for i, v := range rec.Versions {
		if !v.Documented {
			stored, err := t.pdfStored(ctx, rec.Reference, v.Revision)
			if err != nil {
				return err
			}
			rec.Versions[i].Documented = stored
		}
		if v.Revision == rec.Revision() {
			rec.Documented = rec.Versions[i].Documented
		}
	}
	if len(rec.Versions) > 0 || rec.Documented {
		return nil
	}
	if rec.Documented = rec.Reached(Documented); rec.Documented {
		return nil
	}
	stored, err := t.pdfStored(ctx, rec.Reference, 1)
	rec.Documented = stored
	return err
}

// pdfStored tells whether the PDF record of a version of a submission is
// stored, from the documents stream's index of subjects: reading the
// record's description would load the whole block of the stream that
// holds it, megabytes of other PDFs, and keep it cached. A record deleted
// with its submission still counts, for the moment the erasure takes.
func (t *Tracker) pdfStored(ctx context.Context, reference string, revision int) (bool, error) {
	subject := bus.DocumentMetaSubject(bus.DocumentRecordName(reference, revision))
	info, err := t.documentsStream.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		return false, err
	}
	return info.State.Subjects[subject] > 0, nil
}

// stored reads the state of reference as stored, with its
// revision.
func (t *Tracker) stored(ctx context.Context, reference string) (State, uint64, error) {
	return bus.GetJSON[State](ctx, t.status, reference, ErrUnknownSubmission)
}

// get returns where a submission stands, with the revision of its status
// record. The record is written once something happens to the submission
// that its stages do not say (an agent's change, a link sent to the
// submitter, a correction); until then, the submission and its stages
// tell it all, and get composes it from them, with revision 0. A record
// written before the submission was routed learns it from the stages.
func (t *Tracker) get(ctx context.Context, reference string) (State, uint64, error) {
	rec, revision, err := t.stored(ctx, reference)
	switch {
	case err == nil && rec.Reached(Routed):
		return rec, revision, nil
	case err == nil:
		st, err := t.stagesOf(ctx, reference)
		rec.routed(st.routed)
		return rec, revision, err
	case !errors.Is(err, ErrUnknownSubmission):
		return rec, revision, err
	}
	seq, ok := SequenceOf(reference)
	if !ok {
		return rec, 0, err
	}
	s, err := Load(ctx, t.submissions, reference, seq)
	if missing := (*NotStoredError)(nil); errors.As(err, &missing) {
		return State{}, 0, ErrUnknownSubmission
	}
	if err != nil {
		return State{}, 0, err
	}
	rec = StateOf(s.Submission)
	rec.Sequence = s.Sequence
	st, err := t.stagesOf(ctx, reference)
	if err != nil {
		return State{}, 0, err
	}
	rec.routed(st.routed)
	rec.Documented = st.has(Documented)
	return rec, 0, nil
}

// routed adds the routing of the submission, when the stages tell it, to
// a record that lacks it.
func (r *State) routed(c *Change) {
	if c == nil {
		return
	}
	r.History = append(r.History, *c)
	r.Department = c.Department
	if r.Status == Received {
		r.Status = Routed
	}
}

// Documented tells that the PDF record of the first version of s was
// stored at a time: its "documented" stage, once.
func (t *Tracker) Documented(ctx context.Context, s Stored, at time.Time) error {
	return t.recordStages(ctx, s.Reference, false, stageEvent(s, Documented, at.UTC(), ""))
}

// Route files the first version of a submission into department's inbox,
// with the applicant's name and the summary that its form version (when
// given) reads from the answers,
// then records its "received" and "routed" stages, which say where it
// stands until something else happens to it: routing writes no status
// record. Each write is made once, however many times the submission is
// routed: a crash between the two is repaired by routing it again.
func (t *Tracker) Route(ctx context.Context, s Stored, form *schemas.Compiled, department string) error {
	received := stageEvent(s, Received, s.SubmittedAt, "")
	rec, _, err := t.stored(ctx, s.Reference)
	switch {
	case err == nil && rec.Reached(Routed):
		// Routed by a record of before the stages said so: only they may
		// be missing.
		routed := rec.History[slices.IndexFunc(rec.History, func(c Change) bool { return c.Status == Routed })]
		return t.recordStages(ctx, s.Reference, false, received, stageEvent(s, Routed, routed.At, routed.Department))
	case err != nil && !errors.Is(err, ErrUnknownSubmission):
		return err
	}
	inboxEntry := InboxEntry{
		Reference:   s.Reference,
		Form:        s.Form,
		FormVersion: s.FormVersion,
		SubmittedAt: s.SubmittedAt,
		Text:        SearchText(s.Data),
	}
	if form != nil {
		inboxEntry.Applicant = form.Applicant(s.Data).Name
		for _, a := range form.Summary(s.Data) {
			inboxEntry.Summary = append(inboxEntry.Summary, Labelled{Label: a.Label, Value: a.Value})
		}
	}
	entry, err := json.Marshal(inboxEntry)
	if err != nil {
		return err
	}
	// The key is derived from the submission alone, so filing twice
	// overwrites the same entry.
	if _, err := t.bus.PutKey(ctx, t.inbox, bus.InboxKey(department, s.SubmittedAt, s.Reference), entry); err != nil {
		return fmt.Errorf("submit: file into inbox: %w", err)
	}
	// Most often routed for the first time: the stages are written
	// before anything is read.
	return t.recordStages(ctx, s.Reference, true, received, stageEvent(s, Routed, t.now().UTC(), department))
}

// stageEvent is the event of a submission's processing stage.
func stageEvent(s Stored, status Status, at time.Time, department string) Event {
	return Event{
		Reference:   s.Reference,
		Form:        s.Form,
		FormVersion: s.FormVersion,
		Status:      status,
		At:          at,
		Department:  department,
		Sequence:    s.Sequence,
	}
}

// Update changes a state with edit, which may refuse by returning
// an error, retrying when another writer got there first. A submission's
// first record is the one get composes.
func (t *Tracker) Update(ctx context.Context, reference string, edit func(*State) error) (State, error) {
	for attempt := 0; ; attempt++ {
		rec, revision, err := t.get(ctx, reference)
		if err != nil {
			return rec, err
		}
		if err := edit(&rec); err != nil {
			return rec, err
		}
		raw, err := json.Marshal(rec)
		if err != nil {
			return rec, err
		}
		_, err = t.bus.UpdateKey(ctx, t.status, reference, raw, revision)
		// A record created meanwhile is read at the next attempt; one that
		// still reads as never written was erased, and its submission with
		// it a moment later.
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) && (revision != 0 || attempt < 3) {
			continue
		}
		return rec, err
	}
}

// Move makes a back-office change of status, which allowed may refuse
// given the record as it stands, and publishes its event. A status may be
// reached several times (a dossier reopened), so each event is told apart
// by its place in the history.
func (t *Tracker) Move(ctx context.Context, reference string, change Change, allowed func(State) error) (State, error) {
	rec, err := t.Update(ctx, reference, func(rec *State) error {
		if err := allowed(*rec); err != nil {
			return err
		}
		change.At = t.now().UTC()
		rec.History = append(rec.History, change)
		rec.Status = change.Status
		return nil
	})
	if err != nil {
		return rec, err
	}
	e := Event{
		Reference:   reference,
		Form:        rec.Form,
		FormVersion: rec.FormVersion,
		Status:      change.Status,
		At:          change.At,
		Department:  rec.Department,
		Sequence:    rec.Sequence,
		By:          change.By,
		Reason:      change.Reason,
		Index:       len(rec.History) - 1,
	}
	return rec, t.publishAs(ctx, e, bus.EventSubject(reference, string(change.Status))+"."+strconv.Itoa(len(rec.History)))
}

// maxStageWrites bounds the attempts to record a stage while other
// stages of the same submission are being recorded.
const maxStageWrites = 5

// stages is what a submission's stages subject says, as its last message
// tells it.
type stages struct {
	// last is the sequence of the subject's last message, 0 when it has
	// none.
	last uint64
	// held are the stages recorded, in the order they were.
	held []string
	// routed is where and when the submission was routed, once it was.
	routed *Change
}

// has reports whether the stage of status is recorded.
func (st stages) has(status Status) bool { return slices.Contains(st.held, string(status)) }

// recordStages stores the events of a processing stage on the
// submission's stages subject, each once, however many times the stage
// runs and whichever stage writes first. Each message names the stages
// the subject holds up to and including it (bus.StagesHeader), and where
// and when the submission was routed once it was (bus.RoutedHeader), so
// that the last message tells them all; each write expects the subject's
// last message to be the one read before it, and is tried again on what
// was written meanwhile. empty says the subject is most likely empty: the
// write is then tried before anything is read.
func (t *Tracker) recordStages(ctx context.Context, reference string, empty bool, events ...Event) error {
	subject := bus.StagesSubject(reference)
	var st stages
	if !empty {
		var err error
		if st, err = t.stagesOf(ctx, reference); err != nil {
			return err
		}
	}
	for attempt := 1; ; attempt++ {
		var msgs []*nats.Msg
		for _, e := range events {
			if st.has(e.Status) {
				continue
			}
			st.held = append(st.held, string(e.Status))
			if e.Status == Routed {
				st.routed = &Change{Status: Routed, At: e.At, Department: e.Department}
			}
			msg, err := eventMsg(ctx, e, subject)
			if err != nil {
				return err
			}
			msg.Header.Set(bus.StagesHeader, strings.Join(st.held, ","))
			if st.routed != nil {
				msg.Header.Set(bus.RoutedHeader, st.routed.Department+" "+st.routed.At.Format(time.RFC3339Nano))
			}
			msgs = append(msgs, msg)
		}
		if len(msgs) == 0 {
			return nil
		}
		// Only the first message of an atomic batch may expect a last
		// sequence: the others follow it.
		msgs[0].Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(st.last, 10))
		_, err := t.bus.CommitTogether(ctx, bus.StreamEvents, msgs...)
		if !bus.IsWrongLastSequence(err) || attempt == maxStageWrites {
			return err
		}
		if st, err = t.stagesOf(ctx, reference); err != nil {
			return err
		}
	}
}

// stagesOf reads what a submission's stages subject says. A submission
// processed before the stages shared a subject had one per stage: its
// stages are read there while the stages subject holds nothing, and its
// state says where it was routed.
func (t *Tracker) stagesOf(ctx context.Context, reference string) (stages, error) {
	msg, err := t.events.GetLastMsgForSubject(ctx, bus.StagesSubject(reference))
	switch {
	case err == nil:
		st := stages{last: msg.Sequence, held: strings.Split(msg.Header.Get(bus.StagesHeader), ",")}
		if department, at, ok := strings.Cut(msg.Header.Get(bus.RoutedHeader), " "); ok {
			when, err := time.Parse(time.RFC3339Nano, at)
			if err != nil {
				return st, fmt.Errorf("submit: stages of %s: %w", reference, err)
			}
			st.routed = &Change{Status: Routed, At: when, Department: department}
		}
		return st, nil
	case !errors.Is(err, jetstream.ErrMsgNotFound):
		return stages{}, err
	}
	var st stages
	for _, status := range []Status{Received, Routed, Documented} {
		_, err := t.events.GetLastMsgForSubject(ctx, bus.EventSubject(reference, string(status)))
		switch {
		case err == nil:
			st.held = append(st.held, string(status))
		case !errors.Is(err, jetstream.ErrMsgNotFound):
			return stages{}, err
		}
	}
	return st, nil
}

// publishAs stores the event of a back-office change under a message id
// that JetStream deduplicates, since a status may be reached again.
func (t *Tracker) publishAs(ctx context.Context, e Event, msgID string) error {
	msg, err := eventMsg(ctx, e, bus.EventSubject(e.Reference, string(e.Status)))
	if err != nil {
		return err
	}
	msg.Header.Set(jetstream.MsgIDHeader, msgID)
	_, err = t.bus.Commit(ctx, bus.StreamEvents, msg)
	return err
}

// eventMsg is the message of an event on subject, which carries on the
// request, or the processing, that caused it.
func eventMsg(ctx context.Context, e Event, subject string) (*nats.Msg, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	msg := &nats.Msg{Subject: subject, Data: raw,
		Header: nats.Header{jetstream.ExpectedStreamHeader: []string{bus.StreamEvents}}}
	tracing.Inject(ctx, msg.Header)
	return msg, nil
}
