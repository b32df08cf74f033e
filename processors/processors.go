package processors

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"
)

// Group is a set of running consumers, stopped together.
type Group struct {
	running []*Running
}

// Start runs each consumer; if one cannot start, those already started are
// stopped.
func Start(ctx context.Context, js jetstream.JetStream, cfg Config, consumers ...Consumer) (*Group, error) {
	g := &Group{}
	for _, c := range consumers {
		r, err := Run(ctx, js, c, cfg)
		if err != nil {
			g.Stop()
			return nil, err
		}
		g.running = append(g.running, r)
	}
	return g, nil
}

// Stop drains every consumer and waits for the messages in hand.
func (g *Group) Stop() {
	for _, r := range g.running {
		r.Stop()
	}
}
