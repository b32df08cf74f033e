package migrate_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/test/testkit"
	"github.com/guichet/guichet/migrate"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// Status states made before they kept their stream sequence get it, once;
// the data then carries the latest layout version, and running again
// changes nothing.
func TestBackfillSequences(t *testing.T) {
	k := testkit.New(t, "accueil")
	ctx := context.Background()
	k.Publish(t, schemas.Form{ID: "aide", Title: "Aide", Audience: schemas.Public, Routing: schemas.Routing{Default: "accueil"},
		Schema: json.RawMessage(`{"type":"object","properties":{"nom":{"type":"string","title":"Nom"}}}`)})
	// As intake stored them then: the reference drawn at random, in the
	// message and in a state without the sequence.
	status, err := k.Bus.KV(ctx, bus.BucketStatus)
	if err != nil {
		t.Fatal(err)
	}
	refs := []string{"2026-K7QM-4XPA-9DXR", "2026-M3QB-7TZC-1HWE"}
	for _, ref := range refs {
		sub := submit.Submission{
			Reference:   ref,
			Form:        "aide",
			FormVersion: 1,
			SubmittedAt: time.Now().UTC(),
			Data:        json.RawMessage(`{"nom":"Anne"}`),
		}
		raw, _ := json.Marshal(sub)
		if _, err := k.Bus.JS.Publish(ctx, bus.SubmissionSubject("aide"), raw); err != nil {
			t.Fatal(err)
		}
		rec, _ := json.Marshal(submit.StateOf(sub))
		if _, err := status.Create(ctx, ref, rec); err != nil {
			t.Fatal(err)
		}
		if rec, err := k.Tracker.Get(ctx, ref); err != nil || rec.Sequence != 0 {
			t.Fatalf("before: %+v, %v", rec, err)
		}
	}
	for range 2 {
		version, err := migrate.Run(ctx, k.Bus, k.Tracker, nil)
		if err != nil || version != migrate.Migrations[len(migrate.Migrations)-1].Version {
			t.Fatalf("version %d, %v", version, err)
		}
	}
	for i, ref := range refs {
		if rec, err := k.Tracker.Get(ctx, ref); err != nil || rec.Sequence != uint64(i+1) {
			t.Errorf("%s after: sequence %d, %v", ref, rec.Sequence, err)
		}
	}
	meta, err := k.Bus.KV(ctx, bus.BucketMeta)
	if err != nil {
		t.Fatal(err)
	}
	if entry, err := meta.Get(ctx, "schema"); err != nil || string(entry.Value()) != strconv.Itoa(len(migrate.Migrations)) {
		t.Errorf("stored version: %v", err)
	}
}
