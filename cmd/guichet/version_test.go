package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/guichet/guichet/api"
)

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		var stdout, stderr bytes.Buffer
		if err := run([]string{arg}, func(string) string { return "" }, &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
		if want := "guichet " + api.Version; !strings.HasPrefix(stdout.String(), want) || !strings.Contains(stdout.String(), runtime.Version()) {
			t.Errorf("%s: %q, want %s and the Go version", arg, stdout.String(), want)
		}
	}
}

// A binary built from the repository names the commit it was built from.
func TestVersionNamesTheCommit(t *testing.T) {
	revision, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skip("not in a git checkout:", err)
	}
	binary := filepath.Join(t.TempDir(), "guichet")
	if out, err := exec.Command("go", "build", "-buildvcs=true", "-o", binary, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(binary, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "révision " + string(revision[:12]); !strings.Contains(string(out), want) {
		t.Errorf("guichet version: %q, want %q", out, want)
	}
}
