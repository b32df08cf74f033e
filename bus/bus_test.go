package bus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// declaredTTL are the buckets the tests of bus use, declared as their
// packages would.
var declaredTTL = map[string]time.Duration{BucketStatus: 0, BucketInbox: 0, BucketSessions: time.Hour}

func init() {
	for name, ttl := range declaredTTL {
		DeclareBucket(jetstream.KeyValueConfig{Bucket: name, TTL: ttl})
	}
}

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
	for _, bucket := range []string{BucketStatus, BucketInbox, BucketSessions} {
		kv, err := b.KV(ctx, bucket)
		if err != nil {
			t.Fatalf("bucket %s: %v", bucket, err)
		}
		status, err := kv.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := declaredTTL[bucket]; status.TTL() != want {
			t.Errorf("bucket %s: TTL %v, want %v as declared", bucket, status.TTL(), want)
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
	for _, err := range []error{
		nil,
		jetstream.ErrKeyNotFound,
		&jetstream.APIError{Code: 400, Description: "bad request"},
		errors.New("boom"),
	} {
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

// Concurrent creations of keys in a group-committed bucket: each fresh key
// is stored, and of the creations of one key exactly one wins, even when
// they share a batch; a deleted key can be created again.
func TestCreateKey(t *testing.T) {
	b := StartTest(t)
	ctx := context.Background()
	kv, err := b.KV(ctx, BucketStatus)
	if err != nil {
		t.Fatal(err)
	}
	const racers = 20
	var wg sync.WaitGroup
	var won, lost atomic.Int32
	for i := range racers {
		wg.Go(func() {
			if _, err := b.CreateKey(ctx, kv, fmt.Sprint("fresh-", i), []byte("v")); err != nil {
				t.Errorf("fresh key %d: %v", i, err)
			}
		})
		wg.Go(func() {
			_, err := b.CreateKey(ctx, kv, "contended", fmt.Appendf(nil, "%d", i))
			switch {
			case err == nil:
				won.Add(1)
			case errors.Is(err, jetstream.ErrKeyExists):
				lost.Add(1)
			default:
				t.Errorf("contended key: %v", err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 || lost.Load() != racers-1 {
		t.Errorf("contended key: %d created, %d refused", won.Load(), lost.Load())
	}
	if err := kv.Delete(ctx, "contended"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.CreateKey(ctx, kv, "contended", []byte("again")); err != nil {
		t.Errorf("creating a deleted key again: %v", err)
	}
	if e, err := kv.Get(ctx, "contended"); err != nil || string(e.Value()) != "again" {
		t.Errorf("recreated key: %v", err)
	}
}

// Concurrent compare-and-set updates of one key through group commit: each
// racer retries on a revision mismatch, as KeyValue.Update's callers do, and
// no increment is lost, even when racers share a batch.
func TestUpdateKey(t *testing.T) {
	b := StartTest(t)
	ctx := context.Background()
	kv, err := b.KV(ctx, BucketInbox)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.PutKey(ctx, kv, "counter", []byte("0")); err != nil {
		t.Fatal(err)
	}
	const racers = 30
	var wg sync.WaitGroup
	var mismatches atomic.Int32
	for range racers {
		wg.Go(func() {
			for {
				entry, err := kv.Get(ctx, "counter")
				if err != nil {
					t.Error(err)
					return
				}
				n, _ := strconv.Atoi(string(entry.Value()))
				_, err = b.UpdateKey(ctx, kv, "counter", []byte(strconv.Itoa(n+1)), entry.Revision())
				if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
					mismatches.Add(1)
					continue
				}
				if err != nil {
					t.Error(err)
				}
				return
			}
		})
	}
	wg.Wait()
	entry, err := kv.Get(ctx, "counter")
	if err != nil || string(entry.Value()) != strconv.Itoa(racers) {
		t.Fatalf("counter after %d increments: %q, %v", racers, entry.Value(), err)
	}
	if mismatches.Load() == 0 {
		t.Error("no racer ever saw a revision mismatch: the test did not race")
	}
}

func TestOpenTakesTheDataDir(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	first, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if second, err := Open(ctx, Config{DataDir: dir}); !errors.Is(err, ErrDataDirInUse) {
		if second != nil {
			second.Close()
		}
		t.Fatalf("a second server on the same data dir: %v, want ErrDataDirInUse", err)
	}
	first.Close()
	again, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	again.Close()
}

// SecureDelete removes the messages it matches, and nothing of them stays
// in the store's files.
func TestSecureDelete(t *testing.T) {
	dir := t.TempDir()
	b := StartTestIn(t, dir)
	ctx := context.Background()
	for _, data := range []string{"garder-1", "effacer-secret-2", "garder-3"} {
		if _, err := b.JS.Publish(ctx, EventSubject("2026-AAAA-BBBB-CCCC", "noted"), []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	events, err := b.JS.Stream(ctx, StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	n, err := SecureDelete(ctx, events, "events.>", func(msg jetstream.Msg) bool { return strings.HasPrefix(string(msg.Data()), "effacer") })
	if err != nil || n != 1 {
		t.Fatalf("SecureDelete = %d, %v", n, err)
	}
	var left []string
	if err := Scan(ctx, events, "events.>", func(msg jetstream.Msg) { left = append(left, string(msg.Data())) }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(left, ",") != "garder-1,garder-3" {
		t.Errorf("left %v", left)
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err == nil && bytes.Contains(raw, []byte("effacer-secret")) {
			t.Errorf("%s still holds the deleted message", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A document stored through group commit reads back like one the object
// store's Put wrote, whole and with its digest checked, when many are
// stored at once and when one spans several chunks.
func TestStoreDocument(t *testing.T) {
	b := StartTest(t)
	ctx := context.Background()
	docs, err := b.Documents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789"), 30_000) // three chunks
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			data := fmt.Appendf(nil, "%%PDF-1.4 document %d", i)
			if i == 0 {
				data = big
			}
			meta := jetstream.ObjectMeta{Name: fmt.Sprintf("2026-TEST/record-%d.pdf", i), Headers: nats.Header{"Content-Type": {"application/pdf"}}}
			if err := b.StoreDocument(ctx, meta, data); err != nil {
				t.Errorf("document %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	for i := range 20 {
		name := fmt.Sprintf("2026-TEST/record-%d.pdf", i)
		got, err := docs.GetBytes(ctx, name)
		want := fmt.Appendf(nil, "%%PDF-1.4 document %d", i)
		if i == 0 {
			want = big
		}
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, %v", name, len(got), err)
		}
		info, err := docs.GetInfo(ctx, name)
		if err != nil || info.Headers.Get("Content-Type") != "application/pdf" || info.Size != uint64(len(want)) {
			t.Errorf("%s: %+v, %v", name, info, err)
		}
	}
	if stats := b.Batches()[DocumentsStream]; stats.Batches == 0 {
		t.Errorf("documents were not stored in batches: %+v", stats)
	}
}

func TestPlacementRefused(t *testing.T) {
	noPeers := fmt.Errorf("bucket login_failures: %w", &jetstream.APIError{Code: 400, ErrorCode: 10005,
		Description: "no suitable peers for placement, peer offline"})
	for _, err := range []error{noPeers, nats.ErrTimeout, &jetstream.APIError{Code: 503, ErrorCode: 10008}} {
		if !placementRefused(err) {
			t.Errorf("%v: not a refused placement", err)
		}
	}
	for _, err := range []error{nil, &jetstream.APIError{Code: 400, ErrorCode: 10003, Description: "bad request"}, errors.New("boom")} {
		if placementRefused(err) {
			t.Errorf("%v: a refused placement", err)
		}
	}
}
