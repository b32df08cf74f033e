package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/metrics"
	// The buckets the metrics report on, as their packages declare them.
	_ "github.com/guichet/guichet/receipts"
	_ "github.com/guichet/guichet/submit"
)

func scrape(t *testing.T, js jetstream.JetStream) string {
	t.Helper()
	rec := httptest.NewRecorder()
	metrics.New(js, nil).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 {
		t.Fatalf("metrics: %d %s", rec.Code, body)
	}
	return string(body)
}

// A message a processor gives up on shows in the metrics, by stream,
// processor and reason, until it is replayed.
func TestDeadLettersAreCounted(t *testing.T) {
	b := bus.StartTest(t)
	ctx := context.Background()
	const line = `guichet_dead_letters{consumer="pdf",reason="terminated",stream="SUBMISSIONS"} 1`
	if body := scrape(t, b.JS); strings.Contains(body, "guichet_dead_letters{") || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("before any failure:\n%s", body)
	}
	if _, err := b.JS.Publish(ctx, bus.SubmissionSubject("aide"), []byte("{}")); err != nil {
		t.Fatal(err)
	}
	cons, err := b.JS.CreateConsumer(ctx, bus.StreamSubmissions, jetstream.ConsumerConfig{
		Durable:   bus.ConsumerPDF,
		AckPolicy: jetstream.AckExplicitPolicy,
	})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := cons.Next()
	if err != nil {
		t.Fatal(err)
	}
	if err := msg.TermWithReason("malformed submission"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(scrape(t, b.JS), line) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s in:\n%s", line, scrape(t, b.JS))
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A replay deletes the advisory, as here, and the count goes.
	letters, err := b.JS.Stream(ctx, bus.StreamDeadLetter)
	if err != nil {
		t.Fatal(err)
	}
	if err := letters.DeleteMsg(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if body := scrape(t, b.JS); strings.Contains(body, "guichet_dead_letters{") {
		t.Errorf("after the replay:\n%s", body)
	}
}

// What the streams hold and each processor's backlog are read at each
// scrape: messages waiting, given and not finished, given again.
func TestStorageAndBacklog(t *testing.T) {
	b := bus.StartTest(t)
	ctx := context.Background()
	for range 3 {
		if _, err := b.JS.Publish(ctx, bus.SubmissionSubject("aide"), []byte(`{"reference":"x"}`)); err != nil {
			t.Fatal(err)
		}
	}
	cons, err := b.JS.CreateConsumer(ctx, bus.StreamSubmissions, jetstream.ConsumerConfig{
		Durable:   bus.ConsumerPDF,
		AckPolicy: jetstream.AckExplicitPolicy,
	})
	if err != nil {
		t.Fatal(err)
	}
	// A reader's ephemeral consumer is no processor's backlog.
	if _, err := b.JS.OrderedConsumer(ctx, bus.StreamSubmissions, jetstream.OrderedConsumerConfig{}); err != nil {
		t.Fatal(err)
	}
	body := scrape(t, b.JS)
	for _, line := range []string{
		`guichet_stream_messages{stream="SUBMISSIONS"} 3`,
		`guichet_stream_messages{stream="KV_status"} 0`,
		`guichet_consumer_pending{consumer="pdf",stream="SUBMISSIONS"} 3`,
		`guichet_consumer_ack_pending{consumer="pdf",stream="SUBMISSIONS"} 0`,
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("no %s in:\n%s", line, body)
		}
	}
	if strings.Count(body, "guichet_consumer_pending{") != 1 {
		t.Errorf("consumers other than the processor's are reported:\n%s", body)
	}
	if strings.Contains(body, `guichet_stream_bytes{stream="SUBMISSIONS"} 0`+"\n") {
		t.Errorf("SUBMISSIONS holds three messages in no bytes")
	}

	msg, err := cons.Next()
	if err != nil {
		t.Fatal(err)
	}
	body = scrape(t, b.JS)
	for _, line := range []string{
		`guichet_consumer_pending{consumer="pdf",stream="SUBMISSIONS"} 2`,
		`guichet_consumer_ack_pending{consumer="pdf",stream="SUBMISSIONS"} 1`,
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("after one message given: no %s in:\n%s", line, body)
		}
	}
	if err := msg.Nak(); err != nil {
		t.Fatal(err)
	}
	// The failed message comes again, maybe after the others.
	for deadline := time.Now().Add(10 * time.Second); ; {
		next, err := cons.Next(jetstream.FetchMaxWait(time.Second))
		if err == nil {
			if md, _ := next.Metadata(); md != nil && md.NumDelivered > 1 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the failed message is not given again")
		}
	}
	if body := scrape(t, b.JS); !strings.Contains(body, `guichet_consumer_redelivered{consumer="pdf",stream="SUBMISSIONS"} 1`+"\n") {
		t.Errorf("after a failure, the message given again is not counted:\n%s", body)
	}
}

