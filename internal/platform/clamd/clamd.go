// Package clamd speaks to ClamAV's daemon over its socket: PING, to know
// it answers, and INSTREAM, which streams a file to it and reads its
// verdict. clamd never reads Guichet's files from a disk of its own.
//
// The protocol is a command and length-prefixed chunks. The one Go client
// the module proxy serves (github.com/dutchcoders/go-clamd) is unmaintained
// since 2017 and takes no context or deadline, and a scanner is a security
// control that must fail closed: any answer other than "OK" or "FOUND" is
// an error here, never a clean verdict.
//
// Foundation layer (internal/test/layering).
package clamd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// ErrUnavailable means the daemon could not be reached or did not finish
// the scan: the file is neither clean nor infected.
var ErrUnavailable = errors.New("clamd: unavailable")

// chunkSize is the size of the chunks INSTREAM sends.
const chunkSize = 64 << 10

// Client reaches one daemon.
type Client struct {
	network, address string
	// Timeout bounds a whole command, the scan of a large file included.
	Timeout time.Duration
}

// New returns a client of the daemon at addr: a unix socket's path
// ("/run/clamav/clamd.ctl", or "unix:" followed by it) or host:port.
func New(addr string) *Client {
	c := &Client{network: "tcp", address: addr, Timeout: 10 * time.Minute}
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		c.network, c.address = "unix", path
	} else if strings.HasPrefix(addr, "/") {
		c.network = "unix"
	}
	return c
}

// Addr is the daemon's address, as given to New.
func (c *Client) Addr() string { return c.address }

// Verdict is what the daemon found in a file.
type Verdict struct {
	Infected bool
	// Signature names what was found, such as "Eicar-Test-Signature".
	Signature string
}

// Ping reports whether the daemon answers.
func (c *Client) Ping(ctx context.Context) error {
	conn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("zPING\x00")); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return err
	}
	if reply != "PONG" {
		return fmt.Errorf("%w: unexpected answer to PING: %q", ErrUnavailable, reply)
	}
	return nil
}

// Scan streams r to the daemon and returns its verdict. Any failure, a
// size limit of the daemon's included, is an error wrapping
// ErrUnavailable.
func (c *Client) Scan(ctx context.Context, r io.Reader) (Verdict, error) {
	conn, err := c.dial(ctx)
	if err != nil {
		return Verdict{}, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	w := bufio.NewWriterSize(conn, chunkSize+4)
	sendErr := stream(w, r)
	// The daemon may answer before the end, to refuse a stream over its
	// limit: its answer says why better than the broken pipe.
	reply, err := readReply(conn)
	switch {
	case err != nil && sendErr != nil:
		return Verdict{}, fmt.Errorf("%w: %w", ErrUnavailable, sendErr)
	case err != nil:
		return Verdict{}, err
	}
	result, ok := strings.CutPrefix(reply, "stream: ")
	switch {
	case !ok:
		return Verdict{}, fmt.Errorf("%w: %s", ErrUnavailable, reply)
	case result == "OK":
		if sendErr != nil {
			return Verdict{}, fmt.Errorf("%w: %w", ErrUnavailable, sendErr)
		}
		return Verdict{}, nil
	case strings.HasSuffix(result, " FOUND"):
		return Verdict{Infected: true, Signature: strings.TrimSuffix(result, " FOUND")}, nil
	}
	return Verdict{}, fmt.Errorf("%w: %s", ErrUnavailable, reply)
}

// stream writes INSTREAM: the command, each chunk after its length, and a
// zero length.
func stream(w *bufio.Writer, r io.Reader) error {
	if _, err := w.WriteString("zINSTREAM\x00"); err != nil {
		return err
	}
	buf := make([]byte, chunkSize)
	var size [4]byte
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			binary.BigEndian.PutUint32(size[:], uint32(n)) //nolint:gosec // n ≤ chunkSize
			if _, werr := w.Write(size[:]); werr != nil {
				return werr
			}
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading the file: %w", err)
		}
	}
	binary.BigEndian.PutUint32(size[:], 0)
	if _, err := w.Write(size[:]); err != nil {
		return err
	}
	return w.Flush()
}

func (c *Client) dial(ctx context.Context) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, c.network, c.address)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	_ = conn.SetDeadline(time.Now().Add(c.Timeout))
	return conn, nil
}

// readReply reads one answer, which the "z" form of the commands ends
// with a NUL; a reply is a short line, read to at most 1 KiB.
func readReply(conn net.Conn) (string, error) {
	raw, err := bufio.NewReader(io.LimitReader(conn, 1024)).ReadBytes(0)
	if err != nil {
		return "", fmt.Errorf("%w: reading the answer: %w", ErrUnavailable, err)
	}
	return string(bytes.TrimRight(raw, "\x00")), nil
}
