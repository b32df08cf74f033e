// Package mailtest runs an in-process SMTP server (go-smtp) for tests, and
// reads what it received: recipients, headers, text and attachments.
//
// A tool (internal/test/layering).
package mailtest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"
)

// Mail is one message the server received.
type Mail struct {
	From    string
	To      []string
	Subject string
	Text    string
	// TextTypes are the media types of the text parts, such as text/plain.
	TextTypes   []string
	Attachments map[string][]byte
}

// Server is an SMTP server on a loopback port that keeps what it receives.
type Server struct {
	Addr string

	mu       sync.Mutex
	received []Mail
	// refuse, when set, refuses every message with a temporary error.
	refuse bool
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{server: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// Refuse makes the server refuse messages (a relay outage) or take them again.
func (s *Server) Refuse(refuse bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = refuse
}

// Received returns the messages received so far.
func (s *Server) Received() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.received...)
}

// Wait waits until n messages have come, and returns them.
func (s *Server) Wait(t testing.TB, n int) []Mail {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := s.Received()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages received, want %d", len(got), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type session struct {
	server *Server
	mail   Mail
}

func (s *session) Reset()        { s.mail = Mail{} }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.mail.From = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.mail.To = append(s.mail.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.server.mu.Lock()
	refuse := s.server.refuse
	s.server.mu.Unlock()
	if refuse {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m := s.mail
	if err := parse(raw, &m); err != nil {
		return err
	}
	s.server.mu.Lock()
	s.server.received = append(s.server.received, m)
	s.server.mu.Unlock()
	return nil
}

// parse reads a message's subject, text and attachments.
func parse(raw []byte, m *Mail) error {
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	m.Subject, _ = r.Header.Subject()
	m.Attachments = map[string][]byte{}
	for {
		part, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		body, err := io.ReadAll(part.Body)
		if err != nil {
			return err
		}
		switch h := part.Header.(type) {
		case *mail.InlineHeader:
			m.Text += string(body)
			mediaType, _, _ := h.ContentType()
			m.TextTypes = append(m.TextTypes, mediaType)
		case *mail.AttachmentHeader:
			name, _ := h.Filename()
			m.Attachments[name] = body
		}
	}
}
