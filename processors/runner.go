// Package processors owns the JetStream consumers that act on submissions:
// a small runner, written once, and one processor per job. The routing
// processor (route.go), the shortest, is the one to copy for a new one:
// decode, check whether the effect already exists, act, then record the
// stage.
//
// Business layer (internal/test/layering); the wiring runs its consumers.
package processors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/internal/platform/requestid"
	"github.com/guichet/guichet/internal/platform/tracing"
)

// Handler processes one message. Returning nil acknowledges it; an error
// marked Permanent sends it to the dead letters at once; any other error
// retries it after a backoff, and sends it to the dead letters when its
// deliveries run out. A handler must be idempotent: JetStream may deliver a
// message again after a crash or a timeout.
type Handler func(ctx context.Context, msg jetstream.Msg) error

// BatchHandler processes messages together, in the stream's order. It
// returns, in the same order, each message's outcome as a Handler would;
// or a single error for the whole batch, which every message then gets.
type BatchHandler func(ctx context.Context, msgs []jetstream.Msg) ([]error, error)

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks an error that no retry can fix, such as a malformed message.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was marked Permanent, or says so itself
// with a Permanent method, for packages that do not import this one.
func IsPermanent(err error) bool {
	var p permanentError
	var says interface{ Permanent() bool }
	return errors.As(err, &p) || (errors.As(err, &says) && says.Permanent())
}

// Config tunes how a consumer retries.
type Config struct {
	// MaxDeliver is how many times a message is tried before it is dead-lettered.
	MaxDeliver int
	// AckWait is how long a delivery may take before JetStream redelivers it.
	AckWait time.Duration
	// Backoff is the delay before each retry: Backoff[i] after the (i+1)th
	// failure, the last one repeating.
	Backoff []time.Duration
	Logger  *slog.Logger
	// Observe, when set, is told how each handling went (Processed,
	// Retried or DeadLettered) and how long it took, by consumer.
	Observe func(consumer string, outcome Outcome, took time.Duration)
}

// Outcome is how the handling of a message ended.
type Outcome string

// Outcomes.
const (
	Processed    Outcome = "processed"
	Retried      Outcome = "retried"
	DeadLettered Outcome = "dead_lettered"
)