// Requests are counted by the pattern that served them, not their path;
// those that match no route, or that the middleware in front answers
// itself, are counted as unmatched.
func TestRequestsByRoute(t *testing.T) {
	b := bus.StartTest(t)
	m := metrics.New(b.JS, b.Batches)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /forms/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	refuse := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Origin") == "https://ailleurs.example" {
				http.Error(w, "refusé", http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	handler := m.Instrument(mux, refuse)
	for _, path := range []string{"/forms/a", "/forms/b", "/nowhere"} {
		handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	refused := httptest.NewRequest("GET", "/forms/c", nil)
	refused.Header.Set("Origin", "https://ailleurs.example")
	handler.ServeHTTP(httptest.NewRecorder(), refused)

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, line := range []string{
		`guichet_http_requests_total{code="200",method="get",route="GET /forms/{id}"} 2`,
		`guichet_http_requests_total{code="404",method="get",route="unmatched"} 1`,
		`guichet_http_requests_total{code="403",method="get",route="unmatched"} 1`,
		`guichet_http_request_duration_seconds_count{method="get",route="GET /forms/{id}"} 2`,
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("no %s in:\n%s", line, body)
		}
	}
	if strings.Contains(body, "/forms/a") || strings.Contains(body, "/nowhere") {
		t.Error("a request's path is a label")
	}
}

// Writes and disk syncs are counted by stream: messages written alone take
// a sync each, those group commit gathers take one per batch.
func TestWritesAndSyncsByStream(t *testing.T) {
	b := bus.StartTest(t)
	ctx := context.Background()
	for range 3 {
		if _, err := b.JS.Publish(ctx, bus.SubmissionSubject("aide"), []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	// 200 writes at once through group commit: fewer batches than writes.
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			if _, err := b.Commit(ctx, bus.StreamSubmissions, &nats.Msg{Subject: bus.SubmissionSubject("aide"), Data: []byte(`{}`)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// And one batch of three, as the receipt signer writes.
	var receipts []*nats.Msg
	for _, key := range []string{"a", "b", "c"} {
		receipts = append(receipts, &nats.Msg{Subject: "$KV." + bus.BucketReceipts + "." + key, Data: []byte(`{}`), Header: nats.Header{}})
	}
	if err := b.PublishBatch(ctx, receipts); err != nil {
		t.Fatal(err)
	}
	if got := b.Batches()[bus.BucketStream(bus.BucketReceipts)]; got != (bus.BatchStats{Messages: 3, Batches: 1}) {
		t.Errorf("a batch of three receipts: %+v", got)
	}
	batches := b.Batches()[bus.StreamSubmissions]
	if batches.Batches == 0 || batches.Batches >= 200 || batches.Messages > 200 {
		t.Fatalf("group commit: %+v", batches)
	}
	rec := httptest.NewRecorder()
	metrics.New(b.JS, b.Batches).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	syncs := 203 - batches.Messages + batches.Batches
	for _, line := range []string{
		`guichet_stream_writes_total{stream="SUBMISSIONS"} 203`,
		fmt.Sprintf(`guichet_stream_syncs_total{stream="SUBMISSIONS"} %d`, syncs),
		fmt.Sprintf(`guichet_stream_batches_total{stream="SUBMISSIONS"} %d`, batches.Batches),
		`guichet_stream_writes_total{stream="KV_status"} 0`,
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("no %s in:\n%s", line, body)
		}
	}
	if syncs >= 203 {
		t.Errorf("%d syncs for 203 writes, 200 of them at once", syncs)
	}
}
