package backoffice

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/uploads"
)

// Errors of the conversations.
var (
	// ErrNotApplicant means the principal neither holds the receipt's
	// token nor filed the request.
	ErrNotApplicant = errors.New("backoffice: not the applicant")
	// ErrNothingAsked means a request for correction names no answer.
	ErrNothingAsked = errors.New("backoffice: no answer to correct named")
	// ErrUnaskedChange means a correction changes an answer the agent did
	// not ask to correct.
	ErrUnaskedChange = errors.New("backoffice: an answer not asked for was changed")
	// ErrTooManyFiles means a message carries more than MessageFiles.MaxFiles.
	ErrTooManyFiles = errors.New("backoffice: too many files in a message")
)

// MessageFiles is what a message's attachments may be, one by one.
var MessageFiles = schemas.FileRule{
	Accept:   schemas.DefaultAccept,
	MaxSize:  schemas.DefaultMaxFileSize,
	MaxFiles: schemas.DefaultMaxFiles,
	Multiple: true,
}

// Conversations are the messages between a dossier's department and its
// applicant. Each message is stored on the dossier's event log first;
// the notify processor then emails the applicant a link to it, and what
// became of that email is shown to the agents, never taken for granted.
// An agent may ask for a correction: the dossier waits "to complete"
// until the applicant corrects the answers named, which are stored as a
// new version of the submission, and it returns to review.
type Conversations struct {
	js          jetstream.JetStream
	events      jetstream.Stream
	submissions jetstream.Stream
	sent        jetstream.KeyValue
	tracker     *submit.Tracker
	intake      *submit.Intake
	forms       Versions
	files       *uploads.Service
	trail       *Trail
	// mailing says an SMTP relay is configured.
	mailing bool
	now     func() time.Time
}

// NewConversations opens what the conversations need. mailing says
// whether an SMTP relay is configured: without one, nobody is emailed and
// agents are told so.
func NewConversations(
	ctx context.Context,
	b *bus.Bus,
	tracker *submit.Tracker,
	intake *submit.Intake,
	forms Versions,
	files *uploads.Service,
	trail *Trail,
	mailing bool,
) (*Conversations, error) {
	events, err := b.JS.Stream(ctx, bus.StreamEvents)
	if err != nil {
		return nil, err
	}
	submissions, err := b.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		return nil, err
	}
	sent, err := b.KV(ctx, bus.BucketNotifications)
	if err != nil {
		return nil, err
	}
	return &Conversations{
		js: b.JS, events: events, submissions: submissions, sent: sent, tracker: tracker, intake: intake, forms: forms,
		files: files, trail: trail, mailing: mailing, now: time.Now,
	}, nil
}

// Thread lists a dossier's messages, oldest first.
func (c *Conversations) Thread(ctx context.Context, reference string) ([]submit.Message, error) {
	var out []submit.Message
	var bad error
	err := bus.Scan(ctx, c.events, bus.MessageSubject(reference), func(msg jetstream.Msg) {
		md, err := msg.Metadata()
		if err != nil {
			bad = err
			return
		}
		if m, err := submit.DecodeMessage(md.Sequence.Stream, msg.Data()); err == nil {
			out = append(out, m)
		}
	})
	return out, cmp.Or(err, bad)
}

// Message reads one message of a dossier's conversation by its ID.
func (c *Conversations) Message(ctx context.Context, reference string, id uint64) (submit.Message, error) {
	msg, err := c.events.GetMsg(ctx, id)
	if errors.Is(err, jetstream.ErrMsgNotFound) || (err == nil && msg.Subject != bus.MessageSubject(reference)) {
		return submit.Message{}, ErrNoMessage
	}
	if err != nil {
		return submit.Message{}, err
	}
	return submit.DecodeMessage(id, msg.Data)
}

// ErrNoMessage means the dossier has no message of that ID.
var ErrNoMessage = errors.New("backoffice: no such message")

// Write sends a message from p, an agent of the dossier's department, to
// its applicant, with the files received for it (see MessageFiles).
func (c *Conversations) Write(ctx context.Context, p identity.Principal, reference, text string, files []uploads.File) error {
	rec, err := c.tracker.Get(ctx, reference)
	if err != nil {
		return err
	}
	if !p.ServesDepartment(rec.Department) {
		return ErrNotEntitled
	}
	m := submit.Message{From: submit.FromDepartment, By: p.AccountID, Text: text}
	if err := c.post(ctx, rec, &m, files); err != nil {
		return err
	}
	return c.trail.Append(ctx, TrailEntry{Reference: reference, Kind: Messaged, By: p.AccountID, Detail: m.Text})
}

// Reply sends a message from the applicant (p presenting token) to the
// dossier's department, with the files received for it.
func (c *Conversations) Reply(ctx context.Context, p identity.Principal, token, reference, text string, files []uploads.File) error {
	rec, err := c.tracker.Get(ctx, reference)
	if err != nil {
		return err
	}
	if !rec.AppliedBy(p, token) {
		return ErrNotApplicant
	}
	return c.post(ctx, rec, &submit.Message{From: submit.FromApplicant, Text: text}, files)
}

