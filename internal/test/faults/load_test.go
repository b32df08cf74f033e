//go:build faults

package faults_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/submit"
)

// formID is the demo form the clients submit to.
const formID = "subvention-association"

// body is a valid submission that carries its idempotency key in its
// data, so that a duplicate shows even under another reference.
func body(key string) []byte {
	return fmt.Appendf(nil, `{"data":{"association":"Chorale %s","siret":"12345678901234","domaine":"culture","projet":"Concert de Noël `+
		`dans la chapelle des Cordeliers","montant":800,"contact":{"nom":"Inès Muller","email":"i.muller@example.fr"}}}`, key)
}

// keyOf finds the idempotency key in a stored submission's data.
func keyOf(data json.RawMessage) string {
	var d struct {
		Association string `json:"association"`
	}
	_ = json.Unmarshal(data, &d)
	return strings.TrimPrefix(d.Association, "Chorale ")
}

// load is clients submitting until stopped, each request with its own
// idempotency key; a retrying client sends the same key again until it
// gets a 201, as a well-behaved client does after a 503 or a network error.
type load struct {
	retry  bool
	target func() string
	client *http.Client

	mu       sync.Mutex
	acked    map[string]time.Time // reference → when its 201 came
	statuses map[int]int          // status of every attempt, 0 for no answer

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// loads numbers the loads of a test run, so that their keys differ.
var loads atomic.Int64

// startLoad starts clients that each submit, wait pace, and submit again.
func startLoad(clients int, pace time.Duration, retry bool, target func() string) *load {
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{retry: retry, target: target, acked: map[string]time.Time{}, statuses: map[int]int{}, cancel: cancel,
		client: &http.Client{Timeout: 20 * time.Second}}
	run := loads.Add(1)
	for c := range clients {
		l.wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				l.submit(ctx, fmt.Sprintf("%d-%d-%d", run, c, i))
				select {
				case <-ctx.Done():
				case <-time.After(pace):
				}
			}
		})
	}
	return l
}

