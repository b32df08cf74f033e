package bus

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"
)

// StartTest opens a Bus on an embedded server with JetStream in a temporary
// directory, and closes it when the test ends.
func StartTest(t testing.TB) *Bus {
	t.Helper()
	return StartTestIn(t, t.TempDir())
}

// StartTestIn is StartTest on a given data directory, so that a test can
// close the bus and open it again on the same data.
func StartTestIn(t testing.TB, dataDir string) *Bus {
	t.Helper()
	b, err := Open(context.Background(), Config{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// Connect opens another connection to the embedded server, which a test
// can close abruptly to play a process that dies.
func (b *Bus) Connect(t testing.TB) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect("", nats.InProcessServer(b.server))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}
