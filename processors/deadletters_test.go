package processors_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/testkit"
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
	flaky := processors.Consumer{Stream: bus.StreamSubmissions, Durable: "flaky", FilterSubjects: []string{"submissions.aide"}, Handler: handler}
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
	if second.Consumer != "flaky" || second.Stream != bus.StreamSubmissions || second.StreamSeq != 2 || second.Reason != "the form version is missing" {
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
