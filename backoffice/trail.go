package backoffice

import (
	"context"
	"encoding/json"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// TrailKind is what an agent did on a dossier.
type TrailKind string

// The kinds of trail entries.
const (
	Viewed   TrailKind = "viewed"
	Noted    TrailKind = "note"
	Decided  TrailKind = "decided"
	Assigned TrailKind = "assigned"
	Followed TrailKind = "followed"
	// Messaged records a message written to the submitter.
	Messaged TrailKind = "message"
)

// TrailEntry is one line of a dossier's audit trail: who did what, when.
type TrailEntry struct {
	Reference string    `json:"reference"`
	Kind      TrailKind `json:"kind"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	// Detail is the note's text, the decision and its reason, the assignee.
	Detail string `json:"detail,omitempty"`
}

// Trail is the audit trail of the dossiers, appended to the EVENTS stream
// under subjects that name the dossier and the account, so that it reads
// per dossier and per account.
type Trail struct {
	js     jetstream.JetStream
	events jetstream.Stream
	now    func() time.Time
}

// NewTrail opens the trail on the EVENTS stream.
func NewTrail(ctx context.Context, b *bus.Bus) (*Trail, error) {
	events, err := b.JS.Stream(ctx, bus.StreamEvents)
	if err != nil {
		return nil, err
	}
	return &Trail{js: b.JS, events: events, now: time.Now}, nil
}

// Append adds an entry, stamped now, once JetStream has stored it.
func (t *Trail) Append(ctx context.Context, e TrailEntry) error {
	e.At = t.now().UTC()
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = t.js.Publish(ctx, bus.TrailSubject(e.Reference, string(e.Kind), e.By), raw, jetstream.WithExpectStream(bus.StreamEvents))
	return err
}

// OfDossier reads the trail of one dossier, oldest first.
func (t *Trail) OfDossier(ctx context.Context, reference string) ([]TrailEntry, error) {
	return t.read(ctx, bus.DossierTrail(reference))
}

// OfAccount reads what one account did on every dossier, oldest first.
func (t *Trail) OfAccount(ctx context.Context, account string) ([]TrailEntry, error) {
	return t.read(ctx, bus.AccountTrail(account))
}

func (t *Trail) read(ctx context.Context, filter string) ([]TrailEntry, error) {
	var out []TrailEntry
	err := bus.Scan(ctx, t.events, filter, func(msg jetstream.Msg) {
		var e TrailEntry
		if json.Unmarshal(msg.Data(), &e) == nil {
			out = append(out, e)
		}
	})
	return out, err
}
