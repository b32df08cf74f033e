package app_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
)

// A client that sends its headers or its body too slowly is cut off, so
// that slow clients cannot hold the server's connections (slowloris); the
// submission it never finished is not stored.
func TestSlowClientsAreCutOff(t *testing.T) {
	in := startWith(t, app.Config{
		DataDir:           t.TempDir(),
		Demo:              true,
		ReadHeaderTimeout: 300 * time.Millisecond,
		ReadTimeout:       600 * time.Millisecond,
	})
	addr := strings.TrimPrefix(in.URL, "http://")
	dial := func() net.Conn {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		// Far longer than the server's limits: a hanging server fails here.
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		return conn
	}

	headers := dial()
	const post = "POST /api/forms/subvention-association/submissions HTTP/1.1\r\nHost: guichet\r\nContent-Type: application/json\r\n"
	if _, err := io.WriteString(headers, post); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // never ends its headers
	if _, err := headers.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Errorf("slow headers: the connection is still open (%v)", err)
	}

	body := dial()
	if _, err := io.WriteString(body, post+"Content-Length: 4000\r\n\r\n"+association[:40]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(body), nil)
	if err != nil {
		t.Fatalf("slow body: no answer (%v)", err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(answer), "trop lentement") {
		t.Errorf("slow body: %s %s", resp.Status, answer)
	}
	if n := in.streamMessages("SUBMISSIONS"); n != 0 {
		t.Errorf("%d submissions stored from unfinished requests", n)
	}
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}
