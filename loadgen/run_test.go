package loadgen_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/testkit"
	"github.com/guichet/guichet/loadgen"
)

// A load against a running Guichet: every request is counted once by its
// status, the invalid share is refused, and the followed submissions are
// all routed, with a lag that the server recorded.
func TestRunAgainstAServer(t *testing.T) {
	_, base := testkit.StartApp(t, app.Config{Demo: true})
	var progress bytes.Buffer
	r, err := loadgen.Run(context.Background(), loadgen.Config{URL: base, Form: "subvention-association", Clients: 4, Count: 60,
		Invalid: 0.1, IdempotencyKeys: true, Seed: 3, LagSample: 20, LagTimeout: time.Minute, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent != 60 || r.ByStatus["201"] != 54 || r.ByStatus["422"] != 6 || r.Accepted != 54 || len(r.FirstErrors) != 0 {
		t.Errorf("sent %d, accepted %d, by status %v, errors %v; want 60 sent, 54 accepted, 6 refused", r.Sent, r.Accepted, r.ByStatus, r.FirstErrors)
	}
	if r.Latency.P50 <= 0 || r.Latency.Max < r.Latency.P99 || r.PerSecond <= 0 {
		t.Errorf("latency %+v, rate %v", r.Latency, r.PerSecond)
	}
	if r.Lag == nil || r.Lag.Followed != 20 || r.Lag.Routed != 20 || r.Lag.Lag.P50 <= 0 {
		t.Errorf("lag %+v: want 20 followed and routed", r.Lag)
	}
	if !strings.Contains(progress.String(), "60 envoyés") {
		t.Errorf("progress bar: %q", progress.String())
	}
	var out bytes.Buffer
	r.Print(&out)
	for _, want := range []string{"acceptés       54", "201: 54 422: 6", "latence", "20 orientés"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunRefusesAnUnknownForm(t *testing.T) {
	_, base := testkit.StartApp(t, app.Config{Demo: true})
	_, err := loadgen.Run(context.Background(), loadgen.Config{URL: base, Form: "inconnu", Count: 1})
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("unknown form: %v", err)
	}
}
