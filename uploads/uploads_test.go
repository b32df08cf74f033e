package uploads_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/clamd"
	"github.com/guichet/guichet/internal/test/clamdtest"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/uploads"
)

// pdf is the start of a PDF: enough for its type to be read.
var pdf = append([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), bytes.Repeat([]byte("1 0 obj << >> endobj\n"), 500)...)

// clock is a test clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// stored tells whether a file's content is in the object store.
func stored(t *testing.T, s *uploads.Service, f uploads.File) bool {
	t.Helper()
	content, err := s.Open(t.Context(), f)
	if err != nil {
		return false
	}
	content.Close()
	return true
}

func start(t *testing.T) (*uploads.Service, *clamdtest.Daemon, *clock) {
	t.Helper()
	daemon := clamdtest.Start(t)
	c := &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s, err := uploads.New(t.Context(), bus.StartTest(t), uploads.Config{Scanner: clamd.New(daemon.Addr), Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s, daemon, c
}

// A file's type is read from its content; it is stored whole with its
// SHA-256 and scanned clean. What the field does not take, pages and
// programs whatever the field says, and files over its size or empty, are
// refused, in French and English.
func TestReceiveChecksAndScans(t *testing.T) {
	s, _, _ := start(t)
	ctx := t.Context()
	rule := schemas.FileRuleOf(nil, false)
	f, err := s.Receive(ctx, "", `C:\Documents\devis.pdf`, rule, bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "devis.pdf" || f.Type != "application/pdf" || f.Size != int64(len(pdf)) || f.Scan != uploads.Clean || len(f.SHA256) != 64 {
		t.Errorf("record: %+v", f)
	}
	content, err := s.Open(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	kept, _ := io.ReadAll(content)
	content.Close()
	if !bytes.Equal(kept, pdf) {
		t.Error("the stored content differs")
	}
	if got, err := s.Get(ctx, f.ID); err != nil || got.SHA256 != f.SHA256 {
		t.Errorf("get: %+v %v", got, err)
	}

	anything := schemas.FileRule{Accept: []string{"image/svg+xml", "text/html", "application/pdf", "text/plain"}, MaxSize: 1 << 20,
		MaxFiles: 1}
	for _, c := range []struct {
		name, content string
		rule          schemas.FileRule
		says          string
	}{
		{"dessin.pdf", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, anything, "pas d'un type accepté"},
		{"page.pdf", `<!DOCTYPE html><html><body><script>alert(1)</script></body></html>`, anything, "pas d'un type accepté"},
		{"programme.pdf", "\x7fELF\x02\x01\x01\x00" + strings.Repeat("\x00", 100), anything, "pas d'un type accepté"},
		{"notes.pdf", "de simples notes", rule, "pas d'un type accepté (PDF, JPEG, PNG, Word, Excel, PowerPoint, OpenDocument)"},
		{"vide.pdf", "", rule, "est vide"},
		{"gros.pdf", string(pdf), schemas.FileRule{Accept: rule.Accept, MaxSize: 1000, MaxFiles: 1}, "dépasse 1000 octets"},
		{"eicar.txt", clamdtest.EICAR, anything, "contient un virus (" + clamdtest.Signature + ")"},
	} {
		_, err := s.Receive(ctx, "", c.name, c.rule, strings.NewReader(c.content))
		var refusal *uploads.Refusal
		if !errors.As(err, &refusal) || !strings.Contains(refusal.Message.FR, c.says) || refusal.Message.EN == "" {
			t.Errorf("%s: %v, want a refusal saying %q", c.name, err, c.says)
		}
	}
}

// While ClamAV is down, files are kept unscanned; once it is back, Rescan
// scans them: a clean one becomes clean, an infected one loses its content.
func TestFilesReceivedWhileClamAVIsDown(t *testing.T) {
	s, daemon, _ := start(t)
	ctx := t.Context()
	anything := schemas.FileRule{Accept: []string{"application/pdf", "text/plain"}, MaxSize: 1 << 20, MaxFiles: 1}
	daemon.Stop()
	clean, err := s.Receive(ctx, "", "devis.pdf", anything, bytes.NewReader(pdf))
	if err != nil || clean.Scan != uploads.Unscanned {
		t.Fatalf("with ClamAV down: %+v %v", clean, err)
	}
	eicar, err := s.Receive(ctx, "", "eicar.txt", anything, strings.NewReader(clamdtest.EICAR))
	if err != nil || eicar.Scan != uploads.Unscanned {
		t.Fatalf("EICAR with ClamAV down: %+v %v", eicar, err)
	}
	if _, err := s.Rescan(ctx); !errors.Is(err, clamd.ErrUnavailable) {
		t.Errorf("rescan with ClamAV down: %v", err)
	}
	daemon.Restart()
	if n, err := s.Rescan(ctx); err != nil || n != 2 {
		t.Fatalf("rescan: %d %v", n, err)
	}
	if f, _ := s.Get(ctx, clean.ID); f.Scan != uploads.Clean {
		t.Errorf("the clean file after the rescan: %+v", f)
	}
	f, _ := s.Get(ctx, eicar.ID)
	if f.Scan != uploads.Infected || f.Signature != clamdtest.Signature {
		t.Errorf("EICAR after the rescan: %+v", f)
	}
	if stored(t, s, f) {
		t.Error("the infected file's content is still there")
	}
}

// A file nothing holds goes after the grace period, unless a draft keeps
// it longer; a file a submission holds stays.
func TestOrphansAreSwept(t *testing.T) {
	s, _, c := start(t)
	ctx := t.Context()
	rule := schemas.FileRuleOf(nil, false)
	receive := func() uploads.File {
		f, err := s.Receive(ctx, "", "devis.pdf", rule, bytes.NewReader(pdf))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	orphan, drafted, held := receive(), receive(), receive()
	if err := s.Keep(ctx, drafted.ID, c.now.Add(30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Hold(ctx, held.ID, "2026-0001-AAAA"); err != nil {
		t.Fatal(err)
	}
	c.now = c.now.Add(23 * time.Hour)
	if n, err := s.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("before the grace period: %d swept, %v", n, err)
	}
	c.now = c.now.Add(2 * time.Hour)
	if n, err := s.Sweep(ctx); err != nil || n != 1 {
		t.Errorf("after the grace period: %d swept, %v", n, err)
	}
	if _, err := s.Get(ctx, orphan.ID); !errors.Is(err, uploads.ErrNotFound) {
		t.Errorf("the orphan is still recorded: %v", err)
	}
	if stored(t, s, orphan) {
		t.Error("the orphan's content is still there")
	}
	for _, f := range []uploads.File{drafted, held} {
		if !stored(t, s, f) {
			t.Errorf("%s was swept", f.ID)
		}
	}
	c.now = c.now.Add(31 * 24 * time.Hour)
	if n, err := s.Sweep(ctx); err != nil || n != 1 {
		t.Errorf("after the draft's time: %d swept, %v", n, err)
	}
	if !stored(t, s, held) {
		t.Error("the file a submission holds was swept")
	}
}
