package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/guichet/guichet/app"
)

// startServer starts a NATS server with JetStream and a listener, as an
// existing cluster would be.
func startServer(t *testing.T, opts *server.Options) *server.Server {
	t.Helper()
	opts.Host, opts.Port, opts.JetStream, opts.StoreDir, opts.NoLog, opts.NoSigs = "127.0.0.1", -1, true, t.TempDir(), true, true
	ns, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	return ns
}

func writeFile(t *testing.T, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// GUICHET_NATS_NKEY: a server that authenticates users by NKey lets in
// the holder of the seed, and nobody without it.
func TestNATSWithNKey(t *testing.T) {
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	public, _ := user.PublicKey()
	seed, _ := user.Seed()
	ns := startServer(t, &server.Options{Nkeys: []*server.NkeyUser{{Nkey: public}}})

	_, err = app.Start(context.Background(), app.Config{NATSURL: ns.ClientURL()})
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "authorization") {
		t.Fatalf("without the seed: %v, want an authorization error", err)
	}
	g := startWith(t, app.Config{NATSURL: ns.ClientURL(), NATSNKeySeed: writeFile(t, "guichet.nk", seed), Demo: true})
	receipt := g.must(201, "POST", "/api/forms/subvention-association/submissions", "", association)
	g.waitProcessed(receipt["reference"].(string), receipt["token"].(string))
}

// GUICHET_NATS_CREDS: in operator mode (JWTs, as nsc sets up a
// production cluster), a .creds file lets Guichet in with JetStream.
func TestNATSWithCredentials(t *testing.T) {
	operator, _ := nkeys.CreateOperator()
	operatorPublic, _ := operator.PublicKey()
	operatorClaims := jwt.NewOperatorClaims(operatorPublic)
	if _, err := operatorClaims.Encode(operator); err != nil {
		t.Fatal(err)
	}
	resolver := &server.MemAccResolver{}
	account := func(withJetStream bool) (nkeys.KeyPair, string) {
		kp, _ := nkeys.CreateAccount()
		public, _ := kp.PublicKey()
		claims := jwt.NewAccountClaims(public)
		if withJetStream {
			claims.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
		}
		token, err := claims.Encode(operator)
		if err != nil {
			t.Fatal(err)
		}
		if err := resolver.Store(public, token); err != nil {
			t.Fatal(err)
		}
		return kp, public
	}
	_, system := account(false)
	councilAccount, _ := account(true)

	user, _ := nkeys.CreateUser()
	userPublic, _ := user.PublicKey()
	userClaims := jwt.NewUserClaims(userPublic)
	userJWT, err := userClaims.Encode(councilAccount)
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := user.Seed()
	creds, err := jwt.FormatUserConfig(userJWT, seed)
	if err != nil {
		t.Fatal(err)
	}
	ns := startServer(t, &server.Options{
		TrustedOperators: []*jwt.OperatorClaims{operatorClaims},
		AccountResolver:  resolver,
		SystemAccount:    system,
	})

	if _, err := app.Start(context.Background(), app.Config{NATSURL: ns.ClientURL()}); err == nil {
		t.Fatal("connected without credentials")
	}
	g := startWith(t, app.Config{NATSURL: ns.ClientURL(), NATSCredentials: writeFile(t, "guichet.creds", creds), Demo: true})
	receipt := g.must(201, "POST", "/api/forms/subvention-association/submissions", "", association)
	g.waitProcessed(receipt["reference"].(string), receipt["token"].(string))
}
