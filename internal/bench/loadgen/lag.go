package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/guichet/guichet/internal/platform/locale"
)

// sample picks n submissions spread evenly over the run.
func sample(acks []accepted, n int) []accepted {
	if len(acks) <= n {
		return acks
	}
	picked := make([]accepted, n)
	for i := range picked {
		picked[i] = acks[i*len(acks)/n]
	}
	return picked
}

// statusOf is what the lag needs of a submission's status.
type statusOf struct {
	SubmittedAt time.Time `json:"submittedAt"`
	// Documented says the PDF record is stored, its receipt signed.
	Documented bool `json:"documented"`
	History    []struct {
		Status string    `json:"status"`
		At     time.Time `json:"at"`
	} `json:"history"`
}

// routedAt returns when the submission was routed, if it was.
func (s statusOf) routedAt() (time.Time, bool) {
	for _, c := range s.History {
		if c.Status == "routed" {
			return c.At, true
		}
	}
	return time.Time{}, false
}

// followLag asks for the status of the followed submissions, in rounds,
// until each is through every stage (routed, its receipt signed and its
// PDF record stored) or the wait gives up; the lag of each is the time
// from its acceptance to its routing, as the server recorded them.
func followLag(ctx context.Context, cfg Config, followed []accepted) *LagReport {
	start := time.Now()
	deadline := start.Add(cfg.LagTimeout)
	lags := newHistogram()
	pending := followed
	for len(pending) > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		var mu sync.Mutex
		var still []accepted
		work := make(chan accepted)
		var wg sync.WaitGroup
		for range min(cfg.Clients, 16) {
			wg.Go(func() {
				for a := range work {
					var st statusOf
					target := cfg.URL + "/api/submissions/" + url.PathEscape(a.Reference) + "?token=" + url.QueryEscape(a.Token)
					err := getJSON(ctx, cfg.Client, target, &st)
					at, routed := st.routedAt()
					mu.Lock()
					if err == nil && routed && st.Documented {
						_ = lags.RecordValue(min(max(1, at.Sub(st.SubmittedAt).Microseconds()), lags.HighestTrackableValue()))
					} else {
						still = append(still, a)
					}
					mu.Unlock()
				}
			})
		}
		for _, a := range pending {
			work <- a
		}
		close(work)
		wg.Wait()
		pending = still
		if len(pending) > 0 {
			time.Sleep(200 * time.Millisecond)
		}
	}
	return &LagReport{Followed: len(followed), Done: len(followed) - len(pending),
		AllDoneAfter: time.Since(start).Seconds(), Lag: percentiles(lags)}
}

// newBar is the progress bar, if one is wanted: over the duration, or
// over the count when no duration is set.
func newBar(cfg Config) *progressbar.ProgressBar {
	if cfg.Progress == nil {
		return nil
	}
	total := int64(cfg.Count)
	if cfg.Duration > 0 {
		total = cfg.Duration.Milliseconds()
	}
	return progressbar.NewOptions64(
		total,
		progressbar.OptionSetWriter(cfg.Progress),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSetPredictTime(
			false,
		),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetRenderBlankState(true),
	)
}

func showProgress(bar *progressbar.ProgressBar, cfg Config, sent, ok int, elapsed time.Duration) {
	if bar == nil {
		return
	}
	bar.Describe(fmt.Sprintf(locale.Say(cfg.Lang, "%d envoyés, %d acceptés, %.0f/s", "%d sent, %d accepted, %.0f/s"),
		sent, ok, float64(ok)/max(elapsed.Seconds(), 0.001)))
	if cfg.Duration > 0 {
		_ = bar.Set64(min(elapsed.Milliseconds(), cfg.Duration.Milliseconds())) // a progress bar's write errors are harmless
	} else {
		_ = bar.Set64(int64(sent))
	}
}

// Print writes the report for a person to read.
func (r *Report) Print(w io.Writer) {
	l := r.Lang
	fmt.Fprintf(w, locale.Say(l, "Charge sur %s, formulaire %s, %d clients", "Load on %s, form %s, %d clients"), r.URL, r.Form, r.Clients)
	if r.TargetRate > 0 {
		fmt.Fprintf(w, locale.Say(l, ", cible %.0f/s", ", target %.0f/s"), r.TargetRate)
	}
	fmt.Fprintf(w, locale.Say(l, "\n  durée          %.1f s\n  envoyés        %d\n  acceptés       %d (%.0f/s)\n",
		"\n  duration       %.1f s\n  sent           %d\n  accepted       %d (%.0f/s)\n"), r.Seconds, r.Sent, r.Accepted, r.PerSecond)
	fmt.Fprint(w, locale.Say(l, "  réponses      ", "  answers       "))
	for _, status := range sortedKeys(r.ByStatus) {
		fmt.Fprintf(w, " %s: %d", status, r.ByStatus[status])
	}
	fmt.Fprintln(w)
	printPercentiles(w, locale.Say(l, "  latence       ", "  latency       "), r.Latency)
	if r.Lag != nil {
		fmt.Fprintf(
			w,
			locale.Say(l, "  traitement     %d dépôts suivis sur %d, %d orientés avec leur PDF ; tous %.1f s après la fin de la "+
				"charge\n",
				"  processing     %d submissions followed of %d, %d routed with their PDF; all %.1f s after the load ended\n"),
			r.Lag.Followed,
			r.Accepted,
			r.Lag.Done,
			r.Lag.AllDoneAfter,
		)
		if r.Lag.Done == r.Lag.Followed {
			fmt.Fprintf(w, locale.Say(l,
				"  de bout en bout %.0f dépôts/s (acceptés, récépissé signé, PDF, orientés : du début de la charge au dernier)\n",
				"  end to end     %.0f submissions/s (accepted, receipt signed, PDF, routed: from the start of the load to the last)\n"),
				r.Lag.EndToEnd)
		}
		printPercentiles(w, locale.Say(l, "  délai dépôt → orientation", "  delay submission → routing"), r.Lag.Lag)
	}
	if r.Writes != nil {
		r.Writes.print(w, l)
	}
	if r.ByStatus["429"] > 0 {
		fmt.Fprintln(w, locale.Say(l, "  429 : le serveur limite les dépôts par adresse ; pour un essai de charge, lancez-le avec "+
			"--submit-rate 0",
			"  429: the server bounds the submissions of each address; for a load test, start it with --submit-rate 0"))
	}
	for _, e := range r.FirstErrors {
		fmt.Fprintf(w, locale.Say(l, "  réponse inattendue : %.300s\n", "  unexpected answer: %.300s\n"), e)
	}
}

func printPercentiles(w io.Writer, label string, p Percentiles) {
	fmt.Fprintf(w, "%s p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, p99,9 %.1f ms, max %.1f ms\n", label, p.P50, p.P90, p.P99, p.P999, p.Max)
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
