// Package bus owns Guichet's connection to NATS and its names: it starts
// the embedded server or connects to a cluster, creates the streams and
// the object store that every stage shares, and creates the key-value
// buckets that their packages declare (DeclareBucket). Every stream,
// bucket, subject and key is named in names.go; a test
// (internal/test/layering) fails on one built elsewhere.
//
// Storage layer (internal/test/layering): it imports foundation packages only.
package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gofrs/flock"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/internal/platform/groupcommit"
)

// Config says where NATS is.
type Config struct {
	// DataDir holds the embedded server's JetStream file store.
	DataDir string
	// URL, when set, connects to an existing NATS cluster instead of
	// starting an embedded server.
	URL string
	// Credentials is a .creds file (a user JWT and its NKey seed) for URL,
	// as the nats CLI and nsc write them.
	Credentials string
	// NKeySeed is a file holding a user's NKey seed, for servers that
	// authenticate by NKey without JWTs.
	NKeySeed string
	// Listen, when set, opens a client listener (host:port) on the embedded
	// server so that the nats CLI can inspect it.
	Listen string
	// MaxStore bounds the embedded server's file store in bytes, so that
	// a full store refuses writes, and accepts them again once space is
	// freed, long before the disk itself fills. Zero leaves the server's
	// default: three quarters of the disk space free at start.
	MaxStore int64
	// Replicas is the replication of streams, buckets and the object store (1 or 3).
	Replicas int
	// Logger receives the connection's notable events.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.DataDir == "" {
		c.DataDir = "./data"
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Bus is an open, provisioned connection to NATS with JetStream.
type Bus struct {
	Conn *nats.Conn
	JS   jetstream.JetStream

	server     *server.Server
	lock       *flock.Flock
	committers map[string]*groupcommit.Committer
	// batches counts PublishBatch's batches by stream (see Batches).
	batches struct {
		sync.Mutex
		by map[string]BatchStats
	}
	closed    chan struct{}
	closeOnce sync.Once

	// writable remembers the last answer of Writable, until a time.
	writable struct {
		sync.Mutex
		until time.Time
		err   error
	}
}

// Open starts the embedded server (or connects to cfg.URL) and makes sure
// every stream, bucket and object store exists.
func Open(ctx context.Context, cfg Config) (*Bus, error) {
	cfg.setDefaults()
	if cfg.Replicas != 1 && cfg.Replicas != 3 {
		return nil, fmt.Errorf("bus: replicas must be 1 or 3, not %d", cfg.Replicas)
	}
	b := &Bus{closed: make(chan struct{})}
	b.batches.by = map[string]BatchStats{}
	connOpts := []nats.Option{
		nats.Name("guichet"),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }),
	}
	var err error
	if cfg.URL != "" {
		var auth []nats.Option
		if auth, err = authOptions(cfg); err != nil {
			return nil, err
		}
		// Reconnect without end: the cluster's other nodes take over.
		b.Conn, err = nats.Connect(cfg.URL, slices.Concat(connOpts, auth, []nats.Option{nats.MaxReconnects(-1)})...)
	} else {
		b.lock, err = lockDataDir(cfg.DataDir)
		if err == nil {
			b.server, err = startEmbedded(cfg)
		}
		if err == nil {
			b.Conn, err = nats.Connect("", append(connOpts, nats.InProcessServer(b.server))...)
		}
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("bus: connect: %w", err)
	}
	b.JS, err = jetstream.New(b.Conn)
	if err == nil {
		err = provisionWhenPlaced(ctx, b.JS, cfg)
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("bus: provision: %w", err)
	}
	b.startCommitters()
	cfg.Logger.Info("nats ready", "embedded", b.server != nil, "replicas", cfg.Replicas)
	return b, nil
}

// authOptions are the connection options of the credentials cfg names.
func authOptions(cfg Config) ([]nats.Option, error) {
	var opts []nats.Option
	if cfg.Credentials != "" {
		if _, err := os.Stat(cfg.Credentials); err != nil {
			return nil, fmt.Errorf("bus: credentials file: %w", err)
		}
		opts = append(opts, nats.UserCredentials(cfg.Credentials))
	}
	if cfg.NKeySeed != "" {
		opt, err := nats.NkeyOptionFromSeed(cfg.NKeySeed)
		if err != nil {
			return nil, fmt.Errorf("bus: nkey seed file: %w", err)
		}
		opts = append(opts, opt)
	}
	return opts, nil
}

// ErrDataDirInUse means another process has the data directory open: two
// embedded servers on one store would corrupt it.
var ErrDataDirInUse = errors.New("the data directory is already open in another Guichet process: stop it first, or go through its API")