func (c *Config) setDefaults() {
	if c.MaxDeliver == 0 {
		c.MaxDeliver = 6
	}
	if c.AckWait == 0 {
		c.AckWait = time.Minute
	}
	if len(c.Backoff) == 0 {
		c.Backoff = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

func (c *Config) backoff(delivered uint64) time.Duration {
	i := int(delivered) - 1
	if i >= len(c.Backoff) {
		i = len(c.Backoff) - 1
	}
	return c.Backoff[max(i, 0)]
}

// Consumer names a durable consumer and the handler that serves it.
type Consumer struct {
	Stream         string
	Durable        string
	FilterSubjects []string
	Handler        Handler
	// Patient consumers wait out outages of what they call (a mail relay,
	// a webhook): they retry without limit, and only a Permanent error
	// sends a message to the dead letters.
	Patient bool
	// Ordered consumers handle one message at a time, in the stream's
	// order, a retried message holding back those after it.
	Ordered bool
	// Workers is how many messages are handled at once (one by default).
	// Only a consumer whose messages are independent of one another, each
	// about another submission, may have more.
	Workers int
	// Batch, instead of Handler, takes up to BatchSize messages at a time,
	// in the stream's order, on one node at a time: the one JetStream pins
	// in the consumer's priority group, Pinned; another node takes over
	// when it stops asking.
	Batch     BatchHandler
	BatchSize int
	Pinned    string
}

// handleOne has the consumer's handler, whichever kind, process msg alone.
func (c Consumer) handleOne(ctx context.Context, msg jetstream.Msg) error {
	if c.Batch == nil {
		return c.Handler(ctx, msg)
	}
	errs, err := c.Batch(ctx, []jetstream.Msg{msg})
	if err == nil && len(errs) == 1 {
		err = errs[0]
	}
	return err
}

// ioWorkers is the number of workers of a consumer that mostly waits for
// storage. Each waits for its writes to be synced to disk; the more wait at
// once, the more writes share each sync (see bus.Commit). Routing makes
// three writes one after the other, the PDF processor one after rendering:
// with 64 workers, routing could not keep up with intake, each write
// waiting for a batch of its stream, and PDFs were stored in smaller
// batches.
const ioWorkers = 256

// maxAckPending is how many messages may be in hand at once: one for an
// ordered consumer, a batch for a batch consumer, JetStream's default
// otherwise.
func maxAckPending(c Consumer) int {
	switch {
	case c.Ordered:
		return 1
	case c.Batch != nil:
		return c.BatchSize
	}
	return 0
}

// Running is a consumer being served.
type Running struct {
	// stop stops fetching and waits for the messages in hand.
	stop   func()
	cancel context.CancelFunc
	// inFlight counts the messages being handled by workers.
	inFlight sync.WaitGroup
}

// Run creates (or updates) the durable consumer and serves its messages
// until Stop. Several processes running the same consumer share its work.
func Run(ctx context.Context, js jetstream.JetStream, c Consumer, cfg Config) (*Running, error) {
	cfg.setDefaults()
	if c.Patient {
		cfg.MaxDeliver = -1 // JetStream's "no limit"
	}
	config := jetstream.ConsumerConfig{
		Durable:        c.Durable,
		FilterSubjects: c.FilterSubjects,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        cfg.AckWait,
		MaxDeliver:     cfg.MaxDeliver,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		MaxAckPending:  maxAckPending(c),
	}
	if c.Pinned != "" {
		config.PriorityPolicy, config.PriorityGroups, config.PinnedTTL = jetstream.PriorityPolicyPinned, []string{c.Pinned}, 10*time.Second
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, c.Stream, config)
	if err != nil {
		return nil, fmt.Errorf("processors: consumer %s: %w", c.Durable, err)
	}
	// Handlers get a context that outlives Stop's drain, so that in-flight
	// work finishes, and is cancelled only after it.
	handlerCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	log := cfg.Logger.With("consumer", c.Durable)
	r := &Running{cancel: cancel}
	if c.Batch != nil {
		r.stop = runBatches(handlerCtx, cons, c, &cfg, log)
		return r, nil
	}
	// Consume calls back one message at a time; with workers, the callback
	// hands each message to one of them, and waits while all are busy.
	var callback jetstream.MessageHandler = func(msg jetstream.Msg) { handle(handlerCtx, c.Durable, msg, c.Handler, &cfg, log) }
	if c.Workers > 1 {
		busy := make(chan struct{}, c.Workers)
		callback = func(msg jetstream.Msg) {
			busy <- struct{}{}
			r.inFlight.Go(func() {
				defer func() { <-busy }()
				handle(handlerCtx, c.Durable, msg, c.Handler, &cfg, log)
			})
		}
	}
	consume, err := cons.Consume(callback)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("processors: consume %s: %w", c.Durable, err)
	}
	r.stop = func() {
		consume.Drain()
		<-consume.Closed()
		r.inFlight.Wait()
	}
	return r, nil
}

func handle(ctx context.Context, consumer string, msg jetstream.Msg, h Handler, cfg *Config, log *slog.Logger) {
	md, err := msg.Metadata()
	if err != nil {
		log.Error("message without JetStream metadata", "subject", msg.Subject(), "error", err)
		_ = msg.Term()
		return
	}
	began := time.Now()
	// The request that published the message, and its trace, go on.
	ctx, end := tracing.Process(tracing.Extract(ctx, msg.Headers()), consumer, msg.Subject(), md.NumDelivered)
	err = h(ctx, msg)
	end(err)
	settle(ctx, consumer, msg, md, err, time.Since(began), cfg, log)
}

// runBatches serves a batch consumer until the returned function is
// called, which returns once the batch in hand is settled.
func runBatches(ctx context.Context, cons jetstream.Consumer, c Consumer, cfg *Config, log *slog.Logger) (stop func()) {
	loop, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for loop.Err() == nil {
			msgs, err := fetchBatch(cons, c.BatchSize, c.Pinned)
			if err != nil {
				log.Warn("fetch failed; will retry", "error", err)
				select {
				case <-loop.Done():
				case <-time.After(time.Second):
				}
				continue
			}
			if len(msgs) > 0 {
				handleBatch(ctx, c, msgs, cfg, log)
			}
		}
	}()
	return func() { cancel(); <-done }
}

