//go:build faults

package faults_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/testkit"
)

// Over rounds of submissions, each processed to the end, the goroutines
// and the live heap of the whole app, embedded NATS server included, stay
// flat: nothing accumulates per submission or per scan of a stream.
//
// Right after a round the heap holds the server's block caches, which it
// lets go after about ten idle seconds, so the heap is compared once idle:
// after the first round and after the last.
func TestFaultLongRunStaysFlat(t *testing.T) {
	natsAddr := fmt.Sprintf("127.0.0.1:%d", freePorts(t, 1)[0])
	_, base := testkit.StartApp(t, app.Config{Demo: true, AdminToken: adminToken, NATSListen: natsAddr})
	const rounds = 8
	var goroutines []int
	var busyHeaps []uint64
	var acked []string
	var firstIdleHeap uint64
	for round := range rounds {
		l := startLoad(4, 50*time.Millisecond, false, func() string { return base })
		time.Sleep(time.Second)
		l.stop()
		acked = append(acked, l.acknowledged()...)
		inspect(t, "nats://"+natsAddr, acked) // waits until all are processed
		time.Sleep(200 * time.Millisecond)    // idle connections and timers settle
		goroutines = append(goroutines, runtime.NumGoroutine())
		busyHeaps = append(busyHeaps, liveHeap())
		if round == 0 {
			firstIdleHeap = idleHeap(0)
		}
	}
	found, duplicated := inspect(t, "nats://"+natsAddr, acked)
	bound := firstIdleHeap*3/2 + 8<<20
	lastIdleHeap := idleHeap(bound)
	// The first round starts connections and timers; compare the last with the second.
	first, last := 1, rounds-1
	if goroutines[last] > goroutines[first]+10 {
		t.Errorf("goroutines grew from %d to %d: %v", goroutines[first], goroutines[last], goroutines)
	}
	if lastIdleHeap > bound {
		t.Errorf(
			"idle live heap grew from %s after the first round to %s after the last (bound %s)",
			mib(firstIdleHeap),
			mib(lastIdleHeap),
			mib(bound),
		)
	}
	var busyMiB []string
	for _, h := range busyHeaps {
		busyMiB = append(busyMiB, mib(h))
	}
	record(t, outcome{
		Fault:        fmt.Sprintf("long run: %d rounds of submissions, each processed to the end (in-process)", rounds),
		Acknowledged: len(acked),
		Found:        found,
		Duplicated:   duplicated,
		Note: fmt.Sprintf("goroutines after each round %v; live heap right after each round %s MiB; once idle: %s after the first "+
			"round, %s after the last", goroutines, strings.Join(busyMiB, " "), mib(firstIdleHeap), mib(lastIdleHeap)),
	})
}

// liveHeap collects garbage twice, so that sync.Pool contents go too, and
// returns the bytes still reachable.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// idleHeap waits while the process is idle and returns the smallest live
// heap seen: within 20 seconds, or as soon as it is at most target.
func idleHeap(target uint64) uint64 {
	lowest := liveHeap()
	for deadline := time.Now().Add(20 * time.Second); lowest > target && time.Now().Before(deadline); {
		time.Sleep(time.Second)
		lowest = min(lowest, liveHeap())
	}
	return lowest
}

func mib(bytes uint64) string { return fmt.Sprintf("%.1f", float64(bytes)/(1<<20)) }
