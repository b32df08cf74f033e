package processors

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"text/template"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/platform/mailer"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

//go:embed mail
var mailFiles embed.FS

// mailTemplates are the messages to submitters and to the owners of
// drafts, by kind and language ("received.fr"), each defining its
// "subject".
var mailTemplates = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, kind := range []string{"received", "decided", "message", "unfit"} {
		for _, lang := range []locale.Lang{locale.French, locale.English} {
			name := kind + "." + string(lang)
			out[name] = template.Must(template.ParseFS(mailFiles, "mail/"+name+".txt"))
		}
	}
	return out
}()

// Mail sends messages; *mailer.Mailer is one.
type Mail interface {
	Send(ctx context.Context, msg mailer.Message) error
}

// Notify emails submitters, in their language: a confirmation with the PDF
// record once it is stored, each decision with its reason, and the
// messages agents write them, each with a link to the receipt. Events already emailed are remembered, so that a
// redelivery sends nothing twice; a relay outage only delays the mail.
type Notify struct {
	Organisation string
	// SiteURL is the public address of the site, for the links.
	SiteURL     string
	Forms       Versions
	Tracker     *submit.Tracker
	Accounts    *identity.Accounts
	Submissions jetstream.Stream
	Documents   jetstream.ObjectStore
	Sent        jetstream.KeyValue
	Mail        Mail
	// Decisions writes the decision letters attached to decision emails.
	Decisions *Decision
}

// Consumer is the notification processor's durable consumer on the events
// that submitters hear of.
func (n *Notify) Consumer() Consumer {
	// Records are documented on the stages' subjects, and were on a
	// subject of their own before the stages shared one.
	subjects := []string{bus.StagesEvents, bus.EventsWithStatus(string(submit.Documented))}
	subjects = append(subjects, decisionSubjects()...)
	subjects = append(subjects, bus.MessageSubjects)
	return Consumer{Stream: bus.StreamEvents, Durable: bus.ConsumerNotify, FilterSubjects: subjects, Handler: n.Handle, Patient: true}
}

// Handle emails the submitter about one event, once.
func (n *Notify) Handle(ctx context.Context, msg jetstream.Msg) error {
	if stage := submit.StageOf(msg); stage != "" && stage != submit.Documented {
		return nil // a stage the submitter is not told of
	}
	md, err := msg.Metadata()
	if err != nil {
		return Permanent(err)
	}
	key := bus.NotificationKey(bus.ConsumerNotify, md.Sequence.Stream)
	if done, err := backoffice.MailedBefore(ctx, n.Sent, key); done || err != nil {
		return err
	}
	event, kind, err := notified(msg, md.Sequence.Stream)
	if err != nil || kind == "" {
		return err
	}
	message, err := n.compose(ctx, event, kind)
	if err != nil {
		return err
	}
	return backoffice.Deliver(ctx, n.Sent, key, n.Mail, message)
}

// notified reads what an event tells the submitter, and the kind of email
// that says it: "received", "decided" or "message"; no kind for a
// message of their own.
func notified(msg jetstream.Msg, seq uint64) (submit.Event, string, error) {
	if strings.HasSuffix(msg.Subject(), ".message") {
		m, err := submit.DecodeMessage(seq, msg.Data())
		if err != nil || m.Sequence == 0 {
			return submit.Event{}, "", Permanent(fmt.Errorf("malformed message on %s", msg.Subject()))
		}
		if m.From == submit.FromApplicant {
			return submit.Event{}, "", nil
		}
		return submit.Event{Reference: m.Reference, At: m.At, Sequence: m.Sequence, By: m.By, Reason: m.Text}, "message", nil
	}
	var event submit.Event
	if err := json.Unmarshal(msg.Data(), &event); err != nil || event.Sequence == 0 {
		return event, "", Permanent(fmt.Errorf("malformed event on %s", msg.Subject()))
	}
	if event.Status == submit.Documented {
		return event, "received", nil
	}
	return event, "decided", nil
}

