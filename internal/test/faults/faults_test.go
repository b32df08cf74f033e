//go:build faults

package faults_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/submit"
)

// Kill -9 of the all-in-one process, three times during a load: every
// submission that got a 201 is there after the restart, processed once,
// and nothing half-written stops the restart.
func TestFaultKillAllInOne(t *testing.T) {
	natsAddr := fmt.Sprintf("127.0.0.1:%d", freePorts(t, 1)[0])
	g := startGuichet(t, "all-in-one", "GUICHET_DATA_DIR="+t.TempDir(), "GUICHET_NATS_LISTEN="+natsAddr)
	var acked []string
	var summaries []string
	for round := range 3 {
		l := startLoad(8, 50*time.Millisecond, false, func() string { return g.URL })
		time.Sleep(time.Duration(800+rand.IntN(1200)) * time.Millisecond)
		g.kill()
		l.stop()
		acked = append(acked, l.acknowledged()...)
		summaries = append(summaries, fmt.Sprintf("round %d: %s", round+1, l.summary()))
		g = g.restart(t)
	}
	found, duplicated := inspect(t, "nats://"+natsAddr, acked)
	record(t, outcome{
		Fault:        "kill -9 of the all-in-one process under load, three times",
		Acknowledged: len(acked),
		Found:        found,
		Duplicated:   duplicated,
		Note:         "restarted each time on the same data; " + strings.Join(summaries, "; "),
	})
}

// clusterEnv is the environment of a guichet process on the cluster.
func clusterEnv(t *testing.T, c *cluster, role string, extra ...string) []string {
	return append([]string{
		"GUICHET_NATS_URL=" + c.URLs(),
		"GUICHET_REPLICAS=3",
		"GUICHET_DATA_DIR=" + t.TempDir(),
		"GUICHET_ROLE=" + role,
	}, extra...)
}

// Kill -9 of the node leading the SUBMISSIONS stream during a load:
// submissions go on after the re-election, and none acknowledged is lost.
func TestFaultStreamLeaderKilled(t *testing.T) {
	c := startCluster(t)
	g := startGuichet(t, "guichet", clusterEnv(t, c, "all")...)
	l := startLoad(8, 200*time.Millisecond, true, func() string { return g.URL })
	time.Sleep(2 * time.Second)
	leader := c.leader(bus.StreamSubmissions)
	killedAt := time.Now()
	c.kill(leader)
	// Each stream and bucket elects its new leader after a randomised
	// timeout of several seconds: wait for the 201s to come back.
	resumed := waitFor(time.Minute, func() bool { return l.ackedAfter(killedAt.Add(time.Second)) > 0 })
	time.Sleep(3 * time.Second)
	l.stop()
	if resumed == 0 {
		t.Errorf("no submission acknowledged in the minute after the leader %s was killed", leader)
	}
	c.start(leader)
	acked := l.acknowledged()
	found, duplicated := inspect(t, c.URLs(), acked)
	record(t, outcome{
		Fault:        "kill -9 of the SUBMISSIONS stream leader under load (3-node cluster)",
		Acknowledged: len(acked),
		Found:        found,
		Duplicated:   duplicated,
		Note: fmt.Sprintf(
			"leader %s killed; longest time without a 201: %v; clients retry with their idempotency key: %s",
			leader,
			l.longestGap().Round(100*time.Millisecond),
			l.summary(),
		),
	})
}

