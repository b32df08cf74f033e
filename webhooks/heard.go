package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
)

// registered is the consumer's copy of the webhooks, kept by a watch on
// their bucket, so that each event reads memory where it listed the
// bucket (a consumer created and deleted on the server, per event). A
// change reaches the copy a moment after it is stored, as an event
// reaches the consumer a moment after it is written.
type registered struct {
	mu      sync.Mutex
	watcher jetstream.KeyWatcher // nil until the first event, or after the watch ended
	ready   chan struct{}        // closed once the watch has read every webhook
	ended   chan struct{}        // closed when the watch ends
	hooks   map[string]Webhook
}

// errWatchEnded is the failure of an event handled while the watch of the
// webhooks ended before reading them all: the event is retried.
var errWatchEnded = errors.New("webhooks: the watch of the registry ended")

// current returns the webhooks as the watch last saw them, starting the
// watch at the first call, or again if it ended.
func (s *Service) current(ctx context.Context) ([]Webhook, error) {
	r := &s.registered
	r.mu.Lock()
	if r.watcher == nil {
		w, err := s.hooks.WatchAll(context.WithoutCancel(ctx))
		if err != nil {
			r.mu.Unlock()
			return nil, err
		}
		r.watcher, r.ready, r.ended, r.hooks = w, make(chan struct{}), make(chan struct{}), map[string]Webhook{}
		go r.follow(w, r.ready, r.ended)
	}
	ready, ended := r.ready, r.ended
	r.mu.Unlock()
	select {
	case <-ready:
	case <-ended:
		return nil, errWatchEnded
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Webhook, 0, len(r.hooks))
	for _, w := range r.hooks {
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b Webhook) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// follow applies the watch's changes until it ends, when the bus's
// connection closes; a call to current after that starts another.
func (r *registered) follow(w jetstream.KeyWatcher, ready, ended chan struct{}) {
	defer close(ended)
	for entry := range w.Updates() {
		r.mu.Lock()
		switch {
		case entry == nil: // every webhook stored so far has been read
			close(ready)
		case entry.Operation() == jetstream.KeyValuePut:
			var hook Webhook
			if json.Unmarshal(entry.Value(), &hook) == nil {
				r.hooks[entry.Key()] = hook
			}
		default: // deleted or purged
			delete(r.hooks, entry.Key())
		}
		r.mu.Unlock()
	}
	r.mu.Lock()
	if r.watcher == w {
		r.watcher = nil
	}
	r.mu.Unlock()
}
