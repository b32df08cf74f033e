package backoffice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/mailer"
)

// Mail sends messages; *mailer.Mailer is one.
type Mail interface {
	Send(ctx context.Context, msg mailer.Message) error
}

// Notices tells approvers that a request waits for them, and reminds them
// when it has waited too long. Without Mail it tells nobody.
type Notices struct {
	Mail Mail
	// Sent remembers the requests already announced, so that a
	// redelivery does not announce them twice.
	Sent jetstream.KeyValue
	// SiteURL is the public address of the site, for the links.
	SiteURL string
}

// approvers lists the accounts that may decide an approval's current step.
func (w *Workflows) approvers(ctx context.Context, a Approval) ([]identity.Account, error) {
	dir := &directory{accounts: w.accounts}
	d, err := w.deciders(ctx, a, dir)
	if err != nil {
		return nil, err
	}
	all, err := dir.list(ctx)
	if err != nil {
		return nil, err
	}
	var out []identity.Account
	for _, account := range all {
		// Admins may decide any step, but are told only of those that came to them.
		if account.Active && (account.Role != identity.RoleAdmin || d.ToAdmins) &&
			d.Allow(identity.Principal{AccountID: account.ID, Role: account.Role, Departments: account.Departments}) {
			out = append(out, account)
		}
	}
	return out, nil
}

// announce emails the approvers of an approval's current step, once per
// step and round.
func (w *Workflows) announce(ctx context.Context, a Approval) error {
	if w.notices == nil || w.notices.Mail == nil || a.Step() < 0 {
		return nil
	}
	key := "approval." + a.Reference + "." + strconv.Itoa(a.Round) + "." + strconv.Itoa(a.Current)
	if _, err := w.notices.Sent.Create(ctx, key, []byte(MailSending)); errors.Is(err, jetstream.ErrKeyExists) {
		entry, err := w.notices.Sent.Get(ctx, key)
		if err != nil || string(entry.Value()) != MailSending {
			return err // announced before
		}
	} else if err != nil {
		return err
	}
	if err := w.email(ctx, a, "Une demande attend votre validation / A request awaits your approval"); err != nil {
		return err
	}
	_, err := w.notices.Sent.Put(ctx, key, []byte(MailSent))
	return err
}

// email writes to the approvers of an approval's current step.
func (w *Workflows) email(ctx context.Context, a Approval, subject string) error {
	approvers, err := w.approvers(ctx, a)
	if err != nil {
		return err
	}
	titles := w.StepTitles(ctx, a)
	requester, err := w.accounts.Get(ctx, a.Requester)
	if err != nil {
		requester = identity.Account{ID: a.Requester, Name: a.Requester}
	}
	link := strings.TrimSuffix(w.notices.SiteURL, "/") + "/approbations"
	for _, approver := range approvers {
		if approver.Email == "" {
			continue
		}
		text := fmt.Sprintf("Bonjour,\n\nLa demande %s de %s attend votre décision à l'étape « %s » depuis le %s.\n\nDécider : %s\n\nCe "+
			"message est envoyé automatiquement ; merci de ne pas y répondre.\n\n---\n\n"+
			"Hello,\n\nThe request %s from %s awaits your decision at the step “%s” since %s.\n\nDecide: %s\n\nThis message is sent "+
			"automatically; please do not reply.\n",
			a.Reference, requester.Name, titles[a.Step()], a.Since.Format("02/01/2006"), link,
			a.Reference, requester.Name, titles[a.Step()], a.Since.Format("2006-01-02"), link)
		err := w.notices.Mail.Send(ctx, mailer.Message{To: approver.Email, Subject: subject + " (" + a.Reference + ")", Text: text})
		if err != nil && !errors.Is(err, mailer.ErrBadRecipient) {
			return err
		}
	}
	return nil
}

// Remind emails the approvers of every step that has waited longer than
// its workflow's reminder delay since it began or since the last
// reminder, and returns how many approvals it reminded of. Each reminder
// is claimed in the state first, so that several nodes send one.
func (w *Workflows) Remind(ctx context.Context) (int, error) {
	if w.notices == nil || w.notices.Mail == nil {
		return 0, nil
	}
	now := w.now().UTC()
	waiting, err := w.List(ctx, func(a Approval) bool { return a.Step() >= 0 })
	if err != nil {
		return 0, err
	}
	reminded := 0
	for _, a := range waiting {
		form, err := w.forms.Version(ctx, a.Form, a.Version)
		if err != nil {
			return reminded, err
		}
		delay := time.Duration(form.Workflow.Reminder()) * 24 * time.Hour
		last := a.Since
		if a.Reminded.After(last) {
			last = a.Reminded
		}
		if now.Sub(last) < delay {
			continue
		}
		claimed, err := w.claimReminder(ctx, a.Reference, last, now)
		if err != nil || !claimed {
			if err != nil {
				return reminded, err
			}
			continue
		}
		if err := w.email(ctx, a, "Rappel : une demande attend votre validation / Reminder: a request awaits your approval"); err != nil {
			return reminded, err
		}
		reminded++
	}
	return reminded, nil
}

// claimReminder marks an approval reminded at now, unless another node did
// since last.
func (w *Workflows) claimReminder(ctx context.Context, reference string, last, now time.Time) (bool, error) {
	a, revision, err := w.get(ctx, reference)
	if err != nil {
		return false, err
	}
	if a.Reminded.After(last) || a.Since.After(last) || a.Step() < 0 {
		return false, nil
	}
	a.Reminded = now
	raw, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	_, err = w.kv.Update(ctx, reference, raw, revision)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return false, nil
	}
	return err == nil, err
}
