package bus

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/nats-io/nats.go/jetstream"
)

// Scan reads every message of a stream whose subject matches filter, in
// stream order, until it has caught up, and hands each to visit.
func Scan(ctx context.Context, stream jetstream.Stream, filter string, visit func(jetstream.Msg)) error {
	// The server would keep an idle ordered consumer for five minutes:
	// delete it once read, with a short threshold in case that fails.
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, InactiveThreshold: 30 * time.Second})
	if err != nil {
		return err
	}
	defer func() {
		if info := cons.CachedInfo(); info != nil {
			_ = stream.DeleteConsumer(context.WithoutCancel(ctx), info.Name)
		}
	}()
	// On a cluster, a new consumer may not answer its first requests yet.
	settling := time.Now().Add(5 * time.Second)
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
		err = batch.Error()
		if errors.Is(err, nats.ErrNoResponders) && got == 0 && time.Now().Before(settling) {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return err
		}
		if got == 0 {
			return nil
		}
	}
}
