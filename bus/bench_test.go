package bus_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/bench/benchform"
	"github.com/guichet/guichet/internal/test/natstest"
)

// benchStream starts an embedded server, with or without a disk sync per
// write, and the SUBMISSIONS stream as Open provisions it.
func benchStream(b *testing.B, syncAlways bool) jetstream.JetStream {
	b.Helper()
	js := natstest.JetStream(b, syncAlways)
	_, err := js.CreateStream(context.Background(), jetstream.StreamConfig{
		Name:       bus.StreamSubmissions,
		Subjects:   []string{bus.SubmissionSubjects},
		Storage:    jetstream.FileStorage,
		Duplicates: bus.DuplicateWindow,
	})
	if err != nil {
		b.Fatal(err)
	}
	return js
}

// Publishing one submission and waiting for JetStream's acknowledgement,
// with and without a disk sync per write, by one publisher or by 32 at once.
func BenchmarkPublish(b *testing.B) {
	payload := fmt.Appendf(nil, `{"reference":"2026-K7QM-4XPA-9DXR","form":%q,"formVersion":1,"data":%s}`, benchform.ID, benchform.Data(0))
	for _, syncAlways := range []bool{true, false} {
		for _, publishers := range []int{1, 32} {
			b.Run(fmt.Sprintf("sync=%v/publishers=%d", syncAlways, publishers), func(b *testing.B) {
				js := benchStream(b, syncAlways)
				ctx := context.Background()
				var n atomic.Int64
				publish := func() {
					id := fmt.Sprintf("msg-%d", n.Add(1))
					if _, err := js.Publish(ctx, bus.SubmissionSubject(benchform.ID), payload, jetstream.WithMsgID(id)); err != nil {
						b.Error(err)
					}
				}
				b.SetBytes(int64(len(payload)))
				benchform.RunConcurrently(b, publishers, publish)
			})
		}
	}
}
