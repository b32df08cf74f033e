package bus

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestOpenProvisionsDurableStorage(t *testing.T) {
	dir := t.TempDir()
	b := StartTestIn(t, dir)
	ctx := context.Background()
	for _, name := range []string{StreamSubmissions, StreamEvents, StreamDeadLetter} {
		s, err := b.JS.Stream(ctx, name)
		if err != nil {
			t.Fatalf("stream %s: %v", name, err)
		}
		if cfg := s.CachedInfo().Config; cfg.Storage != jetstream.FileStorage {
			t.Errorf("stream %s is not on disk", name)
		}
	}
	for _, bucket := range []string{BucketForms, BucketDepartments, BucketAccounts, BucketTokens, BucketStatus, BucketInbox, BucketIdempotency} {
		if _, err := b.KV(ctx, bucket); err != nil {
			t.Errorf("bucket %s: %v", bucket, err)
		}
	}
	if _, err := b.Documents(ctx); err != nil {
		t.Errorf("object store: %v", err)
	}
	if err := b.Ready(ctx); err != nil {
		t.Errorf("not ready: %v", err)
	}
	if !b.server.JetStreamConfig().SyncAlways {
		t.Error("the embedded server does not sync every write")
	}

	// Data survives a close and a reopen on the same directory.
	if _, err := b.JS.Publish(ctx, SubmissionSubject("essai"), []byte("{}")); err != nil {
		t.Fatal(err)
	}
	b.Close()
	b.Close() // twice is harmless
	b = StartTestIn(t, dir)
	s, err := b.JS.Stream(ctx, StreamSubmissions)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := s.Info(ctx); info.State.Msgs != 1 {
		t.Errorf("%d messages after reopening, want 1", info.State.Msgs)
	}
}

func TestOpenRefusesBadReplicas(t *testing.T) {
	if _, err := Open(context.Background(), Config{DataDir: t.TempDir(), Replicas: 2}); err == nil {
		t.Error("replicas 2 accepted")
	}
}

func TestIsUnavailable(t *testing.T) {
	for _, err := range []error{context.DeadlineExceeded, nats.ErrTimeout, nats.ErrNoResponders, jetstream.ErrNoStreamResponse,
		fmt.Errorf("publish: %w", &jetstream.APIError{Code: 503, ErrorCode: 10023, Description: "insufficient resources"})} {
		if !IsUnavailable(err) {
			t.Errorf("%v: not unavailable", err)
		}
	}
	for _, err := range []error{nil, jetstream.ErrKeyNotFound, &jetstream.APIError{Code: 400, Description: "bad request"}, errors.New("boom")} {
		if IsUnavailable(err) {
			t.Errorf("%v: unavailable", err)
		}
	}
}

// After a write timed out, Writable answers no at once for a while; a
// write refused for another reason changes nothing.
func TestWriteFailed(t *testing.T) {
	b := StartTest(t)
	ctx := context.Background()
	if err := b.Writable(ctx); err != nil {
		t.Fatal(err)
	}
	b.WriteFailed(&jetstream.APIError{Code: 503, Description: "insufficient resources"})
	b.writable.until = time.Time{} // the next call asks the server again
	if err := b.Writable(ctx); err != nil {
		t.Fatalf("after a full store: %v", err)
	}
	b.WriteFailed(fmt.Errorf("publish: %w", context.DeadlineExceeded))
	if err := b.Writable(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("after a timeout: %v", err)
	}
}
