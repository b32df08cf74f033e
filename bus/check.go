package bus

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// CheckDataDir tells whether the embedded server could start on dir: it
// can be created and written, and no other process has it open.
func CheckDataDir(dir string) error {
	lock, err := lockDataDir(dir)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	probe, err := os.CreateTemp(dir, ".check-*")
	if err != nil {
		return err
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// CheckCluster connects to cfg.URL with cfg's credentials, asks JetStream
// for the account's limits, and disconnects.
func CheckCluster(ctx context.Context, cfg Config) (jetstream.AccountInfo, error) {
	var info jetstream.AccountInfo
	auth, err := authOptions(cfg)
	if err != nil {
		return info, err
	}
	nc, err := nats.Connect(cfg.URL, append(auth, nats.Name("guichet config check"), nats.Timeout(5*time.Second))...)
	if err != nil {
		return info, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return info, err
	}
	account, err := js.AccountInfo(ctx)
	if err != nil {
		return info, fmt.Errorf("JetStream : %w", err)
	}
	return *account, nil
}
