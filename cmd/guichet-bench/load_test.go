package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/bench/loadgen"
	"github.com/guichet/guichet/internal/test/testkit"
)

func TestLoadPrintsJSON(t *testing.T) {
	_, base := testkit.StartApp(t, app.Config{Demo: true})
	var stdout, stderr bytes.Buffer
	err := run([]string{
		"load",
		"-url",
		base,
		"-count",
		"12",
		"-clients",
		"3",
		"-lag-sample",
		"5",
		"-json",
	}, func(string) string { return "" }, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var r loadgen.Report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, stdout.String())
	}
	if r.Sent != 12 || r.Accepted != 12 || r.Lag == nil || r.Lag.Done != 5 || r.Form == "" {
		t.Errorf("report %+v", r)
	}
	if !strings.Contains(stderr.String(), "12 envoyés") {
		t.Errorf("no progress on stderr: %q", stderr.String())
	}
}

func TestLoadArgumentErrors(t *testing.T) {
	for _, args := range [][]string{
		{"load", "-invalid", "2"},
		{"load", "-duration", "0"},
		{"load", "extra"},
		{"load", "-compare", "-step", "10ms"},
		{"load", "-compare", "-form", "inconnu", "-step", "1s"},
		{"unknown"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(args, func(string) string { return "" }, &stdout, &stderr); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{}, {"-help"}, {"load", "-help"}} {
		var stdout, stderr bytes.Buffer
		err := run(args, func(string) string { return "" }, &stdout, &stderr)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "guichet-bench load") {
			t.Errorf("%v: %v\n%s", args, err, stderr.String())
		}
	}
}

// The load test speaks English when $GUICHET_LANG or $LANG asks for it.
func TestLoadInEnglish(t *testing.T) {
	_, base := testkit.StartApp(t, app.Config{Demo: true})
	var stdout, stderr bytes.Buffer
	english := func(name string) string { return map[string]string{"LANG": "en_GB.UTF-8"}[name] }
	if err := run([]string{"load", "-url", base, "-count", "5", "-clients", "2", "-lag-sample", "2"}, english, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	for _, want := range []string{"Load on ", "accepted       5", "end to end"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, stdout.String())
		}
	}
	stderr.Reset()
	_ = run([]string{"load", "-help"}, english, &stdout, &stderr)
	if !strings.Contains(stderr.String(), "Usage: guichet-bench load [options]") {
		t.Errorf("help:\n%s", stderr.String())
	}
}
