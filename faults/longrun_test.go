//go:build faults

package faults_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/testkit"
)

// Over rounds of submissions, each processed to the end, the goroutines
// and the live heap of the whole app, embedded NATS server included, stay
// flat: nothing accumulates per submission or per scan of a stream. (The
// server's block caches and its two-minute window of message ids grow the
// heap a little at first, within bounds.)
func TestFaultLongRunStaysFlat(t *testing.T) {
	natsAddr := fmt.Sprintf("127.0.0.1:%d", freePorts(t, 1)[0])
	_, base := testkit.StartApp(t, app.Config{Demo: true, AdminToken: adminToken, NATSListen: natsAddr})
	const rounds = 8
	var goroutines []int
	var heaps []uint64
	var acked []string
	for range rounds {
		l := startLoad(4, 50*time.Millisecond, false, func() string { return base })
		time.Sleep(time.Second)
		l.stop()
		acked = append(acked, l.acknowledged()...)
		inspect(t, "nats://"+natsAddr, acked) // waits until all are processed
		time.Sleep(200 * time.Millisecond)    // idle connections and timers settle
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		goroutines = append(goroutines, runtime.NumGoroutine())
		heaps = append(heaps, m.HeapAlloc)
	}
	found, duplicated := inspect(t, "nats://"+natsAddr, acked)
	// The first rounds warm caches up; compare the last with the second.
	first, last := 1, rounds-1
	if goroutines[last] > goroutines[first]+10 {
		t.Errorf("goroutines grew from %d to %d: %v", goroutines[first], goroutines[last], goroutines)
	}
	if heaps[last] > heaps[first]*3/2+8<<20 {
		t.Errorf("live heap grew from %d to %d bytes: %v", heaps[first], heaps[last], heaps)
	}
	var heapMiB []string
	for _, h := range heaps {
		heapMiB = append(heapMiB, fmt.Sprintf("%.1f", float64(h)/(1<<20)))
	}
	record(t, outcome{Fault: fmt.Sprintf("long run: %d rounds of submissions, each processed to the end (in-process)", rounds), Acknowledged: len(acked), Found: found, Duplicated: duplicated,
		Note: fmt.Sprintf("goroutines after each round %v; live heap MiB %s", goroutines, strings.Join(heapMiB, " "))})
}