// mailData is what the templates show.
type mailData struct {
	Organisation, Form, Reference, Date, Link, Confirmation, Status, Reason string
}

// compose writes the message of a kind (received, decided, message) for
// an event; its To is empty when the
// submission gave no address to write to.
func (n *Notify) compose(ctx context.Context, e submit.Event, kind string) (mailer.Message, error) {
	sub, form, err := submit.LoadAnswered(ctx, n.Submissions, n.Forms, e.Reference, e.Sequence)
	if err != nil {
		return mailer.Message{}, err
	}
	to, err := n.recipient(ctx, sub.Submission, form)
	if err != nil || to == "" {
		return mailer.Message{}, err
	}
	token, err := n.Tracker.NewLink(ctx, sub.Reference)
	if err != nil {
		return mailer.Message{}, err
	}
	// In the language of the request: the form's texts in it, when it is
	// published in it, and Guichet's own.
	form, lang := form.In(string(sub.Lang)), sub.Lang.Own()
	data := mailData{
		Organisation: n.Organisation, Form: form.Title, Reference: sub.Reference, Date: locale.DateTime(e.At, lang),
		Link:         strings.TrimSuffix(n.SiteURL, "/") + "/recu/" + sub.Reference + "?token=" + url.QueryEscape(token),
		Confirmation: form.Confirmation, Status: e.Status.Label().In(lang), Reason: e.Reason,
	}
	var attachments []mailer.Attachment
	if kind == "received" {
		pdf, err := n.Documents.GetBytes(ctx, bus.DocumentRecordName(sub.Reference, sub.Version()))
		if err != nil {
			return mailer.Message{}, fmt.Errorf("PDF record of %s: %w", sub.Reference, err)
		}
		attachments = append(attachments, mailer.Attachment{Name: sub.Reference + ".pdf", Type: "application/pdf", Data: pdf})
	}
	if kind == "decided" && n.Decisions != nil {
		letter, err := n.Decisions.Letter(ctx, e)
		if err != nil {
			return mailer.Message{}, fmt.Errorf("decision letter of %s: %w", sub.Reference, err)
		}
		attachments = append(attachments, mailer.Attachment{Name: "decision-" + sub.Reference + ".pdf", Type: "application/pdf", Data: letter})
	}
	subject, text, err := writeMail(kind, lang, data)
	return mailer.Message{To: to, Subject: subject, Text: text, Attachments: attachments}, err
}

// writeMail writes the subject and the text of a kind of email in lang,
// from what its template shows.
func writeMail(kind string, lang locale.Lang, data any) (subject, text string, err error) {
	tpl := mailTemplates[kind+"."+string(lang)]
	var s, t bytes.Buffer
	if err := tpl.ExecuteTemplate(&s, "subject", data); err != nil {
		return "", "", Permanent(err)
	}
	if err := tpl.Execute(&t, data); err != nil {
		return "", "", Permanent(err)
	}
	return s.String(), t.String(), nil
}

// recipient is where to write about a submission: the agent who filed an
// internal form, or else the first email address the answers give.
func (n *Notify) recipient(ctx context.Context, sub submit.Submission, form *schemas.Compiled) (string, error) {
	if sub.AccountID != "" {
		a, err := n.Accounts.Get(ctx, sub.AccountID)
		if errors.Is(err, identity.ErrNotFound) {
			return "", nil
		}
		return a.Email, err
	}
	var answers map[string]any
	_ = json.Unmarshal(sub.Data, &answers)
	props := schemas.AllProperties(form.Schema)
	for _, name := range schemas.PropertyOrder(form.Schema, form.UISchema) {
		var field struct {
			Format string `json:"format"`
		}
		_ = json.Unmarshal(props[name], &field)
		if address, ok := answers[name].(string); ok && field.Format == "email" && address != "" {
			return address, nil
		}
	}
	return "", nil
}
