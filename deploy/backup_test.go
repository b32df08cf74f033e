//go:build backup

// The backup and restore scripts, run as an operator would: Guichet
// running with submissions, backup.sh, Guichet stopped and its data
// directory wiped, restore.sh, Guichet started again, and every
// submission found with its PDF, once. Needs the nats CLI on PATH:
//
//	go install github.com/nats-io/natscli/nats@v0.5.0
//	go test -tags backup ./deploy
package deploy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/guichet/guichet/internal/test/testkit"
)

const adminToken = "jeton-sauvegarde"

func TestBackupWipeRestore(t *testing.T) {
	if _, err := exec.LookPath("nats"); err != nil {
		t.Fatal("the nats CLI is needed: go install github.com/nats-io/natscli/nats@v0.5.0")
	}
	work := t.TempDir()
	bin := filepath.Join(work, "guichet")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/guichet").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dataDir, backupDir := filepath.Join(work, "data"), filepath.Join(work, "sauvegarde")
	natsAddr := freeAddress(t)

	g := startGuichet(t, bin, dataDir, natsAddr)
	const n = 40
	receipts := make([]receipt, n)
	for i := range receipts {
		receipts[i] = g.submit(t, i)
	}
	for _, r := range receipts {
		g.waitRouted(t, r)
	}

	runScript(t, []string{"NATS_URL=nats://" + natsAddr}, "backup.sh", backupDir)
	g.stop(t)
	if err := os.RemoveAll(dataDir); err != nil {
		t.Fatal(err)
	}
	runScript(t, []string{"GUICHET_BIN=" + bin, "RESTORE_LISTEN=" + freeAddress(t)}, "restore.sh", backupDir, dataDir)

	g = startGuichet(t, bin, dataDir, freeAddress(t))
	defer g.stop(t)
	found := 0
	for _, r := range receipts {
		status := g.get(t, "/api/submissions/"+r.Reference+"?token="+r.Token, "")
		var body struct {
			Status string `json:"status"`
		}
		if err := json.Unmarshal(status, &body); err != nil || body.Status != "routed" {
			t.Errorf("%s after the restore: %s", r.Reference, status)
			continue
		}
		if pdf := g.get(t, "/api/submissions/"+r.Reference+"/pdf?token="+r.Token, ""); !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Errorf("%s: no PDF after the restore", r.Reference)
			continue
		}
		found++
	}
	// Each submission is in its inbox once: nothing was processed again.
	var inbox struct {
		Items []struct {
			Reference string `json:"reference"`
		} `json:"items"`
	}
	if err := json.Unmarshal(g.get(t, "/api/departments/culture/submissions?limit=200", adminToken), &inbox); err != nil {
		t.Fatal(err)
	}
	if len(inbox.Items) != n {
		t.Errorf("inbox after the restore: %d entries, want %d", len(inbox.Items), n)
	}
	// And the restored Guichet takes new submissions.
	g.waitRouted(t, g.submit(t, n))
	t.Logf("backup, wipe, restore: %d submissions acknowledged, %d found with their PDF", n, found)
}

type receipt struct {
	Reference string `json:"reference"`
	Token     string `json:"token"`
}

type guichet struct {
	url  string
	cmd  *exec.Cmd
	done chan error
}

var readyLine = regexp.MustCompile(`guichet ready" url=(http://[0-9.:]+)`)

func startGuichet(t *testing.T, bin, dataDir, natsAddr string) *guichet {
	t.Helper()
	cmd := exec.Command(bin, "-data-dir", dataDir, "-addr", "127.0.0.1:0", "-nats-listen", natsAddr, "-submit-rate", "0")
	cmd.Env = append(os.Environ(), "GUICHET_ADMIN_TOKEN="+adminToken)
	var stderr testkit.SyncBuffer
	cmd.Stderr, cmd.Stdout = &stderr, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	g := &guichet{cmd: cmd, done: make(chan error, 1)}
	go func() { g.done <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for g.url == "" {
		if m := readyLine.FindStringSubmatch(stderr.String()); m != nil {
			g.url = m[1]
			break
		}
		select {
		case err := <-g.done:
			t.Fatalf("guichet stopped: %v\n%s", err, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("guichet not ready:\n%s", stderr.String())
		}
	}
	return g
}

func (g *guichet) stop(t *testing.T) {
	t.Helper()
	if g.cmd.ProcessState != nil {
		return
	}
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-g.done:
		if err != nil {
			t.Errorf("guichet exited with %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("guichet did not stop")
	}
}

func (g *guichet) submit(t *testing.T, i int) receipt {
	t.Helper()
	body := fmt.Sprintf(`{"data":{"association":"Chorale n° %d","siret":"12345678901234","domaine":"culture","projet":"Concert de Noël dans `+
		`la chapelle des Cordeliers","montant":%d,"contact":{"nom":"Inès Muller","email":"i.muller@example.fr"}}}`, i, 100+i)
	resp, err := http.Post(g.url+"/api/forms/subvention-association/submissions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r receipt
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &r) != nil {
		t.Fatalf("submission %d: %d %s", i, resp.StatusCode, raw)
	}
	return r
}

func (g *guichet) get(t *testing.T, path, token string) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, g.url+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %d %.200s", path, resp.StatusCode, raw)
	}
	return raw
}

func (g *guichet) waitRouted(t *testing.T, r receipt) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		raw := g.get(t, "/api/submissions/"+r.Reference+"?token="+r.Token, "")
		if strings.Contains(string(raw), `"status":"routed"`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not routed: %s", r.Reference, raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runScript runs one of the scripts with more environment variables, and
// fails the test if it fails.
func runScript(t *testing.T, env []string, script string, args ...string) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", script, args, err, out)
	}
	t.Logf("%s:\n%s", script, lastLines(string(out), 2))
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func freeAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
