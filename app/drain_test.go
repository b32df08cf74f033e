package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
)

// On shutdown, /readyz answers 503 during the drain delay while requests
// are still served, so that a load balancer stops sending before the
// listener closes.
func TestShutdownDrainsBeforeClosing(t *testing.T) {
	in := startWith(t, app.Config{DataDir: t.TempDir(), DrainDelay: 700 * time.Millisecond})
	in.Must(200, "GET", "/readyz", "", "")
	done := make(chan error, 1)
	go func() { done <- in.app.Shutdown(context.Background()) }()
	deadline := time.Now().Add(500 * time.Millisecond)
	for in.Do("GET", "/readyz", "", "").Status != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("/readyz never went to 503")
		}
		time.Sleep(10 * time.Millisecond)
	}
	in.Must(200, "GET", "/api/forms", "", "") // still served while draining
	select {
	case err := <-done:
		t.Fatalf("shut down before the drain delay: %v", err)
	default:
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(in.URL + "/healthz"); err == nil {
		t.Error("still answering after shutdown")
	}
}
