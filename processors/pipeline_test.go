package processors_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/test/pdftest"
	"github.com/guichet/guichet/internal/test/testkit"
	"github.com/guichet/guichet/processors"
	"github.com/guichet/guichet/receipts"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

func publishAide(t *testing.T, k *testkit.Kit) {
	k.Publish(t, schemas.Form{
		ID: "aide", Title: "Aide à l'équipement", Audience: schemas.Public,
		Schema: json.RawMessage(`{"type":"object","properties":{"nom":{"type":"string","title":"Nom"},"montant":{"type":"number",` +
			`"title":"Montant (€)"}}}`),
		Routing: schemas.Routing{Default: "accueil", Rules: []schemas.Rule{
			{When: json.RawMessage(`{"properties":{"montant":{"minimum":500}},"required":["montant"]}`), Department: "finances"},
		}},
	})
}

// fetchOne takes the next message of a fresh consumer, as a processor would.
func fetchOne(t *testing.T, k *testkit.Kit, stream, filter string) jetstream.Msg {
	t.Helper()
	ctx := context.Background()
	cons, err := k.Bus.JS.CreateConsumer(ctx, stream, jetstream.ConsumerConfig{FilterSubject: filter, AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for msg := range batch.Messages() {
		return msg
	}
	t.Fatalf("no message on %s", filter)
	return nil
}

// pipeline builds the PDF and route processors on a kit's stores, starts
// the receipt signer the PDF processor depends on, and returns the
// documents they write to.
func pipeline(t testing.TB, k *testkit.Kit) (*processors.PDF, *processors.Route, jetstream.ObjectStore) {
	t.Helper()
	ctx := context.Background()
	docs, err := k.Bus.Documents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	submissions, err := k.Bus.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := receipts.LoadOrCreate(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	signing, err := processors.Start(ctx, k.Bus.JS, processors.Config{}, (&processors.Signing{
		Signer: signer,
		Bus:    k.Bus,
		Log:    slog.New(slog.DiscardHandler),
	}).Consumer())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(signing.Stop)
	pdf := &processors.PDF{
		Organisation: "Département de la Moselle",
		Forms:        k.Forms,
		Tracker:      k.Tracker,
		Bus:          k.Bus,
		Submissions:  submissions,
		Documents:    docs,
	}
	return pdf, &processors.Route{Forms: k.Forms, Tracker: k.Tracker, Submissions: submissions}, docs
}

// A message delivered twice has its effects once: one PDF, one inbox
// entry, one event per status. Routing needs nothing but the submission;
// the PDF, made from the receipt, shows in the status.
func TestProcessorsAreIdempotent(t *testing.T) {
	k := testkit.New(t, "accueil", "finances")
	publishAide(t, k)
	ctx := context.Background()
	receipt := k.Submit(t, "aide", `{"nom":"Şükrü Yılmaz-Lefèvre","montant":900}`)
	pdf, route, docs := pipeline(t, k)

	msg := fetchOne(t, k, bus.StreamSubmissions, bus.SubmissionSubjects)
	for range 2 {
		if err := route.Handle(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := k.Tracker.Get(ctx, receipt.Reference)
	if err != nil || rec.Status != "routed" || rec.Department != "finances" || rec.Documented {
		t.Fatalf("routed before its PDF: %+v, %v", rec, err)
	}

	signed := fetchOne(t, k, bus.BucketStream(bus.BucketReceipts), bus.KeySubject(bus.BucketReceipts, bus.ReceiptKey(receipt.Reference, 1)))
	for range 2 {
		if err := pdf.Handle(ctx, signed); err != nil {
			t.Fatal(err)
		}
	}
	objects, err := docs.List(ctx)
	if err != nil || len(objects) != 1 {
		t.Fatalf("%d objects stored (%v), want one PDF", len(objects), err)
	}
	stored, err := docs.GetBytes(ctx, bus.DocumentRecordName(receipt.Reference, 1))
	if err != nil {
		t.Fatal(err)
	}
	if text := pdftest.Text(t, stored); !strings.Contains(text, "Şükrü Yılmaz-Lefèvre") || !strings.Contains(text, receipt.Reference) {
		t.Errorf("PDF text:\n%s", text)
	}
	if rec, err = k.Tracker.Get(ctx, receipt.Reference); err != nil {
		t.Fatal(err)
	}
	if got := historyOf(rec); got != "received,routed" || rec.Department != "finances" || !rec.Documented {
		t.Errorf("history = %s, department = %s, documented %v", got, rec.Department, rec.Documented)
	}
	got := k.StageCounts(t, receipt.Reference)
	if len(got) != 3 || got[submit.Received] != 1 || got[submit.Routed] != 1 || got[submit.Documented] != 1 {
		t.Errorf("stages recorded: %v, want each of received, routed and documented once", got)
	}
	if n := countInbox(t, k, "finances"); n != 1 {
		t.Errorf("%d inbox entries in finances, want 1", n)
	}
}

// historyOf lists the statuses of a record's history, comma-separated.
func historyOf(rec submit.State) string {
	var statuses []string
	for _, c := range rec.History {
		statuses = append(statuses, string(c.Status))
	}
	return strings.Join(statuses, ",")
}

// countInbox counts the entries of a department's inbox.
func countInbox(t *testing.T, k *testkit.Kit, department string) int {
	t.Helper()
	ctx := context.Background()
	inbox, err := k.Bus.KV(ctx, bus.BucketInbox)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := inbox.ListKeysFiltered(ctx, bus.InboxKeys(department))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range keys.Keys() {
		n++
	}
	return n
}

// A message that keeps failing is dead-lettered after its last delivery,
// and the others go through meanwhile.
func TestRunnerDeadLettersWhatKeepsFailing(t *testing.T) {
	k := testkit.New(t)
	ctx := context.Background()
	var mu sync.Mutex
	attempts := map[string]int{}
	done := make(chan string, 10)
	handler := func(_ context.Context, msg jetstream.Msg) error {
		mu.Lock()
		attempts[msg.Subject()]++
		mu.Unlock()
		switch msg.Subject() {
		case "submissions.poison":
			return errors.New("storage refused the document")
		case "submissions.malformed":
			return processors.Permanent(errors.New("malformed envelope"))
		}
		done <- msg.Subject()
		return nil
	}
	group, err := processors.Start(ctx, k.Bus.JS, processors.Config{MaxDeliver: 3, Backoff: []time.Duration{10 * time.Millisecond}},
		processors.Consumer{Stream: bus.StreamSubmissions, Durable: "test", FilterSubjects: []string{bus.SubmissionSubjects}, Handler: handler})
	if err != nil {
		t.Fatal(err)
	}
	defer group.Stop()
	for _, subject := range []string{"submissions.poison", "submissions.malformed", "submissions.ok-1", "submissions.ok-2"} {
		if _, err := k.Bus.JS.Publish(ctx, subject, []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("healthy messages were blocked")
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for k.SubjectCount(t, bus.StreamDeadLetter, "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.SUBMISSIONS.test") < 2 {
		if time.Now().After(deadline) {
			t.Fatal("no dead letters recorded")
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if attempts["submissions.poison"] != 3 || attempts["submissions.malformed"] != 1 {
		t.Errorf("attempts = %v: want 3 for the failing message, 1 for the permanent failure", attempts)
	}
}

// Stop lets the message in hand finish before returning.
func TestStopWaitsForWorkInHand(t *testing.T) {
	k := testkit.New(t)
	ctx := context.Background()
	started, finished := make(chan struct{}), make(chan struct{})
	group, err := processors.Start(ctx, k.Bus.JS, processors.Config{},
		processors.Consumer{Stream: bus.StreamSubmissions, Durable: "slow", FilterSubjects: []string{bus.SubmissionSubjects},
			Handler: func(context.Context, jetstream.Msg) error {
				close(started)
				time.Sleep(300 * time.Millisecond)
				close(finished)
				return nil
			}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Bus.JS.Publish(ctx, "submissions.x", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	<-started
	group.Stop()
	select {
	case <-finished:
	default:
		t.Fatal("Stop returned while a message was being processed")
	}
	cons, err := k.Bus.JS.Consumer(ctx, bus.StreamSubmissions, "slow")
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumAckPending != 0 || info.AckFloor.Stream != 1 {
		t.Errorf("the message was not acknowledged before Stop returned: %+v", info)
	}
}

// A consumer with workers handles that many messages at once, and Stop
// waits for all those in hand.
func TestWorkersHandleMessagesAtOnce(t *testing.T) {
	k := testkit.New(t)
	ctx := context.Background()
	const workers = 4
	var inside sync.WaitGroup
	inside.Add(workers)
	var finished atomic.Int32
	group, err := processors.Start(ctx, k.Bus.JS, processors.Config{},
		processors.Consumer{
			Stream:         bus.StreamSubmissions,
			Durable:        "parallel",
			FilterSubjects: []string{bus.SubmissionSubjects},
			Workers:        workers,
			Handler: func(context.Context, jetstream.Msg) error {
				inside.Done()
				inside.Wait() // returns only once all four are in hand together
				time.Sleep(100 * time.Millisecond)
				finished.Add(1)
				return nil
			},
		})
	if err != nil {
		t.Fatal(err)
	}
	for i := range workers {
		if _, err := k.Bus.JS.Publish(ctx, fmt.Sprintf("submissions.f%d", i), []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	waited := make(chan struct{})
	go func() { inside.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("the messages were not handled at once")
	}
	group.Stop()
	if n := finished.Load(); n != workers {
		t.Errorf("Stop returned with %d of %d messages finished", n, workers)
	}
}
