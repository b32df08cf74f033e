package kvcopy

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/internal/test/natstest"
)

func bucket(t *testing.T) jetstream.KeyValue {
	t.Helper()
	js := natstest.JetStream(t, false)
	kv, err := js.CreateKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: "copied"})
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

func number(value []byte) (int, bool) {
	n, err := strconv.Atoi(string(value))
	return n, err == nil
}

// eventually waits until the copy holds want for key (found false: no value).
func eventually(t *testing.T, c *Copy[int], key string, want int, found bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, ok, err := c.Get(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		if ok == found && n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Get(%q) = %d, %v; want %d, %v", key, n, ok, want, found)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCopyFollowsTheBucket(t *testing.T) {
	ctx := t.Context()
	kv := bucket(t)
	for key, value := range map[string]string{"a.latest": "1", "b.latest": "2", "a.draft": "9", "c.latest": "not a number"} {
		if _, err := kv.PutString(ctx, key, value); err != nil {
			t.Fatal(err)
		}
	}
	c := New(kv, "*.latest", number)

	// Read before the watch started: every key stored so far is there.
	if n, ok, err := c.Get(ctx, "a.latest"); err != nil || !ok || n != 1 {
		t.Fatalf("Get(a.latest) = %d, %v, %v; want 1", n, ok, err)
	}
	if _, ok, _ := c.Get(ctx, "a.draft"); ok {
		t.Error("a key outside the filter is in the copy")
	}
	if _, ok, _ := c.Get(ctx, "c.latest"); ok {
		t.Error("a value the decoder refuses is in the copy")
	}
	values, err := c.Values(ctx)
	if err != nil || !slices.Equal(values, []int{1, 2}) {
		t.Fatalf("Values = %v, %v; want [1 2] in the order of the keys", values, err)
	}

	// Changes stored by another writer reach the copy.
	if _, err := kv.PutString(ctx, "b.latest", "3"); err != nil {
		t.Fatal(err)
	}
	eventually(t, c, "b.latest", 3, true)
	if err := kv.Delete(ctx, "a.latest"); err != nil {
		t.Fatal(err)
	}
	eventually(t, c, "a.latest", 0, false)
}

func TestNotedWritesReadAtOnceAndNeverGoBack(t *testing.T) {
	ctx := t.Context()
	kv := bucket(t)
	c := New(kv, ">", number)
	if _, err := c.Values(ctx); err != nil { // the watch runs
		t.Fatal(err)
	}

	revision, err := kv.PutString(ctx, "form.latest", "2")
	if err != nil {
		t.Fatal(err)
	}
	c.Note("form.latest", 2, revision)
	if n, ok, _ := c.Get(ctx, "form.latest"); !ok || n != 2 {
		t.Fatalf("after Note, Get = %d, %v; want 2", n, ok)
	}
	// A change older than the one held, as a watch bringing it late, is
	// passed over.
	c.Note("form.latest", 1, revision-1)
	if n, _, _ := c.Get(ctx, "form.latest"); n != 2 {
		t.Fatalf("an older revision replaced a newer one: Get = %d", n)
	}

	if err := kv.Delete(ctx, "form.latest"); err != nil {
		t.Fatal(err)
	}
	c.Forget("form.latest")
	if _, ok, _ := c.Get(ctx, "form.latest"); ok {
		t.Fatal("after Forget, the key is still in the copy")
	}
	// The watch then brings the put and the deletion: the key stays
	// deleted, and a later put shows.
	eventually(t, c, "form.latest", 0, false)
	if _, err := kv.PutString(ctx, "form.latest", "3"); err != nil {
		t.Fatal(err)
	}
	eventually(t, c, "form.latest", 3, true)
}

func TestAReadAfterTheConnectionClosedFails(t *testing.T) {
	js := natstest.JetStream(t, false)
	kv, err := js.CreateKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: "copied"})
	if err != nil {
		t.Fatal(err)
	}
	c := New(kv, ">", number)
	if _, err := c.Values(t.Context()); err != nil {
		t.Fatal(err)
	}
	js.Conn().Close()
	// The watch ends with the connection; a read then fails rather than
	// answer from a copy that no longer follows the bucket.
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, _, err := c.Get(t.Context(), "any")
		if err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("reads still succeed after the connection closed")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
