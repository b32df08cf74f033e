package backoffice

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// Errors of the work on dossiers.
var (
	// ErrNotEntitled means the principal does not serve the dossier's department.
	ErrNotEntitled = errors.New("backoffice: not an agent of the dossier's department")
	// ErrTransition means the action is not possible from the dossier's status.
	ErrTransition = errors.New("backoffice: not possible from the current status")
	// ErrReasonRequired means a decision or a reopening came without its reason.
	ErrReasonRequired = errors.New("backoffice: a reason is required")
	// ErrAdminOnly means only an admin may do this, such as reopening a decision.
	ErrAdminOnly = errors.New("backoffice: admins only")
	// ErrBatchTooLarge means a batch action names more than MaxBatch dossiers.
	ErrBatchTooLarge = errors.New("backoffice: too many dossiers for one batch")
	// ErrEmptyNote means a note came without text.
	ErrEmptyNote = errors.New("backoffice: empty note")
	// ErrTooLong means a note or a reason is longer than MaxTextLength.
	ErrTooLong = errors.New("backoffice: text too long")
	// ErrDecidedByWorkflow means the dossier is an internal request under
	// an approval workflow: only its workflow decides it.
	ErrDecidedByWorkflow = errors.New("backoffice: decided by its approval workflow")
	// ErrOwnRequest means the principal filed the dossier: nobody decides
	// their own request.
	ErrOwnRequest = errors.New("backoffice: one's own request")
)

// MaxTextLength bounds a note or a reason, in characters.
const MaxTextLength = 5000

// Action is what an agent does to a dossier's status.
type Action string

// The actions, and the statuses they lead to.
const (
	// TakeUp starts the review of a routed dossier.
	TakeUp Action = "take-up"
	Accept Action = "accept"
	Reject Action = "reject"
	Close  Action = "close"
	// Reopen takes a decided dossier back into review: admins only.
	Reopen Action = "reopen"
	// AskCorrection asks the applicant to correct answers: only through
	// Conversations.AskCorrection, which names them.
	AskCorrection Action = "ask-correction"
)

// Actions lists the actions, in the order the pages offer them.
var Actions = []Action{TakeUp, Accept, Reject, Close, Reopen}

// transition is where an action may start and where it leads.
type transition struct {
	from      []submit.Status
	to        submit.Status
	reason    bool
	adminOnly bool
}

var transitions = map[Action]transition{
	TakeUp: {from: []submit.Status{submit.Routed}, to: submit.InReview},
	Accept: {from: []submit.Status{submit.InReview, submit.ToComplete}, to: submit.Accepted, reason: true},
	Reject: {from: []submit.Status{submit.InReview, submit.ToComplete}, to: submit.Rejected, reason: true},
	Close:  {from: []submit.Status{submit.InReview, submit.ToComplete}, to: submit.Closed, reason: true},
	Reopen: {from: []submit.Status{submit.Accepted, submit.Rejected, submit.Closed}, to: submit.InReview, reason: true, adminOnly: true},
	// Asked again, a correction names the answers anew.
	AskCorrection: {from: []submit.Status{submit.Routed, submit.InReview, submit.ToComplete}, to: submit.ToComplete, reason: true},
}

// Possible lists the actions p may take on a dossier in its current
// status: none on a request under an approval workflow, which its
// workflow decides, nor on p's own request.
func Possible(p identity.Principal, d Dossier) []Action {
	out := []Action{}
	if d.DecidedByWorkflow() || filedBy(d.Record, p) {
		return out
	}
	for _, a := range Actions {
		t := transitions[a]
		if slices.Contains(t.from, d.Record.Status) && (!t.adminOnly || p.IsAdmin()) {
			out = append(out, a)
		}
	}
	return out
}

// MayAskCorrection reports whether p may ask the applicant of a dossier
// to correct answers, given its status.
func MayAskCorrection(p identity.Principal, d Dossier) bool {
	return !d.DecidedByWorkflow() && !filedBy(d.Record, p) && slices.Contains(transitions[AskCorrection].from, d.Record.Status)
}

// Allowed lists the actions p's role may take on some dossier, for the
// inbox's batch: reopening, for one, is an admin's.
func Allowed(p identity.Principal) []Action {
	return slices.DeleteFunc(slices.Clone(Actions), func(a Action) bool { return transitions[a].adminOnly && !p.IsAdmin() })
}

// decidedByWorkflow reports whether a dossier is decided by its approval
// workflow: a request filed by an agent on a form version with one, as
// the workflow consumer starts them.
func decidedByWorkflow(form *schemas.Compiled, rec submit.State) bool {
	return form != nil && form.Workflow != nil && rec.AccountID != ""
}

