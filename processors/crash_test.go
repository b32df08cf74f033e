package processors_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/test/testkit"
	"github.com/guichet/guichet/processors"
	"github.com/guichet/guichet/submit"
)

// A processor that dies after its effect and before its ack gets the
// message again, after the ack wait, in the process that takes over: the
// effect is not doubled. Each processor of the pipeline dies once.
func TestCrashBetweenEffectAndAck(t *testing.T) {
	for _, dying := range []string{bus.ConsumerPDF, bus.ConsumerRoute} {
		t.Run(dying, func(t *testing.T) {
			k := testkit.New(t, "accueil", "finances")
			publishAide(t, k)
			ctx := context.Background()
			receipt := k.Submit(t, "aide", `{"nom":"Jeanne Schmitt","montant":900}`)
			pdf, route, docs := pipeline(t, k)
			cfg := processors.Config{AckWait: time.Second, Backoff: []time.Duration{10 * time.Millisecond}}

			// The first process: its connection dies right after the effect.
			conn := k.Bus.Connect(t)
			js, err := jetstream.New(conn)
			if err != nil {
				t.Fatal(err)
			}
			died := make(chan struct{})
			started := make(chan struct{}) // the connection dies only once every consumer exists
			var once sync.Once
			var first []processors.Consumer
			for _, c := range []processors.Consumer{pdf.Consumer(), route.Consumer()} {
				if c.Durable == dying {
					handle := c.Handler
					c.Handler = func(ctx context.Context, msg jetstream.Msg) error {
						if err := handle(ctx, msg); err != nil {
							return err
						}
						<-started
						once.Do(func() {
							conn.Close() // the ack never leaves
							close(died)
						})
						return nil
					}
				}
				first = append(first, c)
			}
			group, err := processors.Start(ctx, js, cfg, first...)
			close(started)
			if err != nil {
				t.Fatal(err)
			}
			select {
			case <-died:
			case <-time.After(10 * time.Second):
				t.Fatal("the processor never reached its effect")
			}
			group.Stop()

			// The process that takes over.
			group, err = processors.Start(ctx, k.Bus.JS, cfg, pdf.Consumer(), route.Consumer())
			if err != nil {
				t.Fatal(err)
			}
			defer group.Stop()
			deadline := time.Now().Add(15 * time.Second)
			for {
				rec, err := k.Tracker.Get(ctx, receipt.Reference)
				if err == nil && rec.Status == "routed" && rec.Documented {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("not routed after the crash: %+v, %v", rec, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
			// Redelivered once the ack wait passed, and acknowledged this time.
			for _, durable := range []string{bus.ConsumerPDF, bus.ConsumerRoute} {
				waitAcked(t, k, durable)
			}
			objects, err := docs.List(ctx)
			if err != nil || len(objects) != 1 {
				t.Errorf("%d documents stored (%v), want one PDF", len(objects), err)
			}
			got := k.StageCounts(t, receipt.Reference)
			if len(got) != 3 || got[submit.Received] != 1 || got[submit.Routed] != 1 || got[submit.Documented] != 1 {
				t.Errorf("stages recorded: %v, want each of received, routed and documented once", got)
			}
			rec, err := k.Tracker.Get(ctx, receipt.Reference)
			if err != nil {
				t.Fatal(err)
			}
			if got := historyOf(rec); got != "received,routed" || !rec.Documented {
				t.Errorf("history %s, documented %v", got, rec.Documented)
			}
			if n := countInbox(t, k, "finances"); n != 1 {
				t.Errorf("%d inbox entries, want 1", n)
			}
		})
	}
}

// waitAcked waits until a durable consumer has nothing pending.
func waitAcked(t *testing.T, k *testkit.Kit, durable string) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(15 * time.Second)
	for {
		stream := bus.StreamSubmissions
		if durable == bus.ConsumerPDF {
			stream = bus.BucketStream(bus.BucketReceipts)
		}
		cons, err := k.Bus.JS.Consumer(ctx, stream, durable)
		if err != nil {
			t.Fatal(err)
		}
		info, err := cons.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.NumAckPending == 0 && info.NumPending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still has work: %+v", durable, info)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