// post stores a message on the dossier's event log, the files it carries
// held by the dossier, then counts it unread by the other side. The same
// message sent twice in a row is stored once.
func (c *Conversations) post(ctx context.Context, rec submit.State, m *submit.Message, files []uploads.File) error {
	// A message may be only files, or only the news of a correction.
	text, err := written(m.Text)
	if err != nil && (!errors.Is(err, ErrEmptyNote) || len(files) == 0 && m.Revision == 0) {
		return err
	}
	if len(files) > MessageFiles.MaxFiles {
		return ErrTooManyFiles
	}
	m.Reference, m.Text, m.Department, m.Sequence, m.At = rec.Reference, text, rec.Department, rec.Sequence, c.now().UTC()
	sum := sha256.New()
	fmt.Fprintf(sum, "%s\x00%s\x00%s\x00%q\x00%d", m.From, m.By, m.Text, m.Asks, m.Revision)
	for _, f := range files {
		if _, err := c.files.Hold(ctx, f.ID, rec.Reference); err != nil {
			return err
		}
		m.Files = append(m.Files, submit.AttachmentOf(f, ""))
		sum.Write([]byte(f.SHA256))
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	id := "message." + rec.Reference + "." + hex.EncodeToString(sum.Sum(nil)[:8])
	ack, err := c.js.Publish(ctx, bus.MessageSubject(rec.Reference), raw, jetstream.WithMsgID(id),
		jetstream.WithExpectStream(bus.StreamEvents))
	if err != nil || ack.Duplicate {
		return err
	}
	_, err = c.tracker.Update(ctx, rec.Reference, func(s *submit.State) error { s.Unread.Add(m.From); return nil })
	return err
}

// Read marks a dossier's messages read by side; it writes only when some
// were unread.
func (c *Conversations) Read(ctx context.Context, rec submit.State, side submit.Side) error {
	if rec.Unread.Of(side) == 0 {
		return nil
	}
	_, err := c.tracker.Update(ctx, rec.Reference, func(s *submit.State) error {
		if s.Unread.Of(side) == 0 {
			return errNothingUnread
		}
		s.Unread.Read(side)
		return nil
	})
	if errors.Is(err, errNothingUnread) {
		return nil
	}
	return err
}

var errNothingUnread = errors.New("backoffice: nothing unread")

// AskCorrection puts a dossier "to complete": p, an agent of its
// department, asks the applicant to correct the answers of fields, with
// text saying why, as a message of the conversation.
func (c *Conversations) AskCorrection(ctx context.Context, p identity.Principal, reference, text string, fields []string) error {
	text, err := written(text)
	if err != nil {
		return err
	}
	rec, err := c.tracker.Get(ctx, reference)
	if err != nil {
		return err
	}
	if !p.ServesDepartment(rec.Department) {
		return ErrNotEntitled
	}
	form, err := c.forms.Version(ctx, rec.Form, rec.FormVersion)
	if err != nil {
		return err
	}
	var asks []string
	for _, f := range form.Fields() {
		if slices.Contains(fields, f.Name) {
			asks = append(asks, f.Name)
		}
	}
	switch {
	case len(asks) == 0:
		return ErrNothingAsked
	case decidedByWorkflow(form, rec):
		return ErrDecidedByWorkflow
	case filedBy(rec, p):
		return ErrOwnRequest
	}
	t := transitions[AskCorrection]
	rec, err = c.tracker.Move(ctx, reference, submit.Change{Status: t.to, By: p.AccountID, Reason: text}, func(rec submit.State) error {
		if !slices.Contains(t.from, rec.Status) {
			return ErrTransition
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := c.post(ctx, rec, &submit.Message{From: submit.FromDepartment, By: p.AccountID, Text: text, Asks: asks}, nil); err != nil {
		return err
	}
	return c.trail.Append(ctx, TrailEntry{Reference: reference, Kind: Decided, By: p.AccountID, Detail: string(t.to) + " " + text})
}

// Completion is what a dossier "to complete" asks of its applicant.
type Completion struct {
	Form *schemas.Compiled
	// Data is the answers of the version on record.
	Data json.RawMessage
	// Request is the message that asked for the correction; its Asks
	// names the answers to correct.
	Request submit.Message
	// previous is the version on record, which the correction follows.
	previous submit.Stored
}

// Completion gives the applicant (p presenting token) what their dossier
// "to complete" asks of them; ErrTransition when it asks nothing.
func (c *Conversations) Completion(ctx context.Context, p identity.Principal, token, reference string) (Completion, error) {
	rec, err := c.tracker.Get(ctx, reference)
	if err != nil {
		return Completion{}, err
	}
	if !rec.AppliedBy(p, token) {
		return Completion{}, ErrNotApplicant
	}
	if rec.Status != submit.ToComplete {
		return Completion{}, ErrTransition
	}
	thread, err := c.Thread(ctx, rec.Reference)
	if err != nil {
		return Completion{}, err
	}
	var out Completion
	for _, m := range slices.Backward(thread) {
		if len(m.Asks) > 0 {
			out.Request = m
			break
		}
	}
	if len(out.Request.Asks) == 0 {
		return Completion{}, ErrTransition
	}
	if out.Form, err = c.forms.Version(ctx, rec.Form, rec.FormVersion); err != nil {
		return Completion{}, err
	}
	out.previous, err = submit.Load(ctx, c.submissions, rec.Reference, rec.Sequence)
	out.Data = out.previous.Data
	return out, err
}

// Complete stores the applicant's corrected answers, for what Completion
// gave them, as the next version of the submission, validated against its
// form version, and returns the dossier to review, with a message that
// tells its agents. Only the answers asked for may change, or go when a
// condition no longer shows them. A *schemas.ValidationError says what to
// fix; ErrTransition, that the dossier asks nothing any more.
func (c *Conversations) Complete(ctx context.Context, asked Completion, data json.RawMessage) error {
	var before, after map[string]any
	if err := json.Unmarshal(asked.Data, &before); err != nil {
		return err
	}
	if err := json.Unmarshal(data, &after); err != nil {
		return &schemas.ValidationError{}
	}
	for name := range maps.Keys(after) {
		if !slices.Contains(asked.Request.Asks, name) && !reflect.DeepEqual(before[name], after[name]) {
			return ErrUnaskedChange
		}
	}
	corrected, err := c.intake.Correct(ctx, asked.Form, asked.previous, data)
	if err != nil {
		return err
	}
	if _, err := c.tracker.Revise(ctx, corrected); err != nil {
		return err
	}
	back := submit.Change{Status: submit.InReview, Revision: corrected.Version()}
	rec, err := c.tracker.Move(ctx, corrected.Reference, back, func(rec submit.State) error {
		if rec.Status != submit.ToComplete {
			return ErrTransition
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.post(ctx, rec, &submit.Message{From: submit.FromApplicant, Revision: corrected.Version()}, nil)
}

// Delivery is what became of the email that tells the applicant of a
// message.
type Delivery string

// The deliveries.
const (
	// NoRelay: no SMTP relay is configured, and nobody is emailed.
	NoRelay Delivery = "no-relay"
	// MailWaiting: the notify processor has not handled the message yet.
	MailWaiting Delivery = "waiting"
	// MailRetrying: a try failed, or was cut; another follows.
	MailRetrying Delivery = "retrying"
	// Mailed: the relay took the email.
	Mailed Delivery = "sent"
	// NoAddress: the answers give no email address.
	NoAddress Delivery = "no-address"
	// AddressRefused: the relay refused the address.
	AddressRefused Delivery = "refused"
	// NotMailed: messages of the applicant are not emailed.
	NotMailed Delivery = ""
)

var deliveryTexts = map[Delivery]locale.Text{
	NoRelay: {
		FR: "Aucun courriel envoyé : aucun serveur d'envoi n'est configuré. Le message est sur la page de suivi du demandeur.",
		EN: "No email sent: no mail relay is configured. The message is on the applicant's follow-up page.",
	},
	MailWaiting:  {FR: "Courriel en attente d'envoi.", EN: "Email waiting to be sent."},
	MailRetrying: {FR: "L'envoi du courriel a échoué ; il sera retenté.", EN: "The email could not be sent; it will be tried again."},
	Mailed:       {FR: "Courriel envoyé au demandeur.", EN: "Email sent to the applicant."},
	NoAddress: {
		FR: "Aucun courriel envoyé : la demande ne donne pas d'adresse électronique.",
		EN: "No email sent: the request gives no email address.",
	},
	AddressRefused: {
		FR: "Aucun courriel envoyé : le serveur d'envoi a refusé l'adresse.",
		EN: "No email sent: the mail relay refused the address.",
	},
}

// Text says a delivery to an agent.
func (d Delivery) Text() locale.Text { return deliveryTexts[d] }

// Delivered reports whether the relay took the email.
func (d Delivery) Delivered() bool { return d == Mailed }

// Delivery tells what became of the email of a message.
func (c *Conversations) Delivery(ctx context.Context, m submit.Message) (Delivery, error) {
	if m.From == submit.FromApplicant {
		return NotMailed, nil
	}
	if !c.mailing {
		return NoRelay, nil
	}
	entry, err := c.sent.Get(ctx, bus.NotificationKey(bus.ConsumerNotify, m.ID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return MailWaiting, nil
	}
	if err != nil {
		return "", err
	}
	switch string(entry.Value()) {
	case MailSent:
		return Mailed, nil
	case MailNoAddress:
		return NoAddress, nil
	case MailRefused:
		return AddressRefused, nil
	}
	return MailRetrying, nil
}

// Mailing reports whether an SMTP relay is configured.
func (c *Conversations) Mailing() bool { return c.mailing }
