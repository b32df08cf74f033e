package loadgen

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/guichet/guichet/internal/platform/locale"
)

// WriteReport is what the server wrote during a load, read from its
// metrics before and after: by stream, and per accepted submission.
type WriteReport struct {
	// Streams are the counts by stream, for the streams written to.
	Streams map[string]StreamWrites `json:"streams"`
	// PerSubmission are all streams' writes and disk syncs over the
	// accepted submissions; BatchesPerSecond the atomic batches over the
	// load's duration.
	WritesPerSubmission float64 `json:"writesPerSubmission"`
	SyncsPerSubmission  float64 `json:"syncsPerSubmission"`
	BatchesPerSecond    float64 `json:"batchesPerSecond"`
}

// StreamWrites are one stream's messages written, disk syncs and atomic batches.
type StreamWrites struct {
	Writes  float64 `json:"writes"`
	Syncs   float64 `json:"syncs"`
	Batches float64 `json:"batches"`
}

// streamCounters are the metrics a WriteReport reads, by the field they fill.
var streamCounters = map[string]func(*StreamWrites) *float64{
	"guichet_stream_writes_total":  func(s *StreamWrites) *float64 { return &s.Writes },
	"guichet_stream_syncs_total":   func(s *StreamWrites) *float64 { return &s.Syncs },
	"guichet_stream_batches_total": func(s *StreamWrites) *float64 { return &s.Batches },
}

// scrapeWrites reads the server's write counters by stream from /metrics,
// with an admin's token.
func scrapeWrites(ctx context.Context, client *http.Client, baseURL, token string) (map[string]StreamWrites, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("loadgen: /metrics answered %d: is the token an admin's?", resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("loadgen: reading /metrics: %w", err)
	}
	out := map[string]StreamWrites{}
	for name, field := range streamCounters {
		family, ok := families[name]
		if !ok {
			return nil, fmt.Errorf("loadgen: /metrics has no %s: the server is older than this command", name)
		}
		for _, m := range family.GetMetric() {
			for _, label := range m.GetLabel() {
				if label.GetName() == "stream" {
					s := out[label.GetValue()]
					*field(&s) = m.GetCounter().GetValue()
					out[label.GetValue()] = s
				}
			}
		}
	}
	return out, nil
}

// writesBetween is what was written from before to after, over accepted
// submissions in seconds.
func writesBetween(before, after map[string]StreamWrites, accepted int, seconds float64) *WriteReport {
	r := &WriteReport{Streams: map[string]StreamWrites{}}
	var writes, syncs, batches float64
	for stream, a := range after {
		b := before[stream]
		d := StreamWrites{Writes: a.Writes - b.Writes, Syncs: a.Syncs - b.Syncs, Batches: a.Batches - b.Batches}
		if d.Writes == 0 {
			continue
		}
		r.Streams[stream] = d
		writes, syncs, batches = writes+d.Writes, syncs+d.Syncs, batches+d.Batches
	}
	if accepted > 0 {
		r.WritesPerSubmission, r.SyncsPerSubmission = writes/float64(accepted), syncs/float64(accepted)
	}
	if seconds > 0 {
		r.BatchesPerSecond = batches / seconds
	}
	return r
}

// print writes the report's lines, the busiest streams first.
func (r *WriteReport) print(w io.Writer, lang locale.Lang) {
	fmt.Fprintf(w, locale.Say(lang, "  écritures      %.1f par dépôt accepté, %.1f synchronisations sur disque par dépôt, %.0f lots "+
		"atomiques/s\n",
		"  writes         %.1f per accepted submission, %.1f disk syncs per submission, %.0f atomic batches/s\n"),
		r.WritesPerSubmission, r.SyncsPerSubmission, r.BatchesPerSecond)
	streams := slices.SortedFunc(maps.Keys(r.Streams), func(a, b string) int {
		return cmp.Or(cmp.Compare(r.Streams[b].Writes, r.Streams[a].Writes), cmp.Compare(a, b))
	})
	for _, s := range streams {
		c := r.Streams[s]
		fmt.Fprintf(w, locale.Say(lang, "    %-22s %8.0f écritures, %8.0f synchronisations, %6.0f lots\n",
			"    %-22s %8.0f writes, %8.0f syncs, %6.0f batches\n"), s, c.Writes, c.Syncs, c.Batches)
	}
}