// lockDataDir takes the data directory for this process, creating it if
// needed. The lock goes with the process, even killed.
func lockDataDir(dir string) (*flock.Flock, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	lock := flock.New(filepath.Join(dir, "guichet.lock"))
	locked, err := lock.TryLock()
	if err != nil {
		return nil, err
	}
	if !locked {
		return nil, fmt.Errorf("%s: %w", dir, ErrDataDirInUse)
	}
	return lock, nil
}

func startEmbedded(cfg Config) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "guichet",
		JetStream:  true,
		StoreDir:   filepath.Join(cfg.DataDir, "jetstream"),
		// An acknowledged submission must survive power loss.
		SyncAlways:        true,
		JetStreamMaxStore: cfg.MaxStore,
		DontListen:        cfg.Listen == "",
		NoSigs:            true,
		NoLog:             true,
	}
	if cfg.Listen != "" {
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("nats listen address %q: %w", cfg.Listen, err)
		}
		opts.Host = host
		if opts.Port, err = strconv.Atoi(port); err != nil {
			return nil, fmt.Errorf("nats listen port %q: %w", port, err)
		}
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, err
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("embedded nats server did not start")
	}
	return ns, nil
}

// placementWait bounds how long start-up waits for a cluster that cannot
// place a stream: a rolling restart takes a peer away for seconds.
const placementWait = 2 * time.Minute

// provisionWhenPlaced provisions, and provisions again while the cluster
// refuses for want of a peer: during a rolling restart, creating or updating
// a replicated stream is refused until the restarting peer is back.
func provisionWhenPlaced(ctx context.Context, js jetstream.JetStream, cfg Config) error {
	deadline := time.Now().Add(placementWait)
	for {
		err := provision(ctx, js, cfg.Replicas)
		if err == nil || !placementRefused(err) || time.Now().After(deadline) {
			return err
		}
		cfg.Logger.Warn("nats cannot place a stream yet, retrying", "error", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
}

// placementRefused reports whether err is the cluster refusing to place a
// stream because a peer is away, or being unavailable for now.
func placementRefused(err error) bool {
	var apiErr *jetstream.APIError
	return IsUnavailable(err) || errors.As(err, &apiErr) && apiErr.ErrorCode == jsErrCodeNoPeers
}

// jsErrCodeNoPeers is nats-server's "no suitable peers for placement",
// which nats.go does not name.
const jsErrCodeNoPeers jetstream.ErrorCode = 10005

func provision(ctx context.Context, js jetstream.JetStream, replicas int) error {
	streams := []jetstream.StreamConfig{
		{
			Name:        StreamSubmissions,
			Description: "Accepted submissions, one message each: the record of truth.",
			Subjects:    []string{SubmissionSubjects, IdempotencySubjects},
			Duplicates:  DuplicateWindow,
			// Intake commits concurrent submissions in atomic batches.
			AllowAtomicPublish: true,
		},
		{
			Name:        StreamEvents,
			Description: "Status changes of submissions, append-only.",
			Subjects:    []string{EventSubjects},
			Duplicates:  DuplicateWindow,
			// Processors commit concurrent status changes in atomic batches.
			AllowAtomicPublish: true,
		},
		{
			Name:        StreamAudit,
			Description: "Security events: logins, sessions, tokens, accounts.",
			Subjects:    []string{AuditSubjects},
		},
		{
			Name:        StreamDeadLetter,
			Description: "Advisories of messages that processors gave up on.",
			Subjects:    DeadLetterSubjects,
		},
	}
	for _, sc := range streams {
		sc.Storage = jetstream.FileStorage
		sc.Replicas = replicas
		// Read by sequence and by subject without the JSON API on a single
		// node; on a cluster, from the leader (see tuneStream).
		sc.AllowDirect = replicas == 1
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("stream %s: %w", sc.Name, err)
		}
	}
	for _, kc := range declaredBuckets() {
		kc.Storage = jetstream.FileStorage
		kc.Replicas = replicas
		if _, err := js.CreateOrUpdateKeyValue(ctx, kc); err != nil {
			return fmt.Errorf("bucket %s: %w", kc.Bucket, err)
		}
		if err := tuneStream(ctx, js, BucketStream(kc.Bucket), replicas, slices.Contains(batched, BucketStream(kc.Bucket))); err != nil {
			return fmt.Errorf("bucket %s: %w", kc.Bucket, err)
		}
	}
	_, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      ObjectStoreDocuments,
		Description: "PDF records and attachments.",
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
	})
	if err == nil {
		// Processors store the PDFs they make in atomic batches.
		err = tuneStream(ctx, js, DocumentsStream, replicas, true)
	}
	if err != nil {
		return fmt.Errorf("object store %s: %w", ObjectStoreDocuments, err)
	}
	return nil
}

