package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/internal/test/natstest"
)

// startStream starts an embedded server that syncs every write, with a
// stream "S" on subjects "s.>" that allows atomic batches.
func startStream(t *testing.T) jetstream.JetStream {
	t.Helper()
	js := natstest.JetStream(t, true)
	_, err := js.CreateStream(context.Background(), jetstream.StreamConfig{
		Name:               "S",
		Subjects:           []string{"s.>"},
		Storage:            jetstream.FileStorage,
		Duplicates:         time.Minute,
		AllowAtomicPublish: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func message(subject, id, data string) *nats.Msg {
	m := &nats.Msg{Subject: subject, Data: []byte(data), Header: nats.Header{}}
	if id != "" {
		m.Header.Set(jetstream.MsgIDHeader, id)
	}
	return m
}

// checkStored fails unless the message at seq carries data.
func checkStored(t *testing.T, js jetstream.JetStream, seq uint64, data string) {
	t.Helper()
	s, err := js.Stream(context.Background(), "S")
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMsg(context.Background(), seq)
	if err != nil {
		t.Fatalf("sequence %d: %v", seq, err)
	}
	if string(m.Data) != data {
		t.Errorf("sequence %d holds %q, want %q", seq, m.Data, data)
	}
}

func TestConcurrentPublishesAreBatchedAndEachAckIsItsOwn(t *testing.T) {
	js := startStream(t)
	c := New(js, 5*time.Second)
	defer c.Close()
	const n = 300
	acks := make([]*jetstream.PubAck, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ack, err := c.Publish(context.Background(), message("s.a", fmt.Sprint("id-", i), fmt.Sprint("data-", i)))
			if err != nil {
				t.Error(err)
			}
			acks[i] = ack
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	seen := map[uint64]bool{}
	for i, ack := range acks {
		if seen[ack.Sequence] || ack.Duplicate {
			t.Fatalf("ack %d: sequence %d given twice or duplicate", i, ack.Sequence)
		}
		seen[ack.Sequence] = true
		checkStored(t, js, ack.Sequence, fmt.Sprint("data-", i))
	}
	stats := c.Stats()
	if stats.Messages != n || stats.Batches == 0 || stats.Batches > n/2 {
		t.Errorf("stats %+v: want %d messages in few batches", stats, n)
	}
	t.Logf("%d concurrent publishes: %+v", n, stats)
}

// A batch holding a message id already stored, or a key written twice, is
// refused whole by the server; its neighbours are stored all the same and
// the offending message gets its own answer.
func TestRefusedBatchAnswersEachMessage(t *testing.T) {
	js := startStream(t)
	c := New(js, 5*time.Second)
	defer c.Close()
	ctx := context.Background()
	first, err := js.PublishMsg(ctx, message("s.a", "taken", "first"))
	if err != nil {
		t.Fatal(err)
	}
	keyed := func(data string) *nats.Msg {
		m := message("s.key", "", data)
		m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, "0")
		return m
	}
	msgs := []*nats.Msg{
		message("s.a", "fresh-1", "one"),
		message("s.a", "taken", "again"),
		keyed("key-first"),
		keyed("key-second"),
		message("s.a", "fresh-2", "two"),
	}
	writes := make([]*write, len(msgs))
	for i, m := range msgs {
		writes[i] = &write{ctx: ctx, msgs: []*nats.Msg{m}, result: make(chan result, 1)}
	}
	c.commit(writes)
	results := make([]result, len(writes))
	for i, w := range writes {
		results[i] = <-w.result
	}
	for _, i := range []int{0, 4} {
		if results[i].err != nil || results[i].acks[0].Duplicate {
			t.Fatalf("fresh message %d: %+v", i, results[i])
		}
		checkStored(t, js, results[i].acks[0].Sequence, string(msgs[i].Data))
	}
	if r := results[1]; r.err != nil || !r.acks[0].Duplicate || r.acks[0].Sequence != first.Sequence {
		t.Errorf("message id already stored: %+v, want a duplicate of sequence %d", r, first.Sequence)
	}
	// Of two creations of one key, exactly one is stored.
	var created, refused int
	for _, r := range results[2:4] {
		var apiErr *jetstream.APIError
		switch {
		case r.err == nil:
			created++
		case errors.As(r.err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence:
			refused++
		default:
			t.Errorf("creation of a key: %v", r.err)
		}
	}
	if created != 1 || refused != 1 {
		t.Errorf("two creations of one key: %d stored, %d refused", created, refused)
	}
	// Halves are refused down to the messages refused: five messages in
	// as many batches or publishes at most.
	if stats := c.Stats(); stats.Refused == 0 || stats.Messages != 5 {
		t.Errorf("stats %+v", stats)
	}
}

// One message refused among many: its neighbours are stored in a few
// batches, halves of halves, not each with a disk sync of its own.
func TestRefusedMessageKeepsItsNeighboursBatched(t *testing.T) {
	js := startStream(t)
	c := New(js, 5*time.Second)
	defer c.Close()
	ctx := context.Background()
	if _, err := js.PublishMsg(ctx, message("s.a", "taken", "first")); err != nil {
		t.Fatal(err)
	}
	writes := make([]*write, 200)
	for i := range writes {
		id := fmt.Sprintf("id-%d", i)
		if i == 137 {
			id = "taken"
		}
		writes[i] = &write{ctx: ctx, msgs: []*nats.Msg{message("s.a", id, fmt.Sprint(i))}, result: make(chan result, 1)}
	}
	c.commit(writes)
	for i, w := range writes {
		if r := <-w.result; r.err != nil || r.acks[0].Duplicate != (i == 137) {
			t.Fatalf("message %d: %+v", i, r)
		}
	}
	// log2(200) levels of halves, two batches each at most.
	if stats := c.Stats(); stats.Batches > 16 || stats.Refused > 8 || stats.Messages != 200 {
		t.Errorf("stats %+v", stats)
	}
}

// Messages handed in together are stored together, in order, beside
// other callers' messages; when one of them is refused, none is stored,
// and the other callers' messages are.
func TestMessagesStoredTogether(t *testing.T) {
	js := startStream(t)
	c := New(js, 5*time.Second)
	defer c.Close()
	ctx := context.Background()
	if _, err := js.PublishMsg(ctx, message("s.a", "taken", "first")); err != nil {
		t.Fatal(err)
	}
	together := []*write{
		{ctx: ctx, msgs: []*nats.Msg{message("s.b", "", "b1"), message("s.b", "", "b2"), message("s.b", "", "b3")}, result: make(chan result, 1)},
		{ctx: ctx, msgs: []*nats.Msg{message("s.c", "", "alone")}, result: make(chan result, 1)},
	}
	c.commit(together)
	for _, w := range together {
		r := <-w.result
		if r.err != nil || len(r.acks) != len(w.msgs) {
			t.Fatalf("%+v", r)
		}
		for i, ack := range r.acks {
			checkStored(t, js, ack.Sequence, string(w.msgs[i].Data))
		}
	}
	refused := []*write{
		{ctx: ctx, msgs: []*nats.Msg{message("s.d", "", "d1"), message("s.a", "taken", "again")}, result: make(chan result, 1)},
		{ctx: ctx, msgs: []*nats.Msg{message("s.e", "", "kept")}, result: make(chan result, 1)},
	}
	c.commit(refused)
	if r := <-refused[0].result; r.err == nil {
		t.Errorf("a unit with a message id already stored was stored: %+v", r)
	}
	if r := <-refused[1].result; r.err != nil {
		t.Errorf("its neighbour: %v", r.err)
	} else {
		checkStored(t, js, r.acks[0].Sequence, "kept")
	}
	s, err := js.Stream(ctx, "S")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetLastMsgForSubject(ctx, "s.d"); !errors.Is(err, jetstream.ErrMsgNotFound) {
		t.Errorf("part of a refused unit was stored: %v", err)
	}
	if _, err := c.PublishTogether(ctx); err == nil {
		t.Error("nothing to store was accepted")
	}
}

func TestPublishGivesUpWithItsContext(t *testing.T) {
	js := startStream(t)
	c := New(js, 5*time.Second)
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Publish(ctx, message("s.a", "late", "late")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled publish: %v", err)
	}
	// A write whose caller left before its batch was sent is not sent.
	w := &write{ctx: ctx, msgs: []*nats.Msg{message("s.a", "left", "left")}, result: make(chan result, 1)}
	c.commit([]*write{w})
	if r := <-w.result; !errors.Is(r.err, context.Canceled) {
		t.Errorf("write of a caller who left: %+v", r)
	}
	s, _ := js.Stream(context.Background(), "S")
	if info, _ := s.Info(context.Background()); info.State.Msgs != 0 {
		t.Errorf("%d messages stored, want none", info.State.Msgs)
	}
}
