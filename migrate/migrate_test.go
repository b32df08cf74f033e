package migrate_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/testkit"
	"github.com/guichet/guichet/migrate"
	"github.com/guichet/guichet/schemas"
)

// Status records made before they kept their stream sequence get it, once;
// the data then carries the latest layout version, and running again
// changes nothing.
func TestBackfillSequences(t *testing.T) {
	k := testkit.New(t, "accueil")
	ctx := context.Background()
	k.Publish(t, schemas.Form{ID: "aide", Title: "Aide", Audience: schemas.Public, Routing: schemas.Routing{Default: "accueil"},
		Schema: json.RawMessage(`{"type":"object","properties":{"nom":{"type":"string","title":"Nom"}}}`)})
	first := k.Submit(t, "aide", `{"nom":"Anne"}`)
	second := k.Submit(t, "aide", `{"nom":"Paul"}`)
	for _, ref := range []string{first.Reference, second.Reference} {
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
	for i, ref := range []string{first.Reference, second.Reference} {
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