// fetchBatch waits up to a second for a first message, then takes those
// that wait behind it, up to size.
func fetchBatch(cons jetstream.Consumer, size int, group string) ([]jetstream.Msg, error) {
	first, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second), jetstream.FetchPriorityGroup(group))
	if err != nil {
		return nil, err
	}
	var msgs []jetstream.Msg
	for msg := range first.Messages() {
		msgs = append(msgs, msg)
	}
	if len(msgs) == 0 || size <= 1 {
		return msgs, nil
	}
	rest, err := cons.Fetch(size-1, jetstream.FetchMaxWait(10*time.Millisecond), jetstream.FetchPriorityGroup(group))
	if err != nil {
		return msgs, nil
	}
	for msg := range rest.Messages() {
		msgs = append(msgs, msg)
	}
	return msgs, nil
}

// handleBatch has a batch handled, each message traced, then settles each
// as handle does one: acknowledged, retried or dead-lettered.
func handleBatch(ctx context.Context, c Consumer, msgs []jetstream.Msg, cfg *Config, log *slog.Logger) {
	began := time.Now()
	metas := make([]*jetstream.MsgMetadata, len(msgs))
	ends := make([]func(error), len(msgs))
	for i, msg := range msgs {
		md, err := msg.Metadata()
		if err != nil {
			log.Error("message without JetStream metadata", "subject", msg.Subject(), "error", err)
			_ = msg.Term()
			continue
		}
		metas[i] = md
		_, ends[i] = tracing.Process(tracing.Extract(ctx, msg.Headers()), c.Durable, msg.Subject(), md.NumDelivered)
	}
	errs, err := c.Batch(ctx, msgs)
	took := time.Since(began)
	for i, msg := range msgs {
		if metas[i] == nil {
			continue
		}
		msgErr := err
		if err == nil && i < len(errs) {
			msgErr = errs[i]
		}
		ends[i](msgErr)
		settle(ctx, c.Durable, msg, metas[i], msgErr, took, cfg, log)
	}
}

// settle ends the handling of msg, whose handler returned err: success
// acknowledges it, without waiting for the server's answer, so that a
// consumer that handles one message at a time takes the next at once (a
// lost acknowledgement brings the message again, which every handler
// takes as done); an error retries it after a backoff or, when permanent
// or out of deliveries, sends it to the dead letters.
func settle(
	ctx context.Context,
	consumer string,
	msg jetstream.Msg,
	md *jetstream.MsgMetadata,
	err error,
	took time.Duration,
	cfg *Config,
	log *slog.Logger,
) {
	attrs := []any{"subject", msg.Subject(), "sequence", md.Sequence.Stream, "delivery", md.NumDelivered}
	if id := requestid.From(ctx); id != "" {
		attrs = append(attrs, "request_id", id)
	}
	outcome := Processed
	switch {
	case err == nil:
		if ackErr := msg.Ack(); ackErr != nil {
			log.Warn("ack failed; the message will come again", append(attrs, "error", ackErr)...)
		} else if log.Enabled(ctx, slog.LevelDebug) {
			log.Debug("message processed", append(attrs, "took", took)...)
		}
	case IsPermanent(err) || (cfg.MaxDeliver > 0 && int(md.NumDelivered) >= cfg.MaxDeliver):
		// Terminating publishes an advisory that the DEADLETTER stream keeps,
		// with the reason; the message itself stays in its stream.
		outcome = DeadLettered
		log.Error("message dead-lettered", append(attrs, "error", err)...)
		_ = msg.TermWithReason(err.Error())
	default:
		outcome = Retried
		delay := cfg.backoff(md.NumDelivered)
		log.Warn("message failed; will retry", append(attrs, "error", err, "retry_in", delay)...)
		_ = msg.NakWithDelay(delay)
	}
	if cfg.Observe != nil {
		cfg.Observe(consumer, outcome, took)
	}
}

// Stop stops fetching, lets the messages in hand finish, and returns when
// they have.
func (r *Running) Stop() {
	r.stop()
	r.cancel()
}
