package bus

import (
	"context"
	"errors"
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
	defer func() { _ = lock.Unlock() }() // the lock goes with the process anyway
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
		return info, fmt.Errorf("JetStream: %w", err)
	}
	return *account, nil
}

// ServeAlone runs the embedded server on cfg.DataDir with a listener on
// cfg.Listen, and creates nothing in it: for maintenance with the nats
// CLI, such as restoring a backup into an empty data directory. It
// returns the function that stops it.
func ServeAlone(cfg Config) (stop func(), err error) {
	cfg.setDefaults()
	if cfg.Listen == "" {
		return nil, errors.New("bus: ServeAlone needs a listen address")
	}
	lock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	ns, err := startEmbedded(cfg)
	if err != nil {
		_ = lock.Unlock()
		return nil, err
	}
	return func() {
		ns.Shutdown()
		ns.WaitForShutdown()
		_ = lock.Unlock()
	}, nil
}
