package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/time/rate"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// Config is the load to drive against a running Guichet.
type Config struct {
	// URL is the server's base address, such as http://127.0.0.1:8080.
	URL string
	// Form is the id of a published public form; empty: the first one.
	Form string
	// Clients is the number of concurrent clients.
	Clients int
	// Rate is the target of submissions a second, all clients together;
	// zero sends as fast as the server answers.
	Rate float64
	// Duration bounds the load in time, and Count in submissions; the
	// first reached ends it.
	Duration time.Duration
	Count    int
	// Invalid is the share of submissions, from 0 to 1, with answers the
	// form refuses.
	Invalid float64
	// IdempotencyKeys sends each submission with a key of its own.
	IdempotencyKeys bool
	// Seed draws the answers.
	Seed uint64
	// LagSample is how many accepted submissions are followed until they
	// are routed, spread over the run; LagTimeout bounds the wait.
	LagSample  int
	LagTimeout time.Duration
	// Progress, when set, shows a progress bar.
	Progress io.Writer
	// Lang is the language of the progress and of the printed report.
	Lang locale.Lang
	// Client sends the requests; nil: a client sized for Clients.
	Client *http.Client
	// MetricsToken, an admin's API token, has the report say what the
	// server wrote (see WriteReport), from its /metrics.
	MetricsToken string
}

// Report is what a load measured.
type Report struct {
	// Lang is the language Print writes in.
	Lang       locale.Lang `json:"-"`
	URL        string      `json:"url"`
	Form       string      `json:"form"`
	Clients    int         `json:"clients"`
	TargetRate float64     `json:"targetRate,omitempty"`
	Seconds    float64     `json:"seconds"`
	Sent       int         `json:"sent"`
	Accepted   int         `json:"accepted"`
	// PerSecond is the accepted submissions a second.
	PerSecond float64 `json:"perSecond"`
	// ByStatus counts the answers by HTTP status; "network" counts
	// requests that got none.
	ByStatus map[string]int `json:"byStatus"`
	// Latency is the time to an answer of any status.
	Latency Percentiles `json:"latencyMs"`
	// Lag is the time from acceptance to routing, for a sample.
	Lag *LagReport `json:"lag,omitempty"`
	// FirstErrors are a few distinct unexpected answers.
	FirstErrors []string `json:"firstErrors,omitempty"`
	// Writes is what the server wrote, with Config.MetricsToken: read
	// once the followed submissions are routed.
	Writes *WriteReport `json:"writes,omitempty"`
}

// Percentiles of a duration, in milliseconds.
type Percentiles struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// LagReport is the processing lag of the followed submissions.
type LagReport struct {
	Followed int `json:"followed"`
	// Done is how many of them went through every stage: routed, their
	// receipt signed and their PDF record stored.
	Done int `json:"done"`
	// AllDoneAfter is the time from the end of the load until every
	// followed submission was done (or until the wait gave up).
	AllDoneAfter float64 `json:"allDoneAfterSeconds"`
	// EndToEnd is the submissions accepted a second, from the start of
	// the load until the last followed one was done: the rate that every
	// stage sustains together.
	EndToEnd float64     `json:"endToEndPerSecond"`
	Lag      Percentiles `json:"lagMs"`
}

// accepted is a submission the server acknowledged.
type accepted struct {
	Reference, Token string
}

// newHistogram records durations in µs, from 1 µs to 5 minutes, to 3 digits.
func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(5*time.Minute/time.Microsecond), 3)
}

func percentiles(h *hdrhistogram.Histogram) Percentiles {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return Percentiles{P50: ms(h.ValueAtQuantile(50)), P90: ms(h.ValueAtQuantile(90)), P99: ms(h.ValueAtQuantile(99)),
		P999: ms(h.ValueAtQuantile(99.9)), Max: ms(h.Max())}
}

