//go:build faults

// Package faults_test is Guichet's fault suite. It starts real processes on
// loopback (the guichet binary, and NATS nodes run from the embedded
// server), injects faults while clients submit, then reads every store to
// count, for each fault, the submissions acknowledged with a 201, those
// found, and those duplicated. The pass condition is 0 lost and 0
// duplicated.
//
// Run it with: go test -tags faults -run Fault -v ./internal/test/faults
package faults_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// guichetBinary is the guichet command, built once for the suite.
var guichetBinary string

func TestMain(m *testing.M) {
	if spec := os.Getenv(nodeEnv); spec != "" {
		runNode(spec)
		return
	}
	dir, err := os.MkdirTemp("", "guichet-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	guichetBinary = filepath.Join(dir, "guichet")
	build := exec.Command("go", "build", "-o", guichetBinary, "github.com/guichet/guichet/cmd/guichet")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building guichet:", err)
		os.Exit(1)
	}
	code := m.Run()
	printReport()
	os.RemoveAll(dir)
	os.Exit(code)
}

// outcome is one fault's line in the report.
type outcome struct {
	Fault                           string
	Acknowledged, Found, Duplicated int
	Note                            string
}

var (
	reportMu sync.Mutex
	report   []outcome
)

// record adds a fault's outcome to the report and fails the test if
// anything acknowledged was lost or duplicated.
func record(t *testing.T, o outcome) {
	t.Helper()
	reportMu.Lock()
	report = append(report, o)
	reportMu.Unlock()
	t.Logf("%s: acknowledged %d, found %d, duplicated %d; %s", o.Fault, o.Acknowledged, o.Found, o.Duplicated, o.Note)
	if o.Found != o.Acknowledged || o.Duplicated != 0 {
		t.Errorf("%s: %d acknowledged submissions lost, %d duplicated", o.Fault, o.Acknowledged-o.Found, o.Duplicated)
	}
	if o.Acknowledged == 0 {
		t.Errorf("%s: no submission was acknowledged: the fault proved nothing", o.Fault)
	}
}

func printReport() {
	if len(report) == 0 {
		return
	}
	fmt.Println("\n| fault | acknowledged | found | duplicated | note |")
	fmt.Println("|---|---|---|---|---|")
	for _, o := range report {
		fmt.Printf("| %s | %d | %d | %d | %s |\n", o.Fault, o.Acknowledged, o.Found, o.Duplicated, o.Note)
	}
	fmt.Println()
}
