// Package mailer sends email through an SMTP relay: plain-text messages,
// with attachments, encoded by go-message and delivered by go-smtp. It
// knows nothing of what the messages say.
//
// Foundation layer (internal/test/layering).
package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// TLS modes of the connection to the relay.
const (
	// StartTLS upgrades the connection with STARTTLS (port 587).
	StartTLS = "starttls"
	// ImplicitTLS speaks TLS from the start (port 465).
	ImplicitTLS = "tls"
	// NoTLS sends in the clear, for a relay on the same host or network.
	NoTLS = "none"
)

// Timeout bounds one delivery, from dialling to quitting.
const Timeout = 30 * time.Second

// Config says how to reach the relay. The password is never logged.
type Config struct {
	// Addr is the relay's host:port; empty disables sending.
	Addr string
	// From is the sender's address, as "Name <address>" or an address.
	From     string
	Username string
	Password string
	// TLS is StartTLS (the default), ImplicitTLS or NoTLS.
	TLS string
}

// Enabled reports whether a relay is configured.
func (c Config) Enabled() bool { return c.Addr != "" }

// Attachment is a file sent with a message.
type Attachment struct {
	Name, Type string
	Data       []byte
}

// Message is one email.
type Message struct {
	To          string
	Subject     string
	Text        string
	Attachments []Attachment
}

// Mailer sends messages through the relay of its Config.
type Mailer struct {
	config Config
	from   *mail.Address
	now    func() time.Time
}

// New checks a configuration and returns its mailer.
func New(c Config) (*Mailer, error) {
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return nil, fmt.Errorf("mailer: sender address %q: %w", c.From, err)
	}
	switch c.TLS {
	case "":
		c.TLS = StartTLS
	case StartTLS, ImplicitTLS, NoTLS:
	default:
		return nil, fmt.Errorf("mailer: TLS mode %q: want %s, %s or %s", c.TLS, StartTLS, ImplicitTLS, NoTLS)
	}
	return &Mailer{config: c, from: from, now: time.Now}, nil
}

// ErrBadRecipient means a message's address cannot be used.
var ErrBadRecipient = errors.New("mailer: invalid recipient address")

// Send delivers one message, or says why it could not: a refused
// recipient (ErrBadRecipient) will never go, anything else may go later.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	to, err := mail.ParseAddress(msg.To)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadRecipient, err)
	}
	var body bytes.Buffer
	if err := m.compose(&body, to, msg); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	client, err := m.dial(ctx)
	if err != nil {
		return err
	}
	defer client.Close()
	if m.config.Username != "" {
		if err := client.Auth(sasl.NewPlainClient("", m.config.Username, m.config.Password)); err != nil {
			return fmt.Errorf("mailer: authentication: %w", err)
		}
	}
	if err := client.SendMail(m.from.Address, []string{to.Address}, &body); err != nil {
		var smtpErr *smtp.SMTPError
		if errors.As(err, &smtpErr) && smtpErr.Code >= 550 && smtpErr.Code <= 553 {
			return fmt.Errorf("%w: %v", ErrBadRecipient, err)
		}
		return fmt.Errorf("mailer: send: %w", err)
	}
	return client.Quit()
}

func (m *Mailer) dial(ctx context.Context) (*smtp.Client, error) {
	host, _, err := net.SplitHostPort(m.config.Addr)
	if err != nil {
		return nil, fmt.Errorf("mailer: relay address %q: %w", m.config.Addr, err)
	}
	var conn net.Conn
	tlsConfig := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if m.config.TLS == ImplicitTLS {
		conn, err = (&tls.Dialer{Config: tlsConfig}).DialContext(ctx, "tcp", m.config.Addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", m.config.Addr)
	}
	if err != nil {
		return nil, fmt.Errorf("mailer: dial %s: %w", m.config.Addr, err)
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	if m.config.TLS == StartTLS {
		client, err := smtp.NewClientStartTLS(conn, tlsConfig)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("mailer: STARTTLS: %w", err)
		}
		return client, nil
	}
	return smtp.NewClient(conn), nil
}

// compose writes msg as a MIME message: the text, and the attachments if any.
func (m *Mailer) compose(w io.Writer, to *mail.Address, msg Message) error {
	var h mail.Header
	h.SetDate(m.now())
	h.SetAddressList("From", []*mail.Address{m.from})
	h.SetAddressList("To", []*mail.Address{to})
	h.SetSubject(msg.Subject)
	if err := h.GenerateMessageID(); err != nil {
		return err
	}
	var text mail.InlineHeader
	text.Set("Content-Type", "text/plain; charset=utf-8")
	if len(msg.Attachments) == 0 {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		body, err := mail.CreateSingleInlineWriter(w, h)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(body, msg.Text); err != nil {
			return err
		}
		return body.Close()
	}
	mw, err := mail.CreateWriter(w, h)
	if err != nil {
		return err
	}
	body, err := mw.CreateSingleInline(text)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(body, msg.Text); err != nil {
		return err
	}
	if err := body.Close(); err != nil {
		return err
	}
	for _, a := range msg.Attachments {
		var ah mail.AttachmentHeader
		ah.Set("Content-Type", a.Type)
		ah.SetFilename(a.Name)
		part, err := mw.CreateAttachment(ah)
		if err != nil {
			return err
		}
		if _, err := part.Write(a.Data); err != nil {
			return err
		}
		if err := part.Close(); err != nil {
			return err
		}
	}
	return mw.Close()
}
