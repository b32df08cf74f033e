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
	return ScanWhile(ctx, stream, filter, func(msg jetstream.Msg) bool { visit(msg); return true })
}

// ScanWhile is Scan that stops as soon as visit returns false.
func ScanWhile(ctx context.Context, stream jetstream.Stream, filter string, visit func(jetstream.Msg) bool) error {
	// The server would keep an idle ordered consumer for five minutes:
	// delete it once read, with a short threshold in case that fails.
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{filter},
		InactiveThreshold: 30 * time.Second,
	})
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
			if !visit(msg) {
				return nil
			}
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

// SecureDelete overwrites and removes every message of a stream whose
// subject matches filter and that match accepts (nil accepts all), so that
// nothing of them stays on disk, and returns how many went. A key-value
// bucket's keys are the subjects "$KV.<bucket>.<key>" of stream
// "KV_<bucket>"; an object's chunks are "$O.<store>.C.<nuid>" of
// "OBJ_<store>".
func SecureDelete(ctx context.Context, stream jetstream.Stream, filter string, match func(jetstream.Msg) bool) (int, error) {
	var sequences []uint64
	var metaErr error
	err := ScanWhile(ctx, stream, filter, func(msg jetstream.Msg) bool {
		if match != nil && !match(msg) {
			return true
		}
		meta, err := msg.Metadata()
		if err != nil {
			metaErr = err
			return false
		}
		sequences = append(sequences, meta.Sequence.Stream)
		return true
	})
	if err = errors.Join(err, metaErr); err != nil {
		return 0, err
	}
	for i, seq := range sequences {
		if err := stream.SecureDeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			return i, err
		}
	}
	return len(sequences), nil
}
