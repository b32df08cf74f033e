package bus_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// failingReader gives n bytes, then fails, as a connection cut would.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, errors.New("connection cut")
	}
	k := min(len(p), r.n)
	r.n -= k
	return k, nil
}

// A document streamed in is read back whole by the object store; one cut
// short leaves neither its description nor any of its chunks.
func TestWriteDocument(t *testing.T) {
	b := bus.StartTest(t)
	ctx := t.Context()
	content := bytes.Repeat([]byte("Guichet "), 700_000) // 5.6 MB, 43 chunks
	if _, err := b.WriteDocument(ctx, jetstream.ObjectMeta{Name: "uploads/entier"}, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	docs, err := b.Documents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := docs.GetBytes(ctx, "uploads/entier")
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("read back: %d bytes, %v", len(got), err)
	}
	if _, err := b.WriteDocument(ctx, jetstream.ObjectMeta{Name: "uploads/coupe"}, &failingReader{n: 3 << 20}); err == nil {
		t.Fatal("a document cut short was stored")
	}
	if _, err := docs.GetInfo(ctx, "uploads/coupe"); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Errorf("the cut document is described: %v", err)
	}
	stream, err := b.JS.Stream(ctx, bus.DocumentsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(bus.DocumentChunks("dXBsb2Fkcy9jb3VwZQ")))
	if err != nil {
		t.Fatal(err)
	}
	if n := info.State.Subjects[bus.DocumentChunks("dXBsb2Fkcy9jb3VwZQ")]; n != 0 {
		t.Errorf("%d chunks of the cut document are left", n)
	}
}
