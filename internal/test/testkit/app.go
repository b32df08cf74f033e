package testkit

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/processors"
)

// StartApp starts Guichet in-process as the command does, on a real
// listener, with quick processor retries, and stops it when the test ends.
// It returns the app and its base URL.
func StartApp(t testing.TB, cfg app.Config) (*app.App, string) {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if len(cfg.Processing.Backoff) == 0 {
		cfg.Processing = processors.Config{Backoff: []time.Duration{20 * time.Millisecond}}
	}
	a, err := app.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = a.Shutdown(context.Background())
		t.Fatal(err)
	}
	a.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = a.Shutdown(ctx)
	})
	return a, "http://" + ln.Addr().String()
}
