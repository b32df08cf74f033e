package processors_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/test/testkit"
	"github.com/guichet/guichet/processors"
)

// A message its consumer gave up on is listed with the reason, and once
// the cause is fixed a replay runs it through the same handler and
// removes it from the list; a replay that fails again leaves it there.
func TestDeadLettersReplay(t *testing.T) {
	k := testkit.New(t)
	ctx := context.Background()
	var broken atomic.Bool
	broken.Store(true)
	var handled atomic.Int32
	handler := func(_ context.Context, msg jetstream.Msg) error {
		if broken.Load() {
			return processors.Permanent(errors.New("the form version is missing"))
		}
		if string(msg.Data()) == `{"n":2}` {
			handled.Add(1)
		}
		return nil
	}
	flaky := processors.Consumer{
		Stream:         bus.StreamSubmissions,
		Durable:        "flaky",
		FilterSubjects: []string{"submissions.aide"},
		Handler:        handler,
	}
	group, err := processors.Start(ctx, k.Bus.JS, processors.Config{Backoff: []time.Duration{10 * time.Millisecond}}, flaky)
	if err != nil {
		t.Fatal(err)
	}
	defer group.Stop()
	letters, err := processors.NewDeadLetters(ctx, k.Bus.JS, []processors.Consumer{flaky})
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{`{"n":1}`, `{"n":2}`} {
		if _, err := k.Bus.JS.Publish(ctx, "submissions.aide", []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	var list []processors.DeadLetter
	deadline := time.Now().Add(10 * time.Second)
	for len(list) < 2 {
		if list, err = letters.List(ctx); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("dead letters: %+v", list)
		}
		time.Sleep(20 * time.Millisecond)
	}
	second := list[1]
	if second.Consumer != "flaky" || second.Stream != bus.StreamSubmissions || second.StreamSeq != 2 ||
		second.Reason != "the form version is missing" {
		t.Errorf("dead letter = %+v", second)
	}
	if err := letters.Replay(ctx, second.Sequence); err == nil {
		t.Error("a replay before the fix succeeded")
	}
	broken.Store(false)
	if err := letters.Replay(ctx, second.Sequence); err != nil {
		t.Fatal(err)
	}
	if handled.Load() != 1 {
		t.Errorf("the replayed message was handled %d times", handled.Load())
	}
	if list, _ = letters.List(ctx); len(list) != 1 || list[0].StreamSeq != 1 {
		t.Errorf("after the replay: %+v", list)
	}
	if err := letters.Replay(ctx, second.Sequence); !errors.Is(err, processors.ErrUnknownDeadLetter) {
		t.Errorf("replaying twice: %v", err)
	}
}

// A batch consumer gets its messages in the stream's order, in batches,
// and each message's outcome is its own: acknowledged, retried with the
// backoff, or dead-lettered; a dead letter replays through the same
// handler, alone; each outcome is observed, as for any consumer.
func TestBatchConsumerSettlesEachMessage(t *testing.T) {
	k := testkit.New(t)
	ctx := context.Background()
	var (
		order   []string
		retried atomic.Bool
		mu      sync.Mutex
	)
	batch := func(_ context.Context, msgs []jetstream.Msg) ([]error, error) {
		mu.Lock()
		defer mu.Unlock()
		outcomes := make([]error, len(msgs))
		for i, msg := range msgs {
			switch data := string(msg.Data()); data {
			case "bad":
				outcomes[i] = processors.Permanent(errors.New("not a submission"))
			case "late":
				// Fails its first delivery only.
				if !retried.Swap(true) {
					outcomes[i] = errors.New("not ready yet")
					continue
				}
				order = append(order, data)
			default:
				order = append(order, data)
			}
		}
		return outcomes, nil
	}
	signing := processors.Consumer{Stream: bus.StreamSubmissions, Durable: "batched", FilterSubjects: []string{"submissions.aide"},
		Batch: batch, BatchSize: 10, Pinned: "signers", Patient: true}
	observed := map[processors.Outcome]int{}
	cfg := processors.Config{
		Backoff: []time.Duration{10 * time.Millisecond},
		Observe: func(consumer string, o processors.Outcome, _ time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			if consumer == "batched" {
				observed[o]++
			}
		},
	}
	for _, data := range []string{"1", "2", "bad", "late", "3"} {
		if _, err := k.Bus.JS.Publish(ctx, "submissions.aide", []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	group, err := processors.Start(ctx, k.Bus.JS, cfg, signing)
	if err != nil {
		t.Fatal(err)
	}
	defer group.Stop()
	letters, err := processors.NewDeadLetters(ctx, k.Bus.JS, []processors.Consumer{signing})
	if err != nil {
		t.Fatal(err)
	}
	var list []processors.DeadLetter
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if list, err = letters.List(ctx); err != nil {
			t.Fatal(err)
		}
		// A message is observed once settled, a moment after its handler.
		mu.Lock()
		handled, settled := len(order), observed[processors.Processed]
		mu.Unlock()
		if len(list) == 1 && handled == 4 && settled == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dead letters %+v, handled %v", list, order)
		}
	}
	mu.Lock()
	if got := strings.Join(order, " "); got != "1 2 3 late" {
		t.Errorf("handled in the order %q, want the batch in order and the retried message after it", got)
	}
	if observed[processors.Processed] != 4 || observed[processors.Retried] != 1 || observed[processors.DeadLettered] != 1 {
		t.Errorf("observed %v", observed)
	}
	mu.Unlock()
	if list[0].Consumer != "batched" || list[0].StreamSeq != 3 || list[0].Reason != "not a submission" {
		t.Errorf("dead letter = %+v", list[0])
	}
	if err := letters.Replay(ctx, list[0].Sequence); err == nil {
		t.Error("the replay of a message still refused succeeded")
	}
}
