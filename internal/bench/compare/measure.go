package compare

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Measure is one figure of the comparison.
type Measure struct {
	// Key names the figure for the ratios and in JSON.
	Key string `json:"key"`
	// Label describes it, in the comparison's language.
	Label string `json:"label"`
	// Callers is how many did the operation at once.
	Callers int `json:"callers"`
	// PerSecond is the operations done a second, all callers together.
	PerSecond float64 `json:"perSecond"`
	// Micros is the mean time one operation took its caller, in µs.
	Micros float64 `json:"microsPerOp"`
	// P99Ms is the 99th percentile of the latency, for HTTP paths.
	P99Ms float64 `json:"p99Ms,omitempty"`
}

// throughput runs op for d by callers at once, each call doing some
// operations (a batch does many) and returning how many, and measures the
// rate. It stops at the first error.
func throughput(
	ctx context.Context,
	d time.Duration,
	callers int,
	op func(ctx context.Context, caller int) (int, error),
) (perSecond, micros float64, err error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		done     atomic.Int64
		busy     atomic.Int64 // ns spent in op, all callers
		firstErr error
		once     sync.Once
		wg       sync.WaitGroup
	)
	start := time.Now()
	for c := range callers {
		wg.Go(func() {
			for ctx.Err() == nil {
				began := time.Now()
				n, err := op(ctx, c)
				if err != nil {
					if ctx.Err() == nil {
						once.Do(func() { firstErr = err; cancel() })
					}
					return
				}
				busy.Add(int64(time.Since(began)))
				done.Add(int64(n))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return 0, 0, firstErr
	}
	n := float64(done.Load())
	if n == 0 {
		return 0, 0, nil
	}
	return n / elapsed.Seconds(), float64(busy.Load()) / n / 1e3, nil
}
