package backoffice

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// Errors of the approval workflows.
var (
	// ErrNoWorkflow means the request goes through no approval.
	ErrNoWorkflow = errors.New("backoffice: no approval workflow for this request")
	// ErrNotApprover means the principal may not decide the current step.
	ErrNotApprover = errors.New("backoffice: not an approver of the current step")
	// ErrStale means the step decided is no longer the current one.
	ErrStale = errors.New("backoffice: the approval moved on meanwhile")
	// ErrNotRequester means only the requester may send a request back.
	ErrNotRequester = errors.New("backoffice: only the requester may send it again")
)

// Standing is where an approval stands.
type Standing string

// The standings of an approval.
const (
	Pending  Standing = "pending"
	Approved Standing = "approved"
	Rejected Standing = "rejected"
	// Returned means an approver sent the request back for correction.
	Returned Standing = "returned"
)

// Verdict is what an approver decides on a step, or the requester's
// sending again.
type Verdict string

// The verdicts.
const (
	VerdictApprove Verdict = "approve"
	VerdictReject  Verdict = "reject"
	VerdictReturn  Verdict = "return"
	VerdictResend  Verdict = "resend"
)

// Approval is the state of one request's approval, kept in the workflows
// bucket.
type Approval struct {
	Reference string `json:"reference"`
	Form      string `json:"form"`
	Version   int    `json:"version"`
	Requester string `json:"requester"`
	// Round counts the sendings: 1, then one more each time it is sent again.
	Round int `json:"round"`
	// Data is the answers as last sent: those of the submission's version
	// Revision (absent for the first) on SUBMISSIONS.
	Data     json.RawMessage `json:"data"`
	Revision int             `json:"revision,omitempty"`
	// Steps are the indexes of the workflow's steps that apply this round;
	// Current is the position in Steps of the step waiting for a decision.
	Steps   []int    `json:"steps"`
	Current int      `json:"current"`
	Outcome Standing `json:"outcome"`
	// Since is when the current step began; Reminded when its approvers
	// were last reminded.
	Since    time.Time       `json:"since"`
	Reminded time.Time       `json:"reminded,omitzero"`
	History  []ApprovalEntry `json:"history"`
}

