package submit_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/submit"
)

// A submission's stages are recorded each once, on one subject, whichever
// stage writes first, however many times each runs, and when they run at
// the same time; the subject's last message names them all.
func TestStagesRecordedOnce(t *testing.T) {
	k := newKit(t)
	ctx := context.Background()
	submissions, err := k.Bus.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		t.Fatal(err)
	}
	events, err := k.Bus.JS.Stream(ctx, bus.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 10 {
		receipt := k.Submit(t, "contact", `{"nom":"Anne"}`)
		seq, _ := submit.SequenceOf(receipt.Reference)
		stored, err := submit.Load(ctx, submissions, receipt.Reference, seq)
		if err != nil {
			t.Fatal(err)
		}
		if round%2 == 0 {
			// The PDF first, as when routing is slow; then every stage again.
			if err := k.Tracker.Documented(ctx, stored, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				if err := k.Tracker.Route(ctx, stored, "accueil"); err != nil {
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