// Run drives the load and follows a sample of the accepted submissions
// until they are routed.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Clients <= 0 {
		cfg.Clients = 1
	}
	if cfg.Duration <= 0 && cfg.Count <= 0 {
		return nil, errors.New("loadgen: a duration or a count is needed")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{
			Timeout:   time.Minute,
			Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients, MaxConnsPerHost: cfg.Clients},
		}
	}
	form, err := FetchForm(ctx, cfg.Client, cfg.URL, cfg.Form)
	if err != nil {
		return nil, err
	}
	pools, err := payloads(form, cfg)
	if err != nil {
		return nil, err
	}
	target := cfg.URL + "/api/forms/" + url.PathEscape(form.ID) + "/submissions"
	var writesBefore map[string]StreamWrites
	if cfg.MetricsToken != "" {
		if writesBefore, err = scrapeWrites(ctx, cfg.Client, cfg.URL, cfg.MetricsToken); err != nil {
			return nil, err
		}
	}

	var limiter *rate.Limiter
	if cfg.Rate > 0 {
		limiter = rate.NewLimiter(rate.Limit(cfg.Rate), max(1, int(cfg.Rate/100)))
	}
	loadCtx := ctx
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		loadCtx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	var (
		mu       sync.Mutex
		sent     int
		byStatus = map[string]int{}
		firsts   []string
		acks     []accepted
		latency  = newHistogram()
	)
	// take reserves the next submission, if the load is not over, and
	// returns its number.
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if cfg.Count > 0 && sent >= cfg.Count {
			return 0, false
		}
		sent++
		return sent - 1, true
	}
	bar := newBar(cfg)
	start := time.Now()
	stopBar := make(chan struct{})
	barDone := make(chan struct{})
	go func() {
		defer close(barDone)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopBar:
				return
			case <-tick.C:
			}
			mu.Lock()
			n, ok := sent, byStatus["201"]
			mu.Unlock()
			showProgress(bar, cfg, n, ok, time.Since(start))
		}
	}()
	var wg sync.WaitGroup
	for c := range cfg.Clients {
		pool := pools[c%len(pools)]
		wg.Go(func() {
			own := newHistogram()
			defer func() {
				mu.Lock()
				latency.Merge(own)
				mu.Unlock()
			}()
			for loadCtx.Err() == nil {
				n, ok := take()
				if !ok {
					return
				}
				if limiter != nil && limiter.Wait(loadCtx) != nil {
					mu.Lock()
					sent-- // reserved, never sent
					mu.Unlock()
					return
				}
				body := pool.next(n)
				began := time.Now()
				status, ack, problem := submit(ctx, cfg.Client, target, body, cfg.IdempotencyKeys)
				_ = own.RecordValue(min(max(1, time.Since(began).Microseconds()), own.HighestTrackableValue()))
				mu.Lock()
				byStatus[status]++
				if ack.Reference != "" {
					acks = append(acks, ack)
				}
				if problem != "" && len(firsts) < 5 && !slices.Contains(firsts, problem) {
					firsts = append(firsts, problem)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stopBar)
	<-barDone
	showProgress(bar, cfg, sent, byStatus["201"], elapsed)
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(cfg.Progress)
	}
	r := &Report{Lang: cfg.Lang, URL: cfg.URL, Form: form.ID, Clients: cfg.Clients, TargetRate: cfg.Rate, Seconds: elapsed.Seconds(),
		Sent: sent, Accepted: len(acks), PerSecond: float64(len(acks)) / elapsed.Seconds(), ByStatus: byStatus,
		Latency: percentiles(latency), FirstErrors: firsts}
	if cfg.LagSample > 0 && len(acks) > 0 {
		r.Lag = followLag(ctx, cfg, sample(acks, cfg.LagSample))
		r.Lag.EndToEnd = float64(r.Accepted) / (r.Seconds + r.Lag.AllDoneAfter)
	}
	if writesBefore != nil {
		after, err := scrapeWrites(ctx, cfg.Client, cfg.URL, cfg.MetricsToken)
		if err != nil {
			return r, err
		}
		r.Writes = writesBetween(writesBefore, after, r.Accepted, r.Seconds)
	}
	return r, ctx.Err()
}

// pool is one client's prepared request bodies, sent in turn.
type pool struct {
	valid, invalid [][]byte
	invalidShare   float64
}

// next is the body of the load's n-th submission.
func (p *pool) next(n int) []byte {
	// The invalid ones are spread evenly over the load.
	if p.invalidShare > 0 && int(float64(n+1)*p.invalidShare) > int(float64(n)*p.invalidShare) {
		return p.invalid[n%len(p.invalid)]
	}
	return p.valid[n%len(p.valid)]
}

// payloads prepares the bodies before the load, so that drawing answers
// costs the load nothing: up to eight pools of 32 valid and 8 invalid.
func payloads(form *schemas.Compiled, cfg Config) ([]*pool, error) {
	pools := make([]*pool, min(cfg.Clients, 8))
	for i := range pools {
		answers, err := NewAnswers(form, cfg.Seed+uint64(i))
		if err != nil {
			return nil, err
		}
		p := &pool{invalidShare: cfg.Invalid}
		for range 32 {
			data, err := answers.Valid()
			if err != nil {
				return nil, err
			}
			p.valid = append(p.valid, fmt.Appendf(nil, `{"data":%s}`, data))
		}
		if cfg.Invalid > 0 {
			for range 8 {
				data, err := answers.Invalid()
				if err != nil {
					return nil, err
				}
				p.invalid = append(p.invalid, fmt.Appendf(nil, `{"data":%s}`, data))
			}
		}
		pools[i] = p
	}
	return pools, nil
}

// submit sends one submission and returns its status ("201", "422"…, or
// "network"), its receipt if accepted, and a description of an
// unexpected answer.
func submit(ctx context.Context, client *http.Client, target string, body []byte, withKey bool) (string, accepted, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return "network", accepted{}, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	if withKey {
		key := make([]byte, 16)
		rand.Read(key)
		req.Header.Set("Idempotency-Key", hex.EncodeToString(key))
	}
	resp, err := client.Do(req)
	if err != nil {
		return "network", accepted{}, err.Error()
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	status := strconv.Itoa(resp.StatusCode)
	switch resp.StatusCode {
	case http.StatusCreated:
		var ack accepted
		if err := json.Unmarshal(raw, &ack); err != nil || ack.Reference == "" {
			return status, accepted{}, "201 sans référence : " + string(raw)
		}
		return status, ack, ""
	case http.StatusUnprocessableEntity:
		return status, accepted{}, ""
	}
	return status, accepted{}, fmt.Sprintf("%d %s", resp.StatusCode, bytes.TrimSpace(raw))
}

// FetchForm reads a form that base publishes to the public: id, or the
// first one listed.
func FetchForm(ctx context.Context, client *http.Client, base, id string) (*schemas.Compiled, error) {
	if id == "" {
		var list struct {
			Items []struct {
				ID       string `json:"id"`
				Audience string `json:"audience"`
			} `json:"items"`
		}
		if err := getJSON(ctx, client, base+"/api/forms", &list); err != nil {
			return nil, err
		}
		for _, f := range list.Items {
			if f.Audience == string(schemas.Public) {
				id = f.ID
				break
			}
		}
		if id == "" {
			return nil, fmt.Errorf("loadgen: %s ne publie aucun formulaire public", base)
		}
	}
	var form schemas.Form
	if err := getJSON(ctx, client, base+"/api/forms/"+url.PathEscape(id), &form); err != nil {
		return nil, err
	}
	form.ID = id
	return schemas.Preview(form)
}

func getJSON(ctx context.Context, client *http.Client, target string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("loadgen: GET %s: %d %s", target, resp.StatusCode, bytes.TrimSpace(raw))
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