// ApprovalEntry is one decision of an approval.
type ApprovalEntry struct {
	Round   int       `json:"round"`
	Step    int       `json:"step"`
	Verdict Verdict   `json:"verdict"`
	By      string    `json:"by"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// Step is the index in the workflow of the step waiting for a decision,
// or -1 when none waits.
func (a Approval) Step() int {
	if a.Outcome != Pending || a.Current >= len(a.Steps) {
		return -1
	}
	return a.Steps[a.Current]
}

// command is a decision on an approval, as published on EVENTS before it
// is applied: the message is the record, the state follows it.
type command struct {
	Reference string  `json:"reference"`
	Round     int     `json:"round"`
	Position  int     `json:"position"`
	Verdict   Verdict `json:"verdict"`
	By        string  `json:"by"`
	Comment   string  `json:"comment,omitempty"`
	// Sequence is, for a resend, where the corrected version is stored
	// in SUBMISSIONS.
	Sequence uint64 `json:"sequence,omitempty"`
	// Data is the corrected answers of a resend decided before corrected
	// versions were stored on SUBMISSIONS; new decisions name Sequence.
	Data json.RawMessage `json:"data,omitempty"`
}

// Workflows drives the approval of internal requests. Each decision is
// published on EVENTS first, then applied to the state in the workflows
// bucket by the workflow consumer, once: a crash between the two leaves
// the message to apply again, and applying it again changes nothing.
type Workflows struct {
	js          jetstream.JetStream
	kv          jetstream.KeyValue
	submissions jetstream.Stream
	forms       Versions
	accounts    *identity.Accounts
	intake      *submit.Intake
	tracker     *submit.Tracker
	trail       *Trail
	notices     *Notices
	now         func() time.Time
}

// NewWorkflows opens what the workflows need: intake stores the corrected
// versions that requesters send again. Notices, when not nil, tell
// approvers by email.
func NewWorkflows(
	ctx context.Context,
	b *bus.Bus,
	forms Versions,
	accounts *identity.Accounts,
	intake *submit.Intake,
	tracker *submit.Tracker,
	trail *Trail,
	notices *Notices,
) (*Workflows, error) {
	kv, err := b.KV(ctx, bus.BucketWorkflows)
	if err != nil {
		return nil, err
	}
	submissions, err := b.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		return nil, err
	}
	return &Workflows{
		js:          b.JS,
		kv:          kv,
		submissions: submissions,
		forms:       forms,
		accounts:    accounts,
		intake:      intake,
		tracker:     tracker,
		trail:       trail,
		notices:     notices,
		now:         time.Now,
	}, nil
}

// Subjects are what the workflow consumer reads: the stages of
// submissions, to start the approval of routed requests (routed before
// the stages shared a subject, on one of their own), and the decisions.
func (w *Workflows) Subjects() []string {
	return []string{bus.StagesEvents, bus.EventsWithStatus(string(submit.Routed)), bus.WorkflowSubjects}
}

// Handle starts the approval of a routed request whose form has a
// workflow, or applies a decision.
func (w *Workflows) Handle(ctx context.Context, msg jetstream.Msg) error {
	if strings.HasSuffix(msg.Subject(), ".workflow") {
		var cmd command
		if err := json.Unmarshal(msg.Data(), &cmd); err != nil {
			return malformed{fmt.Errorf("malformed workflow decision on %s: %w", msg.Subject(), err)}
		}
		return w.apply(ctx, cmd)
	}
	if submit.StageOf(msg) != submit.Routed {
		return nil
	}
	var event submit.Event
	if err := json.Unmarshal(msg.Data(), &event); err != nil || event.Sequence == 0 {
		return malformed{fmt.Errorf("malformed event on %s", msg.Subject())}
	}
	return w.start(ctx, event)
}

// start creates the approval state of a request, once, and puts the
// request under review.
func (w *Workflows) start(ctx context.Context, e submit.Event) error {
	if e.Form != "" {
		// Most forms have no workflow: their requests are not read.
		if form, err := w.forms.Version(ctx, e.Form, e.FormVersion); err == nil && form.Workflow == nil {
			return nil
		}
	}
	sub, form, err := submit.LoadAnswered(ctx, w.submissions, w.forms, e.Reference, e.Sequence)
	if err != nil {
		return err
	}
	if form.Workflow == nil || sub.AccountID == "" {
		return nil
	}
	a := Approval{Reference: sub.Reference, Form: sub.Form, Version: sub.FormVersion, Requester: sub.AccountID, Round: 1,
		Data: sub.Data, Steps: form.ApprovalSteps(sub.Data), Outcome: Pending, Since: w.now().UTC(), History: []ApprovalEntry{}}
	if len(a.Steps) == 0 {
		a.Outcome = Approved // no step applies to this request
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return err
	}
	_, err = w.kv.Create(ctx, sub.Reference, raw)
	if err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return err
	}
	if errors.Is(err, jetstream.ErrKeyExists) {
		if a, _, err = w.get(ctx, sub.Reference); err != nil {
			return err
		}
	}
	return w.effects(ctx, a)
}

// Get reads the approval of a request.
func (w *Workflows) Get(ctx context.Context, reference string) (Approval, error) {
	a, _, err := w.get(ctx, reference)
	return a, err
}

func (w *Workflows) get(ctx context.Context, reference string) (Approval, uint64, error) {
	return bus.GetJSON[Approval](ctx, w.kv, reference, ErrNoWorkflow)
}

// ToDecide lists the approvals whose current step p may decide.
func (w *Workflows) ToDecide(ctx context.Context, p identity.Principal) ([]Approval, error) {
	var failure error
	dir := &directory{accounts: w.accounts}
	list, err := w.List(ctx, func(a Approval) bool {
		d, err := w.deciders(ctx, a, dir)
		failure = cmp.Or(failure, err)
		return d.Allow(p)
	})
	return list, cmp.Or(err, failure)
}

// Mine lists p's own requests.
func (w *Workflows) Mine(ctx context.Context, p identity.Principal) ([]Approval, error) {
	return w.List(ctx, func(a Approval) bool { return a.Requester == p.AccountID })
}

// Decide records p's verdict on the step at position of round: approve,
// reject or return (the last two with a comment), or, for the requester of
// a returned request, resend with corrected answers. A resend first
// stores the corrected answers as a new version of the submission on
// SUBMISSIONS, the record of truth, so that what is then approved is
// what is on record. The decision is stored on EVENTS at once and applied
// by the workflow consumer.
func (w *Workflows) Decide(
	ctx context.Context,
	p identity.Principal,
	reference string,
	round, position int,
	verdict Verdict,
	comment string,
	data json.RawMessage,
) error {
	a, err := w.Get(ctx, reference)
	if err != nil {
		return err
	}
	comment = strings.TrimSpace(comment)
	switch {
	case len([]rune(comment)) > MaxTextLength:
		return ErrTooLong
	case decided(a, p.AccountID, round, position, verdict):
		return nil // the same decision, sent again: already recorded
	case round != a.Round || (verdict != VerdictResend && position != a.Current):
		return ErrStale
	}
	switch verdict {
	case VerdictApprove, VerdictReject, VerdictReturn:
		if a.Outcome != Pending {
			return ErrStale
		}
		if verdict != VerdictApprove && comment == "" {
			return ErrReasonRequired
		}
		ok, err := w.MayDecide(ctx, p, a)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotApprover
		}
	case VerdictResend:
		if a.Outcome != Returned {
			return ErrStale
		}
		if p.AccountID != a.Requester {
			return ErrNotRequester
		}
	default:
		return ErrTransition
	}
	cmd := command{Reference: reference, Round: round, Position: position, Verdict: verdict, By: p.AccountID, Comment: comment}
	if verdict == VerdictResend {
		corrected, err := w.correct(ctx, a, data)
		if err != nil {
			return err
		}
		cmd.Sequence = corrected.Sequence
	}
	raw, err := json.Marshal(cmd)
	if err != nil {
		return err
	}
	// One decision per step and round: a second click is the same message.
	id := reference + "." + strconv.Itoa(round) + "." + strconv.Itoa(position)
	if verdict == VerdictResend {
		id = reference + "." + strconv.Itoa(round) + ".resend"
	}
	_, err = w.js.Publish(ctx, bus.WorkflowSubject(reference), raw, jetstream.WithMsgID(id), jetstream.WithExpectStream(bus.StreamEvents))
	return err
}

// correct stores the corrected answers of a returned request as the next
// version of its submission: round r's answers are version r, so a resend
// of round r stores version r+1, and sending it twice stores it once.
func (w *Workflows) correct(ctx context.Context, a Approval, data json.RawMessage) (submit.Stored, error) {
	form, err := w.forms.Version(ctx, a.Form, a.Version)
	if err != nil {
		return submit.Stored{}, err
	}
	rec, err := w.tracker.Get(ctx, a.Reference)
	if err != nil {
		return submit.Stored{}, err
	}
	sequence := rec.Sequence
	for _, v := range rec.Versions {
		if v.Revision <= a.Round {
			sequence = v.Sequence
		}
	}
	previous, err := submit.Load(ctx, w.submissions, a.Reference, sequence)
	if err != nil {
		return submit.Stored{}, err
	}
	return w.intake.Correct(ctx, form, previous, data)
}

// decided reports whether by already gave this verdict on the step at
// position of round.
func decided(a Approval, by string, round, position int, verdict Verdict) bool {
	step := -1
	if verdict != VerdictResend && position >= 0 && position < len(a.Steps) {
		step = a.Steps[position]
	}
	return slices.ContainsFunc(a.History, func(e ApprovalEntry) bool {
		return e.Round == round && e.Verdict == verdict && e.By == by && e.Step == step
	})
}

// apply brings a decision into the approval state, unless it is already
// there, then makes sure its effects are.
func (w *Workflows) apply(ctx context.Context, cmd command) error {
	for {
		a, revision, err := w.get(ctx, cmd.Reference)
		if err != nil {
			return err
		}
		if !next(&a, cmd, w.now().UTC()) {
			return w.effects(ctx, a) // applied before, or stale: nothing more
		}
		if cmd.Verdict == VerdictResend {
			if err := w.resent(ctx, &a, cmd); err != nil {
				return err
			}
		}
		raw, err := json.Marshal(a)
		if err != nil {
			return err
		}
		if _, err := w.kv.Update(ctx, a.Reference, raw, revision); errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue
		} else if err != nil {
			return err
		}
		detail := string(cmd.Verdict)
		if cmd.Comment != "" {
			detail += " " + cmd.Comment
		}
		if err := w.trail.Append(ctx, TrailEntry{Reference: a.Reference, Kind: Decided, By: cmd.By, Detail: detail}); err != nil {
			return err
		}
		return w.effects(ctx, a)
	}
}

// resent brings a request sent again into its approval: the corrected
// version becomes the one the dossier shows, then its answers are the
// approval's, and the steps that apply are found again from them.
func (w *Workflows) resent(ctx context.Context, a *Approval, cmd command) error {
	if cmd.Sequence != 0 {
		corrected, err := submit.Load(ctx, w.submissions, a.Reference, cmd.Sequence)
		if err != nil {
			return err
		}
		if _, err := w.tracker.Revise(ctx, corrected); err != nil {
			return err
		}
		a.Data, a.Revision = corrected.Data, corrected.Version()
	}
	form, err := w.forms.Version(ctx, a.Form, a.Version)
	if err != nil {
		return err
	}
	if a.Steps = form.ApprovalSteps(a.Data); len(a.Steps) == 0 {
		a.Outcome = Approved
	}
	return nil
}

// next applies a decision to a state, reporting whether it changed it: a
// decision on a step already decided, or of an earlier round, does not.
func next(a *Approval, cmd command, now time.Time) bool {
	if cmd.Round != a.Round {
		return false
	}
	entry := ApprovalEntry{Round: cmd.Round, Step: a.Step(), Verdict: cmd.Verdict, By: cmd.By, Comment: cmd.Comment, At: now}
	switch cmd.Verdict {
	case VerdictResend:
		if a.Outcome != Returned {
			return false
		}
		entry.Step = -1
		a.Round++
		a.Data, a.Current, a.Outcome = cmd.Data, 0, Pending
	case VerdictApprove, VerdictReject, VerdictReturn:
		if a.Outcome != Pending || cmd.Position != a.Current {
			return false
		}
		switch cmd.Verdict {
		case VerdictApprove:
			a.Current++
			if a.Current >= len(a.Steps) {
				a.Outcome = Approved
			}
		case VerdictReject:
			a.Outcome = Rejected
		case VerdictReturn:
			a.Outcome = Returned
		}
	default:
		return false
	}
	a.Since = now
	a.Reminded = time.Time{}
	a.History = append(a.History, entry)
	return true
}

// effects tells the approvers of a step that waits, and brings the
// request's status in line with its approval: under review while pending
// or returned, accepted once approved, rejected once refused. Each is
// done once, whatever the repeats.
func (w *Workflows) effects(ctx context.Context, a Approval) error {
	var change submit.Change
	from := []submit.Status{submit.Routed, submit.InReview}
	switch a.Outcome {
	case Pending, Returned:
		change, from = submit.Change{Status: submit.InReview}, []submit.Status{submit.Routed}
	case Approved:
		change = submit.Change{Status: submit.Accepted, Reason: "Demande validée à toutes les étapes."}
		if a.Step() < 0 && len(a.History) > 0 {
			change.By = a.History[len(a.History)-1].By
		}
	case Rejected:
		last := a.History[len(a.History)-1]
		change = submit.Change{Status: submit.Rejected, By: last.By, Reason: last.Comment}
	}
	_, err := w.tracker.Move(ctx, a.Reference, change, func(rec submit.State) error {
		if !slices.Contains(from, rec.Status) {
			return errReached
		}
		return nil
	})
	if err != nil && !errors.Is(err, errReached) {
		return err
	}
	// Last, so that a mail relay outage delays the email, not the status.
	return w.announce(ctx, a)
}

// malformed is a message no retry can fix: the consumer sends it to the
// dead letters at once.
type malformed struct{ error }

// Permanent tells the consumer not to retry.
func (malformed) Permanent() bool { return true }

// errReached means the status an approval leads to is already there.
var errReached = errors.New("backoffice: status already reached")

// Returned gives the form version and the answers of p's request sent
// back for correction, and the round to send it again in.
func (w *Workflows) Returned(ctx context.Context, p identity.Principal, reference string) (*schemas.Compiled, json.RawMessage, int, error) {
	a, err := w.Get(ctx, reference)
	if err != nil {
		return nil, nil, 0, err
	}
	if a.Requester != p.AccountID {
		return nil, nil, 0, ErrNotRequester
	}
	if a.Outcome != Returned {
		return nil, nil, 0, ErrStale
	}
	form, err := w.forms.Version(ctx, a.Form, a.Version)
	return form, a.Data, a.Round, err
}

// Resend sends p's corrected request again, in round.
func (w *Workflows) Resend(ctx context.Context, p identity.Principal, reference string, round int, data json.RawMessage) error {
	return w.Decide(ctx, p, reference, round, 0, VerdictResend, "", data)
}

// StepTitles are the titles of the workflow steps of an approval's form
// version, by index; empty when the version cannot be read.
func (w *Workflows) StepTitles(ctx context.Context, a Approval) []string {
	form, err := w.forms.Version(ctx, a.Form, a.Version)
	if err != nil || form.Workflow == nil {
		return nil
	}
	titles := make([]string, len(form.Workflow.Steps))
	for i, s := range form.Workflow.Steps {
		titles[i] = s.Title
	}
	return titles
}

// List returns the approvals that keep, newest requests last.
func (w *Workflows) List(ctx context.Context, keep func(Approval) bool) ([]Approval, error) {
	lister, err := w.kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	var out []Approval
	for key := range lister.Keys() {
		a, _, err := w.get(ctx, key)
		if errors.Is(err, ErrNoWorkflow) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if keep(a) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(x, y Approval) int { return strings.Compare(x.Reference, y.Reference) })
	return out, nil
}
