// Command allocgate fails when a benchmark allocates more per operation
// than in a baseline. It reads two outputs of go test -bench -benchmem,
// the baseline then the new run, takes each benchmark's median allocs/op,
// and reports those that grew by more than 20%. Allocation counts hardly
// vary between runs or machines, unlike times, so a CI step can gate on
// them.
//
// Usage: go run ./internal/bench/allocgate internal/bench/baseline.txt new.txt
//
// Tool (internal/test/layering).
package main

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"

	"golang.org/x/perf/benchfmt"
)

// tolerance is the growth allowed: 20%, plus five allocations, above the
// noise of the benchmarks with concurrent clients (about 5%).
const tolerance = 1.20

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: allocgate BASELINE NEW (outputs of go test -bench -benchmem)")
		os.Exit(2)
	}
	baseline, err := medianAllocs(os.Args[1])
	if err == nil {
		var now map[string]float64
		if now, err = medianAllocs(os.Args[2]); err == nil {
			if !compare(baseline, now) {
				os.Exit(1)
			}
			return
		}
	}
	fmt.Fprintln(os.Stderr, "allocgate:", err)
	os.Exit(2)
}

// compare prints each benchmark's allocations against the baseline and
// reports whether none grew beyond the tolerance.
func compare(baseline, now map[string]float64) bool {
	names := make([]string, 0, len(now))
	for name := range now {
		names = append(names, name)
	}
	sort.Strings(names)
	ok := true
	fmt.Printf("%-70s %10s %10s\n", "allocs/op", "baseline", "now")
	for _, name := range names {
		was, known := baseline[name]
		verdict := ""
		switch {
		case !known:
			verdict = "  (no baseline yet)"
		case now[name] > was*tolerance+5:
			verdict = "  MORE THAN 20% ABOVE THE BASELINE"
			ok = false
		}
		fmt.Printf("%-70s %10.0f %10.0f%s\n", name, was, now[name], verdict)
	}
	return ok
}

// procs is the GOMAXPROCS suffix of a benchmark's name, which differs
// between machines.
var procs = regexp.MustCompile(`-[0-9]+$`)

// medianAllocs reads a file of benchmark results and returns the median
// allocs/op of each benchmark, by package and name.
func medianAllocs(path string) (map[string]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	samples := map[string][]float64{}
	reader := benchfmt.NewReader(f, path)
	for reader.Scan() {
		result, ok := reader.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		name := result.GetConfig("pkg") + "." + procs.ReplaceAllString(string(result.Name), "")
		for _, v := range result.Values {
			if v.Unit == "allocs/op" {
				samples[name] = append(samples[name], v.Value)
			}
		}
	}
	if err := reader.Err(); err != nil {
		return nil, err
	}
	medians := map[string]float64{}
	for name, values := range samples {
		slices.Sort(values)
		medians[name] = values[len(values)/2]
	}
	return medians, nil
}