// waitFor polls done until it holds or the timeout passes, and returns
// how long it took, zero if it never held.
func waitFor(timeout time.Duration, done func() bool) time.Duration {
	start := time.Now()
	for time.Since(start) < timeout {
		if done() {
			return max(time.Since(start), time.Nanosecond)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return 0
}

// With two nodes of three gone, the API answers 503 quickly and never
// 201; once they are back, submissions are accepted again.
func TestFaultNoQuorum(t *testing.T) {
	c := startCluster(t)
	g := startGuichet(t, "guichet", clusterEnv(t, c, "all")...)
	before := startLoad(4, 200*time.Millisecond, true, func() string { return g.URL })
	time.Sleep(time.Second)
	before.stop()
	c.kill("n2")
	c.kill("n3")
	probe := &load{
		target:   func() string { return g.URL },
		client:   &http.Client{Timeout: 30 * time.Second},
		acked:    map[string]time.Time{},
		statuses: map[int]int{},
	}
	// The requests in flight when the quorum goes wait for their write
	// (five seconds at most); the next ones are answered at once.
	var took []time.Duration
	for i := range 10 {
		start := time.Now()
		status, _ := probe.post(t.Context(), fmt.Sprintf("no-quorum-%d", i))
		took = append(took, time.Since(start))
		if status != http.StatusServiceUnavailable {
			t.Errorf("without quorum, submission %d got %d, want 503", i, status)
		}
	}
	slices.Sort(took)
	slowest, median := took[len(took)-1], took[len(took)/2]
	if slowest > submit.StorageTimeout+time.Second || median > time.Second {
		t.Errorf("without quorum, answers took %v", took)
	}
	c.start("n2")
	c.start("n3")
	after := startLoad(4, 200*time.Millisecond, true, func() string { return g.URL })
	back := waitFor(time.Minute, func() bool { return len(after.acknowledged()) > 0 })
	time.Sleep(time.Second)
	after.stop()
	if len(after.acknowledged()) == 0 {
		t.Error("no submission accepted once the quorum was back")
	}
	acked := append(before.acknowledged(), after.acknowledged()...)
	found, duplicated := inspect(t, c.URLs(), acked)
	record(t, outcome{
		Fault:        "two nodes of three killed: no quorum (3-node cluster)",
		Acknowledged: len(acked),
		Found:        found,
		Duplicated:   duplicated,
		Note: fmt.Sprintf(
			"10 submissions without quorum: all 503, the median in %v, the slowest in %v; accepted again %v after the nodes were "+
				"back",
			median.Round(time.Millisecond),
			slowest.Round(10*time.Millisecond),
			back.Round(100*time.Millisecond),
		),
	})
}

// balancer sends each request to the next API node whose /readyz answers
// 200, as a load balancer's health checks do.
type balancer struct {
	urls  []string
	ready []atomic.Bool
	next  atomic.Uint64
	stop  chan struct{}
	wg    sync.WaitGroup
}

func newBalancer(urls ...string) *balancer {
	b := &balancer{urls: urls, ready: make([]atomic.Bool, len(urls)), stop: make(chan struct{})}
	check := &http.Client{Timeout: 500 * time.Millisecond}
	b.wg.Go(func() {
		for {
			for i, u := range b.urls {
				resp, err := check.Get(u + "/readyz")
				b.ready[i].Store(err == nil && resp.StatusCode == http.StatusOK)
				if err == nil {
					resp.Body.Close()
				}
			}
			select {
			case <-b.stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	return b
}

func (b *balancer) target() string {
	for range 2 * len(b.urls) {
		i := int(b.next.Add(1) % uint64(len(b.urls)))
		if b.ready[i].Load() {
			return b.urls[i]
		}
	}
	return b.urls[0]
}

func (b *balancer) close() { close(b.stop); b.wg.Wait() }

// Rolling restart of two API nodes and then of the processor node, one at
// a time with SIGTERM, behind a balancer that follows /readyz: not one
// request fails, and everything is processed once.
func TestFaultRollingRestart(t *testing.T) {
	c := startCluster(t)
	workers := startGuichet(t, "processors", clusterEnv(t, c, "processors")...)
	nodes := []*guichet{
		startGuichet(t, "api-1", clusterEnv(t, c, "api", "GUICHET_DRAIN_DELAY=1s")...),
		startGuichet(t, "api-2", clusterEnv(t, c, "api", "GUICHET_DRAIN_DELAY=1s")...),
	}
	lb := newBalancer(nodes[0].URL, nodes[1].URL)
	defer lb.close()
	time.Sleep(300 * time.Millisecond) // the first health checks
	l := startLoad(4, 200*time.Millisecond, false, lb.target)
	time.Sleep(time.Second)
	for i, n := range nodes {
		n.terminate(t)
		nodes[i] = n.restart(t)
		time.Sleep(time.Second) // back in the balancer
	}
	workers.terminate(t)
	workers.restart(t) // stopped when the test ends, as every process it starts
	time.Sleep(time.Second)
	l.stop()
	l.mu.Lock()
	failed := 0
	for status, n := range l.statuses {
		if status != http.StatusCreated {
			failed += n
		}
	}
	l.mu.Unlock()
	if failed > 0 {
		t.Errorf("%d requests failed during the rolling restart: %s", failed, l.summary())
	}
	acked := l.acknowledged()
	found, duplicated := inspect(t, c.URLs(), acked)
	record(t, outcome{
		Fault:        "rolling restart (SIGTERM) of two API nodes, then of the processor node (3-node cluster)",
		Acknowledged: len(acked),
		Found:        found,
		Duplicated:   duplicated,
		Note:         fmt.Sprintf("%d failed requests; %s", failed, l.summary()),
	})
}
