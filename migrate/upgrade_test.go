package migrate_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/bench/loadgen"
	"github.com/guichet/guichet/internal/test/testkit"
	"github.com/guichet/guichet/migrate"
	"github.com/guichet/guichet/receipts"
	"github.com/guichet/guichet/submit"
)

// A data directory of layout 1, as the release of layout 1 wrote it (the
// demo forms, five submissions, two with an idempotency key, every one
// documented, signed and routed), is brought to the latest layout at
// start.
func TestUpgradeFromLayout1(t *testing.T) { upgrade(t, "testdata/layout1.tar.gz", 5) }

// A data directory of layout 2, as the release of layout 2 wrote it: the
// demo forms, five submissions to them, two with an idempotency key, and
// one more, with a key and a file, to a form "aide-scolarite".
func TestUpgradeFromLayout2(t *testing.T) {
	a := upgrade(t, "testdata/layout2.tar.gz", 6)
	ctx := context.Background()
	rec, err := a.Services.Tracker.Get(ctx, "2026-M0NE-3AA2-W139")
	if err != nil || len(rec.Attachments) != 1 || !rec.HoldsToken("hsVwZ064Whdelz9qWNnMIA") {
		t.Fatalf("the submission with a file: %+v, %v", rec, err)
	}
	documents, err := a.Bus.Documents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data, err := documents.GetBytes(ctx, rec.Attachments[0].ObjectName(rec.Reference, 0))
	if err != nil || !bytes.HasPrefix(data, []byte("%PDF-1.4")) {
		t.Errorf("its file after the upgrade: %q, %v", data, err)
	}
}

