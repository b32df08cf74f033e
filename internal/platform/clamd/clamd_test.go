package clamd_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/guichet/guichet/internal/platform/clamd"
	"github.com/guichet/guichet/internal/test/clamdtest"
)

// A real clamd finds EICAR, passes a clean file, including one of many
// chunks, and while it is down no verdict is given: the scan fails.
func TestScanWithARealDaemon(t *testing.T) {
	daemon := clamdtest.Start(t)
	client := clamd.New(daemon.Addr)
	ctx := t.Context()
	if err := client.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	v, err := client.Scan(ctx, strings.NewReader(clamdtest.EICAR))
	if err != nil || !v.Infected || v.Signature != clamdtest.Signature {
		t.Errorf("EICAR: %+v, %v", v, err)
	}
	large := io.MultiReader(bytes.NewReader(bytes.Repeat([]byte("Guichet "), 5<<20)), strings.NewReader("fin"))
	if v, err := client.Scan(ctx, large); err != nil || v.Infected {
		t.Errorf("a clean file of 40 MB: %+v, %v", v, err)
	}
	daemon.Stop()
	if v, err := client.Scan(ctx, strings.NewReader(clamdtest.EICAR)); !errors.Is(err, clamd.ErrUnavailable) || v.Infected {
		t.Errorf("daemon down: %+v, %v", v, err)
	}
	if err := client.Ping(ctx); !errors.Is(err, clamd.ErrUnavailable) {
		t.Errorf("ping with the daemon down: %v", err)
	}
	daemon.Restart()
	if v, err := client.Scan(ctx, strings.NewReader(clamdtest.EICAR)); err != nil || !v.Infected {
		t.Errorf("after the restart: %+v, %v", v, err)
	}
}
