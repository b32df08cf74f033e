package processors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// Route sends each documented submission to its department, by its form
// version's routing rules, and files it into that department's inbox.
type Route struct {
	Forms       Versions
	Tracker     *submit.Tracker
	Submissions jetstream.Stream
}

// Consumer is the routing processor's durable consumer on the events of
// documented submissions, with workers that wait for storage side by side.
func (r *Route) Consumer() Consumer {
	return Consumer{Stream: bus.StreamEvents, Durable: bus.ConsumerRoute, FilterSubjects: []string{bus.EventsWithStatus(string(submit.Documented))}, Handler: r.Handle,
		Workers: ioWorkers}
}

// Handle routes the submission that one "documented" event names.
func (r *Route) Handle(ctx context.Context, msg jetstream.Msg) error {
	var event submit.Event
	if err := json.Unmarshal(msg.Data(), &event); err != nil || event.Sequence == 0 {
		return Permanent(fmt.Errorf("malformed event on %s", msg.Subject()))
	}
	sub, err := submit.Load(ctx, r.Submissions, event.Reference, event.Sequence)
	if err != nil {
		return err
	}
	form, err := r.Forms.Version(ctx, sub.Form, sub.FormVersion)
	if errors.Is(err, schemas.ErrNotFound) {
		return Permanent(fmt.Errorf("submission %s: form %s version %d not found", sub.Reference, sub.Form, sub.FormVersion))
	}
	if err != nil {
		return err
	}
	return r.Tracker.Route(ctx, sub.Submission, form.Route(sub.Data), event.Sequence)
}
