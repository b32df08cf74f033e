// Package clamdtest runs a real ClamAV daemon (Debian's clamav-daemon) for
// tests. Its signature database is written by the test itself, since there
// is no internet for freshclam: the EICAR test file's signature as a .hdb
// line (its MD5 and size), which is what a scanner must find in EICAR.
// A missing clamd fails the test; only `go test -short` skips it.
//
// A tool (internal/test/layering).
package clamdtest

import (
	"context"
	"crypto/md5" //nolint:gosec // ClamAV's .hdb signatures are MD5 hashes
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/guichet/guichet/internal/platform/clamd"
)

// EICAR is the anti-virus test file: harmless, and found by every scanner.
const EICAR = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

// Signature is the name the test database gives EICAR, as clamd reports it.
const Signature = "Eicar-Test-Signature.UNOFFICIAL"

// Daemon is a clamd the test started.
type Daemon struct {
	t    testing.TB
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
	// Addr is its unix socket, for clamd-addr.
	Addr string
}

// Start starts clamd, stopped at the test's end, and waits until it answers.
func Start(t testing.TB) *Daemon {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the tests with a real clamd are skipped")
	}
	if _, err := exec.LookPath("clamd"); err != nil {
		if _, err := os.Stat("/usr/sbin/clamd"); err != nil {
			t.Fatal("no clamd found: install Debian's clamav-daemon package")
		}
	}
	// A unix socket's path is short: a folder of its own under /tmp.
	dir, err := os.MkdirTemp("", "clamd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	sum := md5.Sum([]byte(EICAR)) //nolint:gosec // see the import
	db := filepath.Join(dir, "db")
	if err := os.Mkdir(db, 0o755); err != nil {
		t.Fatal(err)
	}
	line := hex.EncodeToString(sum[:]) + ":" + strconv.Itoa(len(EICAR)) + ":Eicar-Test-Signature\n"
	if err := os.WriteFile(filepath.Join(db, "eicar.hdb"), []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &Daemon{t: t, dir: dir, Addr: filepath.Join(dir, "clamd.sock")}
	conf := fmt.Sprintf("LocalSocket %s\nDatabaseDirectory %s\nForeground yes\nLogFile %s\n"+
		"StreamMaxLength 1024M\nMaxFileSize 1024M\nMaxScanSize 1024M\n", d.Addr, db, filepath.Join(dir, "clamd.log"))
	if err := os.WriteFile(filepath.Join(dir, "clamd.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	d.Restart()
	t.Cleanup(d.Stop)
	return d
}

// Stop stops the daemon, as an outage would.
func (d *Daemon) Stop() {
	if d.cmd == nil {
		return
	}
	_ = d.cmd.Process.Kill()
	<-d.done
	d.cmd = nil
	_ = os.Remove(d.Addr)
}

// Restart starts the daemon again after Stop, and waits until it answers.
func (d *Daemon) Restart() {
	d.t.Helper()
	path, err := exec.LookPath("clamd")
	if err != nil {
		path = "/usr/sbin/clamd"
	}
	d.cmd = exec.Command(path, "-c", filepath.Join(d.dir, "clamd.conf"))
	if err := d.cmd.Start(); err != nil {
		d.t.Fatalf("clamd did not start: %v", err)
	}
	done := make(chan struct{})
	d.done = done
	go func(cmd *exec.Cmd) { _ = cmd.Wait(); close(done) }(d.cmd)
	client := clamd.New(d.Addr)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if client.Ping(context.Background()) == nil {
			return
		}
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(d.dir, "clamd.log"))
			d.t.Fatalf("clamd stopped at its start:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			d.t.Fatal("clamd does not answer after a minute")
		}
	}
}
