package processors

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/platform/mailer"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// UnfitDrafts tells the owners of the drafts being filled that a form's
// new version refuses some of their answers, and which: by email, at
// the address the resume link went to, or the agent's own. A draft that
// fits goes on as it is, and is not written about; its owner is told
// again when resuming (see pages/webform).
type UnfitDrafts struct {
	Organisation string
	// SiteURL is the public address of the site, for the link to an
	// agent's draft.
	SiteURL  string
	Forms    *schemas.Registry
	Drafts   *submit.Drafts
	Accounts *identity.Accounts
	Sent     jetstream.KeyValue
	Mail     Mail
}

// Consumer is the processor's durable consumer on the publications in
// the security log.
func (u *UnfitDrafts) Consumer() Consumer {
	return Consumer{
		Stream:         bus.StreamAudit,
		Durable:        bus.ConsumerUnfitDrafts,
		FilterSubjects: []string{bus.AuditSubject(builder.KindPublished, "*")},
		Handler:        u.Handle,
		Patient:        true,
	}
}

// Handle writes to the owners of the drafts that the version a
// publication names refuses, once for the same refusals: a later version
// that refuses the same answers for the same reasons tells nothing new. A
// publication that a later one has replaced says nothing: the drafts are
// held to the latest.
func (u *UnfitDrafts) Handle(ctx context.Context, msg jetstream.Msg) error {
	var event identity.AuditEvent
	if err := json.Unmarshal(msg.Data(), &event); err != nil {
		return Permanent(fmt.Errorf("malformed publication on %s: %w", msg.Subject(), err))
	}
	id, version, ok := builder.PublishedVersion(event)
	if !ok {
		return Permanent(fmt.Errorf("malformed publication on %s: %q", msg.Subject(), event.Detail))
	}
	form, err := u.Forms.Latest(ctx, id)
	if errors.Is(err, schemas.ErrNotFound) {
		return nil // withdrawn since
	}
	if err != nil {
		return err
	}
	if form.Version.Version != version {
		return nil
	}
	drafts, err := u.Drafts.OfForm(ctx, id)
	if err != nil {
		return err
	}
	for _, d := range drafts {
		// Validated in its own language, so that the reasons name the
		// fields by the labels its owner reads.
		local := form.In(string(d.Lang))
		var invalid *schemas.ValidationError
		if !errors.As(local.Validate(d.Data), &invalid) || len(invalid.Unfit()) == 0 {
			continue
		}
		key := bus.DraftNoticeKey(d.Key, digest(invalid.Unfit()))
		if done, err := backoffice.MailedBefore(ctx, u.Sent, key); done || err != nil {
			if err != nil {
				return err
			}
			continue
		}
		message, err := u.compose(ctx, local, d, invalid.Unfit(), event.At)
		if err != nil {
			return err
		}
		if err := backoffice.Deliver(ctx, u.Sent, key, u.Mail, message); err != nil {
			return err
		}
	}
	return nil
}

// unfitData is what the "unfit" templates show.
type unfitData struct {
	Organisation, Form, Date, Until string
	// Link resumes the draft, for an agent's, whose token is kept.
	Link string
	// Answers say what is refused, each with the field's label.
	Answers []string
}

// compose writes to the owner of draft d, in the language it is filled
// in, about the answers unfit of form, published at; its To is empty
// when the owner left no address.
func (u *UnfitDrafts) compose(ctx context.Context, form *schemas.Compiled, d submit.Draft, unfit []schemas.FieldError,
	at time.Time) (mailer.Message, error) {
	to := d.Email
	if to == "" && d.AccountID != "" {
		a, err := u.Accounts.Get(ctx, d.AccountID)
		if err != nil && !errors.Is(err, identity.ErrNotFound) {
			return mailer.Message{}, err
		}
		to = a.Email
	}
	if to == "" {
		return mailer.Message{}, nil
	}
	lang := d.Lang.Own()
	data := unfitData{Organisation: u.Organisation, Form: form.Title, Date: locale.Date(at, lang), Until: locale.Date(d.ExpiresAt, lang)}
	if d.Token != "" {
		data.Link = strings.TrimSuffix(u.SiteURL, "/") + submit.ResumePath(d.Form, d.Token)
	}
	for _, f := range unfit {
		data.Answers = append(data.Answers, f.Message.In(lang))
	}
	subject, text, err := writeMail("unfit", lang, data)
	return mailer.Message{To: to, Subject: subject, Text: text}, err
}

// digest names a draft's refused answers and why, in a few characters.
func digest(unfit []schemas.FieldError) string {
	parts := make([]string, len(unfit))
	for i, f := range unfit {
		parts[i] = f.Location + "\x00" + f.Message.EN
	}
	slices.Sort(parts)
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:8])
}