// submit sends one submission, again and again if retrying, until a 201.
func (l *load) submit(ctx context.Context, key string) {
	for ctx.Err() == nil {
		status, reference := l.post(ctx, key)
		if ctx.Err() != nil && status == 0 {
			return // stopped mid-request: not acknowledged
		}
		l.mu.Lock()
		l.statuses[status]++
		if status == http.StatusCreated {
			l.acked[reference] = time.Now()
		}
		l.mu.Unlock()
		if status == http.StatusCreated || !l.retry {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (l *load) post(ctx context.Context, key string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, "POST", l.target()+"/api/forms/"+formID+"/submissions", bytes.NewReader(body(key)))
	if err != nil {
		return 0, ""
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	var receipt struct {
		Reference string `json:"reference"`
	}
	if resp.StatusCode == http.StatusCreated {
		if err := json.NewDecoder(resp.Body).Decode(&receipt); err != nil || receipt.Reference == "" {
			return 0, ""
		}
	}
	return resp.StatusCode, receipt.Reference
}

// stop stops the clients and waits for them.
func (l *load) stop() {
	l.cancel()
	l.wg.Wait()
}

// acknowledged returns the references that got a 201.
func (l *load) acknowledged() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	refs := make([]string, 0, len(l.acked))
	for ref := range l.acked {
		refs = append(refs, ref)
	}
	return refs
}

// ackedAfter counts the 201s received after t.
func (l *load) ackedAfter(t time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, at := range l.acked {
		if at.After(t) {
			n++
		}
	}
	return n
}

// longestGap is the longest time without a 201 between the first and
// the last one: how long the service was unavailable.
func (l *load) longestGap() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var times []time.Time
	for _, at := range l.acked {
		times = append(times, at)
	}
	slices.SortFunc(times, time.Time.Compare)
	var gap time.Duration
	for i := 1; i < len(times); i++ {
		gap = max(gap, times[i].Sub(times[i-1]))
	}
	return gap
}

// summary tells how the attempts ended, such as "201: 950, 503: 12, no answer: 3".
func (l *load) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var codes []int
	for c := range l.statuses {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var parts []string
	for _, c := range codes {
		name := fmt.Sprint(c)
		if c == 0 {
			name = "no answer"
		}
		parts = append(parts, fmt.Sprintf("%s: %d", name, l.statuses[c]))
	}
	return strings.Join(parts, ", ")
}

// holdings is what the stores hold about each submission.
type holdings struct {
	messages   map[string]int // reference → messages in SUBMISSIONS
	keys       map[string]int // idempotency key → messages in SUBMISSIONS
	documented map[string]int // reference → "documented" events
	routed     map[string]int // reference → "routed" events
	inbox      map[string]int // reference → inbox entries
	pdf        map[string]bool
}

// complete says whether a submission is stored, documented and routed.
func (h holdings) complete(ref string) bool {
	return h.messages[ref] >= 1 && h.pdf[ref] && h.inbox[ref] >= 1
}

// inspect waits until every acknowledged submission is processed (or two
// minutes pass), then counts them in every store: found means in
// SUBMISSIONS with its PDF and one inbox entry; duplicated means any
// store holds it twice, or its key has two submissions.
func inspect(t *testing.T, natsURL string, acked []string) (found, duplicated int) {
	t.Helper()
	nc, js := connect(t, natsURL)
	defer nc.Close()
	deadline := time.Now().Add(2 * time.Minute)
	var h holdings
	for {
		var err error
		if h, err = read(js); err != nil {
			if time.Now().After(deadline) {
				t.Fatalf("reading the stores: %v", err)
			}
			time.Sleep(500 * time.Millisecond)
			continue
		}
		waiting := 0
		for _, ref := range acked {
			if !h.complete(ref) {
				waiting++
			}
		}
		if waiting == 0 || time.Now().After(deadline) {
			if waiting > 0 {
				t.Logf("%d acknowledged submissions still not processed after two minutes", waiting)
			}
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, ref := range acked {
		if h.complete(ref) {
			found++
		} else {
			t.Errorf("%s: acknowledged, but %d messages, PDF %v, %d inbox entries", ref, h.messages[ref], h.pdf[ref], h.inbox[ref])
		}
	}
	for ref, n := range h.messages {
		if n > 1 || h.documented[ref] > 1 || h.routed[ref] > 1 || h.inbox[ref] > 1 {
			duplicated++
			t.Errorf("%s: %d messages, %d documented, %d routed events, %d inbox entries", ref, n, h.documented[ref], h.routed[ref], h.inbox[ref])
		}
	}
	for key, n := range h.keys {
		if n > 1 {
			duplicated++
			t.Errorf("idempotency key %s: %d submissions", key, n)
		}
	}
	return found, duplicated
}

// read counts what the stores hold; on a cluster just back from a
// fault, it may fail until every stream has its leader again.
func read(js jetstream.JetStream) (holdings, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h := holdings{
		messages:   map[string]int{},
		keys:       map[string]int{},
		documented: map[string]int{},
		routed:     map[string]int{},
		inbox:      map[string]int{},
		pdf:        map[string]bool{},
	}
	submissions, err := js.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		return h, err
	}
	err = bus.Scan(ctx, submissions, bus.SubmissionSubjects, func(msg jetstream.Msg) {
		if sub, err := submit.Decode(msg); err == nil {
			h.messages[sub.Reference]++
			h.keys[keyOf(sub.Data)]++
		}
	})
	if err != nil {
		return h, err
	}
	events, err := js.Stream(ctx, bus.StreamEvents)
	if err != nil {
		return h, err
	}
	counts := map[submit.Status]map[string]int{submit.Documented: h.documented, submit.Routed: h.routed}
	err = bus.Scan(ctx, events, bus.StagesEvents, func(msg jetstream.Msg) {
		if c, ok := counts[submit.StageOf(msg)]; ok {
			c[strings.Split(msg.Subject(), ".")[1]]++
		}
	})
	if err != nil {
		return h, err
	}
	inbox, err := js.KeyValue(ctx, bus.BucketInbox)
	if err != nil {
		return h, err
	}
	keys, err := inbox.ListKeys(ctx)
	if err != nil {
		return h, err
	}
	for key := range keys.Keys() {
		if parts := strings.SplitN(key, ".", 3); len(parts) == 3 {
			h.inbox[parts[2]]++
		}
	}
	documents, err := js.ObjectStore(ctx, bus.ObjectStoreDocuments)
	if err != nil {
		return h, err
	}
	objects, err := documents.List(ctx)
	if err != nil && err != jetstream.ErrNoObjectsFound {
		return h, err
	}
	for _, o := range objects {
		if ref, ok := strings.CutSuffix(o.Name, "/record.pdf"); ok {
			h.pdf[ref] = true
		}
	}
	return h, nil
}