// filedBy reports whether p filed the dossier.
func filedBy(rec submit.State, p identity.Principal) bool {
	return !p.Anonymous() && rec.AccountID == p.AccountID
}

// NeedsReason reports whether an action must say why.
func (a Action) NeedsReason() bool { return transitions[a].reason }

// Versions finds the form version a submission was made with.
type Versions interface {
	Version(ctx context.Context, id string, n int) (*schemas.Compiled, error)
}

// Dossiers is the agents' work on what their departments received:
// reading a dossier with its form version's labels, deciding, noting.
// Every view and change is appended to the dossier's trail.
type Dossiers struct {
	js          jetstream.JetStream
	tracker     *submit.Tracker
	forms       Versions
	submissions jetstream.Stream
	seen        jetstream.KeyValue
	trail       *Trail
}

// NewDossiers opens what the work on dossiers needs.
func NewDossiers(ctx context.Context, b *bus.Bus, tracker *submit.Tracker, forms Versions, trail *Trail) (*Dossiers, error) {
	submissions, err := b.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		return nil, err
	}
	seen, err := b.KV(ctx, bus.BucketSeen)
	if err != nil {
		return nil, err
	}
	return &Dossiers{js: b.JS, tracker: tracker, forms: forms, submissions: submissions, seen: seen, trail: trail}, nil
}

// Dossier is a submission as its department sees it.
type Dossier struct {
	Record submit.State
	// Form is the version the submission was made with.
	Form    *schemas.Compiled
	Data    json.RawMessage
	Answers []schemas.Answer
	// Changes are what the last correction changed, when the applicant
	// corrected the request.
	Changes []schemas.Changed
	Trail   []TrailEntry
}

// DecidedByWorkflow reports whether the dossier is an internal request
// that its approval workflow decides, step by step, rather than its
// department's agents.
func (d Dossier) DecidedByWorkflow() bool { return decidedByWorkflow(d.Form, d.Record) }

// record loads a dossier's state for p, refusing those p may not see.
func (d *Dossiers) record(ctx context.Context, p identity.Principal, reference string) (submit.State, error) {
	rec, err := d.tracker.Get(ctx, reference)
	if err != nil {
		return rec, err
	}
	if !p.ServesDepartment(rec.Department) {
		return rec, ErrNotEntitled
	}
	return rec, nil
}

// Open reads a dossier for p, and records that p viewed it.
func (d *Dossiers) Open(ctx context.Context, p identity.Principal, reference string) (Dossier, error) {
	rec, err := d.record(ctx, p, reference)
	if err != nil {
		return Dossier{}, err
	}
	dossier := Dossier{Record: rec}
	sub, err := submit.Load(ctx, d.submissions, reference, rec.Sequence)
	if err != nil {
		return dossier, err
	}
	if dossier.Form, err = d.forms.Version(ctx, rec.Form, rec.FormVersion); err != nil {
		return dossier, err
	}
	dossier.Data, dossier.Answers = sub.Data, submit.NameFiles(dossier.Form.Answers(sub.Data), sub.Attachments)
	if n := len(rec.Versions); n > 1 {
		previous, err := submit.Load(ctx, d.submissions, reference, rec.Versions[n-2].Sequence)
		if err != nil {
			return dossier, err
		}
		dossier.Changes = dossier.Form.Changes(submit.NameFiles(dossier.Form.Answers(previous.Data), previous.Attachments), dossier.Answers)
	}
	if err := d.trail.Append(ctx, TrailEntry{Reference: reference, Kind: Viewed, By: p.AccountID}); err != nil {
		return dossier, err
	}
	if _, err := d.seen.Create(ctx, bus.SeenKey(p.AccountID, reference), []byte("1")); err != nil &&
		!errors.Is(err, jetstream.ErrKeyExists) {
		return dossier, err
	}
	dossier.Trail, err = d.trail.OfDossier(ctx, reference)
	return dossier, err
}

