package processors

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/submit"
)

// Route sends each submission to its department, by its form version's
// routing rules, and files it into that department's inbox, as soon as it
// is stored: routing needs nothing else. It registers corrections with
// their dossier.
type Route struct {
	Forms       Versions
	Tracker     *submit.Tracker
	Submissions jetstream.Stream
}

// Consumer is the routing processor's durable consumer on every version
// of every submission, with workers that wait for storage side by side.
func (r *Route) Consumer() Consumer {
	return Consumer{
		Stream:         bus.StreamSubmissions,
		Durable:        bus.ConsumerRoute,
		FilterSubjects: []string{bus.SubmissionSubjects},
		Handler:        r.Handle,
		Workers:        ioWorkers,
	}
}

// Handle routes the first version of a submission, or registers a
// correction with its dossier.
func (r *Route) Handle(ctx context.Context, msg jetstream.Msg) error {
	stored, err := submit.Decode(msg)
	if err != nil {
		return err
	}
	if stored.Version() > 1 {
		_, err := r.Tracker.Revise(ctx, stored)
		return err
	}
	form, err := submit.FormOf(ctx, r.Forms, stored)
	if err != nil {
		return err
	}
	return r.Tracker.Route(ctx, stored, form, form.Route(stored.Data))
}
