package submit_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/submit"
)

// A submission's stages are recorded each once, on one subject, whichever
// stage writes first, however many times each runs, and when they run at
// the same time; the subject's last message names them all.
func TestStagesRecordedOnce(t *testing.T) {
	k := newKit(t)
	ctx := context.Background()
	events, err := k.Bus.JS.Stream(ctx, bus.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 10 {
		receipt := k.Submit(t, "contact", `{"nom":"Anne"}`)
		stored := k.Stored(t, receipt.Reference)
		if round%2 == 0 {
			// The PDF first, as when routing is slow; then every stage again.
			if err := k.Tracker.Documented(ctx, stored, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				if err := k.Tracker.Route(ctx, stored, nil, "accueil"); err != nil {
					t.Error(err)
				}
			})
			wg.Go(func() {
				if err := k.Tracker.Documented(ctx, stored, time.Now()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got := k.StageCounts(t, receipt.Reference)
		if len(got) != 3 || got[submit.Received] != 1 || got[submit.Routed] != 1 || got[submit.Documented] != 1 {
			t.Errorf("round %d: stages recorded %v, want each of received, routed and documented once", round, got)
		}
		last, err := events.GetLastMsgForSubject(ctx, bus.StagesSubject(receipt.Reference))
		if err != nil {
			t.Fatal(err)
		}
		held := strings.Split(last.Header.Get(bus.StagesHeader), ",")
		if len(held) != 3 {
			t.Errorf("round %d: the last stage names %v", round, held)
		}
		rec, err := k.Tracker.Get(ctx, receipt.Reference)
		if err != nil || rec.Status != submit.Routed || rec.Department != "accueil" {
			t.Errorf("round %d: %+v, %v", round, rec, err)
		}
	}
}

// Routing writes no state: where a submission stands is composed
// from the submission and its stages, until something happens to it that
// the stages do not say. A record written before the routing (a link sent
// to the submitter) learns of it from the stages, and keeps it once
// written again.
func TestStatusComposedFromStages(t *testing.T) {
	k := newKit(t)
	ctx := context.Background()
	status, err := k.Bus.KV(ctx, bus.BucketStatus)
	if err != nil {
		t.Fatal(err)
	}
	stored := func() submit.Stored { return k.Stored(t, k.Submit(t, "contact", `{"nom":"Anne"}`).Reference) }
	routed := func(s submit.Stored) {
		t.Helper()
		rec, err := k.Tracker.Get(ctx, s.Reference)
		if err != nil || rec.Status != submit.Routed || rec.Department != "accueil" || !rec.Reached(submit.Routed) ||
			rec.Sequence != s.Sequence ||
			rec.TokenHash != s.TokenHash {
			t.Errorf("%s: %+v, %v", s.Reference, rec, err)
		}
	}

	plain := stored()
	if err := k.Tracker.Route(ctx, plain, nil, "accueil"); err != nil {
		t.Fatal(err)
	}
	if _, err := status.Get(ctx, plain.Reference); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Errorf("routing wrote a state: %v", err)
	}
	routed(plain)
	if rec, err := k.Tracker.Get(ctx, plain.Reference); err != nil || rec.Documented {
		t.Errorf("documented before its PDF: %+v, %v", rec, err)
	}
	if err := k.Tracker.Documented(ctx, plain, time.Now()); err != nil {
		t.Fatal(err)
	}
	if rec, err := k.Tracker.Get(ctx, plain.Reference); err != nil || !rec.Documented {
		t.Errorf("not documented after its PDF: %+v, %v", rec, err)
	}

	linked := stored()
	if _, err := k.Tracker.NewLink(ctx, linked.Reference); err != nil {
		t.Fatal(err)
	}
	if err := k.Tracker.Route(ctx, linked, nil, "accueil"); err != nil {
		t.Fatal(err)
	}
	routed(linked)
	if _, err := k.Tracker.NewLink(ctx, linked.Reference); err != nil {
		t.Fatal(err)
	}
	rec, _, err := bus.GetJSON[submit.State](ctx, status, linked.Reference, submit.ErrUnknownSubmission)
	if err != nil || !rec.Reached(submit.Routed) || len(rec.LinkTokenHashes) != 2 {
		t.Errorf("the record written again: %+v, %v", rec, err)
	}
}
