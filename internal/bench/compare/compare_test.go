package compare_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/internal/bench/compare"
)

// A short comparison measures every figure, on the demo form, and derives
// every ratio and goal from them.
func TestRunMeasuresEveryFigure(t *testing.T) {
	if testing.Short() {
		t.Skip("measures for about 17 seconds")
	}
	var progress bytes.Buffer
	r, err := compare.Run(context.Background(), compare.Config{
		Step:     time.Second,
		Clients:  8,
		Form:     "subvention-association",
		Progress: &progress,
	})
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"gojsonschema", "validate", "pdf-naive", "pdf", "pdf-cores", "publish-sync-1", "publish-sync-n", "batch-sync",
		"publish-nosync-n", "naive-sync", "naive-nosync", "guichet", "end-to-end", "end-to-end-ceiling"}
	if len(r.Measures) != len(keys) {
		t.Fatalf("%d figures, want %d: %+v", len(r.Measures), len(keys), r.Measures)
	}
	for i, m := range r.Measures {
		if m.Key != keys[i] || m.PerSecond <= 0 || m.Micros <= 0 || m.Callers <= 0 {
			t.Errorf("figure %d: %+v, want %s with a rate and a time", i, m, keys[i])
		}
	}
	for _, m := range r.Measures[len(r.Measures)-5 : len(r.Measures)-1] {
		if m.P99Ms <= 0 {
			t.Errorf("HTTP figure %s without its p99", m.Key)
		}
	}
	if len(r.Ratios) != 10 || len(r.Goals) != 5 {
		t.Fatalf("%d ratios and %d goals, want 10 and 5", len(r.Ratios), len(r.Goals))
	}
	for _, ratio := range r.Ratios {
		if ratio.Value <= 0 {
			t.Errorf("ratio %+v", ratio)
		}
	}
	// The batched, synced publish outpaces one sync per message: the
	// premise of group commit, on any disk.
	if ratio := r.Ratios[7]; ratio.Of != "batch-sync" || ratio.Value <= 1 {
		t.Errorf("atomic batches against synced publishes: %+v", ratio)
	}
	if r.Machine.Cores <= 0 || r.Machine.NATSServer == "" || r.Form != "subvention-association" || r.PayloadBytes <= 0 {
		t.Errorf("report header: %+v %s %d", r.Machine, r.Form, r.PayloadBytes)
	}
	var out bytes.Buffer
	r.Print(&out)
	for _, want := range []string{
		"Rapports",
		"dépôts Guichet / chemin simple synchronisé",
		"de bout en bout / plafond de la machine",
		"Objectifs",
		"récapitulatifs PDF par seconde",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("printed report lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(progress.String(), "Publication JetStream brute") {
		t.Errorf("progress: %q", progress.String())
	}
}

func TestRunRefusesAnUnknownForm(t *testing.T) {
	_, err := compare.Run(context.Background(), compare.Config{Step: time.Second, Form: "inconnu"})
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("unknown form: %v", err)
	}
}
