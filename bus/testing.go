package bus

import (
	"context"
	"testing"
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
