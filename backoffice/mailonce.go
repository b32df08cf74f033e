package backoffice

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/internal/platform/mailer"
)

// MailedBefore reports whether the email marked under key in sent (the
// notifications bucket) needs nothing more: sent, or not to be sent.
func MailedBefore(ctx context.Context, sent jetstream.KeyValue, key string) (bool, error) {
	entry, err := sent.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return MailDone(string(entry.Value())), nil
}

// Deliver sends msg once, marking it under key in sent: marked before it
// goes, so that a crash in between sends it again rather than never; a
// message with no address, or whose address the relay refuses, is marked
// as such and not tried again. A relay's failure is marked, for the
// agents to see, and returned, for the caller to try again.
func Deliver(ctx context.Context, sent jetstream.KeyValue, key string, mail Mail, msg mailer.Message) error {
	if msg.To == "" {
		_, err := sent.Put(ctx, key, []byte(MailNoAddress))
		return err
	}
	if _, err := sent.Put(ctx, key, []byte(MailSending)); err != nil {
		return err
	}
	err := mail.Send(ctx, msg)
	switch {
	case errors.Is(err, mailer.ErrBadRecipient):
		_, err = sent.Put(ctx, key, []byte(MailRefused))
		return err
	case err != nil:
		_, _ = sent.Put(ctx, key, []byte(MailFailed))
		return err
	}
	_, err = sent.Put(ctx, key, []byte(MailSent))
	return err
}
