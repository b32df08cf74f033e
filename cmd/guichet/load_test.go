package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/testkit"
	"github.com/guichet/guichet/loadgen"
)

func TestLoadPrintsJSON(t *testing.T) {
	_, base := testkit.StartApp(t, app.Config{Demo: true})
	var stdout, stderr bytes.Buffer
	err := run([]string{"load", "-url", base, "-count", "12", "-clients", "3", "-lag-sample", "5", "-json"}, func(string) string { return "" }, &stdout, &stderr)
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
	} {
		var stdout, stderr bytes.Buffer
		if err := run(args, func(string) string { return "" }, &stdout, &stderr); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
