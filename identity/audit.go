package identity

import (
	"context"
	"encoding/json"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/schemas"
)

// AuditEvent is one entry of the security log. It never holds a password,
// a token or a session id.
type AuditEvent struct {
	Kind    string    `json:"kind"`
	Account string    `json:"account,omitempty"`
	By      string    `json:"by,omitempty"`
	Address string    `json:"address,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	At      time.Time `json:"at"`
}

// Audit appends security events to the AUDIT stream.
type Audit struct{ js jetstream.JetStream }

// NewAudit writes to the AUDIT stream of b.
func NewAudit(b *bus.Bus) *Audit { return &Audit{js: b.JS} }

// Record appends an event. The subject names its kind and account, so that
// an operator can follow one account with the nats CLI.
func (a *Audit) Record(ctx context.Context, e AuditEvent) error {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	account := e.Account
	if !schemas.ValidID(account) {
		account = "_"
	}
	_, err = a.js.Publish(ctx, bus.AuditSubject(e.Kind, account), raw, jetstream.WithExpectStream(bus.StreamAudit))
	return err
}
