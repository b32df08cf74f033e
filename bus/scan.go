package bus

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go/jetstream"
)

// Scan reads every message of a stream whose subject matches filter, in
// stream order, until it has caught up, and hands each to visit.
func Scan(ctx context.Context, stream jetstream.Stream, filter string, visit func(jetstream.Msg)) error {
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		return err
	}
	for {
		batch, err := cons.FetchNoWait(200)
		if err != nil {
			return err
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			visit(msg)
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return err
		}
		if got == 0 {
			return nil
		}
	}
}