// upgrade starts the app on the data directory in archive, of an earlier
// layout, holding want submissions. Every submission is then still found,
// with its PDF, its receipt and its inbox entry, and no event is written
// twice by the stages that now run side by side; the receipts of new
// submissions carry on each form's chain, and they are stored in one write
// at intake, with references from their sequence.
func upgrade(t *testing.T, archive string, want int) *app.App {
	t.Helper()
	dir := t.TempDir()
	untar(t, archive, dir)
	a, _ := testkit.StartApp(t, app.Config{DataDir: dir})
	ctx := context.Background()
	b, tracker := a.Bus, a.Services.Tracker

	meta, err := b.KV(ctx, bus.BucketMeta)
	if err != nil {
		t.Fatal(err)
	}
	if entry, err := meta.Get(ctx, "schema"); err != nil || string(entry.Value()) != "3" || len(migrate.Migrations) != 3 {
		t.Fatalf("layout version after the upgrade: %v", err)
	}
	stored := storedSubmissions(t, b)
	if len(stored) != want {
		t.Fatalf("%d submissions in the upgraded data, want %d", len(stored), want)
	}
	inbox, err := b.KV(ctx, bus.BucketInbox)
	if err != nil {
		t.Fatal(err)
	}
	events, err := b.JS.Stream(ctx, bus.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	lastOfForm := map[string]receipts.Receipt{}
	for _, s := range stored {
		rec, err := tracker.Get(ctx, s.Reference)
		if err != nil || rec.Status != submit.Routed || !rec.Documented || rec.Department == "" {
			t.Errorf("%s after the upgrade: %+v, %v", s.Reference, rec, err)
		}
		r, err := a.Services.Receipts.Get(ctx, s.Reference, 1)
		if err != nil || r.Sequence != s.Sequence {
			t.Errorf("receipt of %s: %+v, %v", s.Reference, r, err)
		}
		if last, ok := lastOfForm[r.Form]; !ok || r.Sequence > last.Sequence {
			lastOfForm[r.Form] = r
		}
		if _, err := inbox.Get(ctx, bus.InboxKey(rec.Department, s.SubmittedAt, s.Reference)); err != nil {
			t.Errorf("inbox entry of %s: %v", s.Reference, err)
		}
	}
	// The stages of now go over the submissions of before, and write
	// nothing: their events stay on the subjects of before.
	waitIdle(t, b, bus.StreamSubmissions, bus.ConsumerRoute)
	waitIdle(t, b, bus.BucketStream(bus.BucketReceipts), bus.ConsumerPDF)
	for _, s := range stored {
		for _, status := range []string{"received", "documented", "routed"} {
			info, err := events.Info(ctx, jetstream.WithSubjectFilter(bus.EventSubject(s.Reference, status)))
			if err != nil || info.State.Subjects[bus.EventSubject(s.Reference, status)] != 1 {
				t.Errorf("%s: %q events %v, %v; want 1", s.Reference, status, info.State.Subjects, err)
			}
		}
		if got := testkit.StageCounts(t, b.JS, s.Reference); len(got) > 0 {
			t.Errorf("%s: stages written again: %v", s.Reference, got)
		}
	}
	receiptsKV, err := b.KV(ctx, bus.BucketReceipts)
	if err != nil {
		t.Fatal(err)
	}
	for form := range lastOfForm {
		if _, err := receiptsKV.Get(ctx, "chain."+form); !errors.Is(err, jetstream.ErrKeyNotFound) {
			t.Errorf("the chain head of %s was left under its old key: %v", form, err)
		}
	}

	// A new submission's receipt names the last receipt of its form.
	form, err := a.Services.Forms.Latest(ctx, "subvention-association")
	if err != nil {
		t.Fatal(err)
	}
	answers, err := loadgen.NewAnswers(form, 3)
	if err != nil {
		t.Fatal(err)
	}
	data, err := answers.Valid()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.KV(ctx, "idempotency"); !errors.Is(err, jetstream.ErrBucketNotFound) {
		t.Errorf("the bucket of idempotency keys is still there: %v", err)
	}
	accepted, err := a.Services.Intake.Submit(ctx, submit.Request{FormID: form.ID, Data: data, IdempotencyKey: "after-the-upgrade"})
	if err != nil {
		t.Fatal(err)
	}
	if seq, ok := submit.SequenceOf(accepted.Reference); !ok || seq <= stored[len(stored)-1].Sequence {
		t.Errorf("the reference after the upgrade, %s, is not that of a sequence after the last one", accepted.Reference)
	}
	if again, err := a.Services.Intake.Submit(ctx, submit.Request{
		FormID:         form.ID,
		Data:           data,
		IdempotencyKey: "after-the-upgrade",
	}); err != nil || again != accepted {
		t.Errorf("the same key again: %+v, %v; want %+v", again, err, accepted)
	}
	var next receipts.Receipt
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if next, err = a.Services.Receipts.Get(ctx, accepted.Reference, 1); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no receipt for the submission after the upgrade: %v", err)
		}
	}
	previous, err := lastOfForm[form.ID].Hash()
	if err != nil || next.Previous != previous {
		t.Errorf("the first receipt after the upgrade names %q, want the last one before, %q (%v)", next.Previous, previous, err)
	}
	return a
}

// storedSubmissions reads every first version in SUBMISSIONS.
func storedSubmissions(t *testing.T, b *bus.Bus) []submit.Stored {
	t.Helper()
	ctx := context.Background()
	stream, err := b.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		t.Fatal(err)
	}
	var out []submit.Stored
	err = bus.Scan(ctx, stream, bus.SubmissionSubjects, func(msg jetstream.Msg) {
		s, err := submit.Decode(msg)
		if err != nil {
			t.Errorf("a message of SUBMISSIONS: %v", err)
			return
		}
		out = append(out, s)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitIdle waits until a durable consumer has nothing left to do.
func waitIdle(t *testing.T, b *bus.Bus, stream, durable string) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		cons, err := b.JS.Consumer(ctx, stream, durable)
		if err == nil {
			info, err := cons.Info(ctx)
			if err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.Delivered.Stream > 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer %s on %s still busy: %v", durable, stream, err)
		}
	}
}

// untar extracts a gzipped tar archive of a data directory into dir.
func untar(t *testing.T, archive, dir string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	r := tar.NewReader(gz)
	for {
		h, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dir, filepath.Clean("/"+h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(target, 0o750)
		case tar.TypeReg:
			err = writeFile(target, r)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(path string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