// Seen reports whether an agent has opened a dossier.
func (d *Dossiers) Seen(ctx context.Context, account, reference string) (bool, error) {
	_, err := d.seen.Get(ctx, bus.SeenKey(account, reference))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Act takes an action on a dossier's status for p, with its reason, and
// records the decision in the trail.
func (d *Dossiers) Act(ctx context.Context, p identity.Principal, reference string, action Action, reason string) (submit.State, error) {
	t, known := transitions[action]
	reason = strings.TrimSpace(reason)
	switch {
	case !known || action == AskCorrection:
		return submit.State{}, ErrTransition
	case t.adminOnly && !p.IsAdmin():
		return submit.State{}, ErrAdminOnly
	case t.reason && reason == "":
		return submit.State{}, ErrReasonRequired
	case utf8.RuneCountInString(reason) > MaxTextLength:
		return submit.State{}, ErrTooLong
	}
	current, err := d.record(ctx, p, reference)
	if err != nil {
		return submit.State{}, err
	}
	form, err := d.forms.Version(ctx, current.Form, current.FormVersion)
	if err != nil {
		return submit.State{}, err
	}
	switch {
	case decidedByWorkflow(form, current):
		return submit.State{}, ErrDecidedByWorkflow
	case filedBy(current, p):
		return submit.State{}, ErrOwnRequest
	}
	rec, err := d.tracker.Move(ctx, reference, submit.Change{Status: t.to, By: p.AccountID, Reason: reason}, func(rec submit.State) error {
		if !slices.Contains(t.from, rec.Status) {
			return ErrTransition
		}
		return nil
	})
	if err != nil {
		return rec, err
	}
	return rec, d.trail.Append(ctx, TrailEntry{
		Reference: reference,
		Kind:      Decided,
		By:        p.AccountID,
		Detail:    strings.TrimSpace(string(t.to) + " " + reason),
	})
}

// MaxBatch bounds how many dossiers one batch action takes.
const MaxBatch = 200

// Outcome is what a batch action did to one dossier.
type Outcome struct {
	Reference string
	Status    submit.Status
	// Err is why the action was refused on this dossier, if it was.
	Err error
}

// ActOnAll takes the same action, with the same reason, on several
// dossiers, at most MaxBatch; each is decided on its own, and one refusal
// does not stop the others.
func (d *Dossiers) ActOnAll(
	ctx context.Context,
	p identity.Principal,
	references []string,
	action Action,
	reason string,
) ([]Outcome, error) {
	if len(references) > MaxBatch {
		return nil, ErrBatchTooLarge
	}
	outcomes := make([]Outcome, 0, len(references))
	for _, ref := range slices.Compact(slices.Sorted(slices.Values(references))) {
		rec, err := d.Act(ctx, p, ref, action, reason)
		outcomes = append(outcomes, Outcome{Reference: ref, Status: rec.Status, Err: err})
	}
	return outcomes, nil
}

// written checks the text of a note or a message: trimmed, not empty, not
// longer than MaxTextLength.
func written(text string) (string, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return "", ErrEmptyNote
	case utf8.RuneCountInString(text) > MaxTextLength:
		return "", ErrTooLong
	}
	return text, nil
}

// Note adds a private note between agents to a dossier's trail.
func (d *Dossiers) Note(ctx context.Context, p identity.Principal, reference, text string) error {
	text, err := written(text)
	if err != nil {
		return err
	}
	if _, err := d.record(ctx, p, reference); err != nil {
		return err
	}
	return d.trail.Append(ctx, TrailEntry{Reference: reference, Kind: Noted, By: p.AccountID, Detail: text})
}

// Assign puts p in charge of a dossier, or, with release, frees it.
func (d *Dossiers) Assign(ctx context.Context, p identity.Principal, reference string, release bool) error {
	if _, err := d.record(ctx, p, reference); err != nil {
		return err
	}
	assignee := p.AccountID
	if release {
		assignee = ""
	}
	if _, err := d.tracker.Update(ctx, reference, func(rec *submit.State) error { rec.Assignee = assignee; return nil }); err != nil {
		return err
	}
	return d.trail.Append(ctx, TrailEntry{Reference: reference, Kind: Assigned, By: p.AccountID, Detail: assignee})
}

// Follow adds p to a dossier's followers, or, with stop, removes them.
func (d *Dossiers) Follow(ctx context.Context, p identity.Principal, reference string, stop bool) error {
	if _, err := d.record(ctx, p, reference); err != nil {
		return err
	}
	_, err := d.tracker.Update(ctx, reference, func(rec *submit.State) error {
		rec.Followers = slices.DeleteFunc(rec.Followers, func(a string) bool { return a == p.AccountID })
		if !stop {
			rec.Followers = append(rec.Followers, p.AccountID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	detail := "follow"
	if stop {
		detail = "unfollow"
	}
	return d.trail.Append(ctx, TrailEntry{Reference: reference, Kind: Followed, By: p.AccountID, Detail: detail})
}