// tuneStream adjusts the stream under a bucket or the object store.
//
// On a cluster, it turns off direct reads. Buckets allow them by default,
// and on a cluster any replica answers them, even one that has not applied
// the latest write yet. Guichet reads what it has just written (a form's
// draft before publishing it, the current revision before a
// compare-and-set), so its buckets are read from their leader.
//
// With atomic, it allows the atomic batches of group commit.
func tuneStream(ctx context.Context, js jetstream.JetStream, streamName string, replicas int, atomic bool) error {
	stream, err := js.Stream(ctx, streamName)
	if err != nil {
		return err
	}
	cfg := stream.CachedInfo().Config
	want := cfg
	want.AllowDirect = cfg.AllowDirect && replicas == 1
	want.AllowAtomicPublish = atomic
	if want.AllowDirect == cfg.AllowDirect && want.AllowAtomicPublish == cfg.AllowAtomicPublish {
		return nil
	}
	_, err = js.UpdateStream(ctx, want)
	return err
}

// KV opens a bucket that Open provisioned.
func (b *Bus) KV(ctx context.Context, bucket string) (jetstream.KeyValue, error) {
	return b.JS.KeyValue(ctx, bucket)
}

// Documents opens the object store that holds PDFs and attachments.
func (b *Bus) Documents(ctx context.Context) (jetstream.ObjectStore, error) {
	return b.JS.ObjectStore(ctx, ObjectStoreDocuments)
}

// Ready reports whether NATS is connected and the submissions stream answers.
func (b *Bus) Ready(ctx context.Context) error {
	if !b.Conn.IsConnected() {
		return errors.New("nats not connected")
	}
	_, err := b.JS.Stream(ctx, StreamSubmissions)
	return err
}

// Writable reports whether JetStream can take writes: its meta leader
// answers, which it does only with a quorum. It asks at most once a
// second, and waits a second at most, so that when the cluster has lost
// its quorum every caller learns it at once instead of waiting for its
// own write to time out.
//
// A node that has just lost its quorum may still answer for a few
// seconds; the callers' writes then time out, and WriteFailed tells.
func (b *Bus) Writable(ctx context.Context) error {
	b.writable.Lock()
	defer b.writable.Unlock()
	if time.Now().Before(b.writable.until) {
		return b.writable.err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := b.JS.AccountInfo(ctx)
	b.writable.until, b.writable.err = time.Now().Add(time.Second), err
	return err
}

// unwritableFor is how long Writable answers no after a write timed out,
// before it asks the server again: short, since a stream that elected a
// new leader takes writes again at once.
const unwritableFor = 2 * time.Second

// WriteFailed tells of a write that failed. One that timed out means that
// NATS cannot take writes now: Writable answers no for a few seconds, so
// that the next callers get their answer at once instead of waiting in
// turn. Other failures (a full store, a refused write) say nothing of
// the next writes.
func (b *Bus) WriteFailed(err error) {
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, nats.ErrTimeout) {
		return
	}
	b.writable.Lock()
	defer b.writable.Unlock()
	b.writable.until, b.writable.err = time.Now().Add(unwritableFor), err
}

// Close drains the connection and stops the embedded server, if any. It is
// safe to call more than once.
func (b *Bus) Close() {
	b.closeOnce.Do(func() {
		b.stopCommitters()
		if b.Conn != nil {
			if err := b.Conn.Drain(); err == nil {
				<-b.closed
			}
			b.Conn.Close()
		}
		if b.server != nil {
			b.server.Shutdown()
			b.server.WaitForShutdown()
		}
		if b.lock != nil {
			_ = b.lock.Unlock()
		}
	})
}

// GetJSON reads the JSON value of a key and its revision; a missing or
// invalid key gives missing.
func GetJSON[T any](ctx context.Context, kv jetstream.KeyValue, key string, missing error) (T, uint64, error) {
	var v T
	entry, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return v, 0, missing
	}
	if err != nil {
		return v, 0, err
	}
	return v, entry.Revision(), json.Unmarshal(entry.Value(), &v)
}

// IsUnavailable reports an error that says NATS could not answer this
// time (no connection, no quorum, a stream electing its leader, a full
// store) rather than that the request was wrong: the caller may try again.
func IsUnavailable(err error) bool {
	var apiErr *jetstream.APIError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout), errors.Is(err, nats.ErrNoResponders),
		errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrConnectionReconnecting), errors.Is(err, nats.ErrConnectionDraining),
		errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, jetstream.ErrServerShutdown):
		return true
	case errors.As(err, &apiErr):
		return apiErr.Code == 503
	}
	return false
}
