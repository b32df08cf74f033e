// Package groupcommit gathers the messages that callers publish at the same
// time to one JetStream stream into atomic batches, so that a server which
// syncs every write to disk does so once per batch rather than once per
// message.
//
// There is no waiting to fill a batch: while one batch is being committed,
// the messages that arrive meanwhile queue up and form the next one. A lone
// caller gets a plain publish. Each caller returns only once its message is
// stored, as with a plain publish.
//
// An atomic batch is refused as a whole when one of its messages is: a
// message id already stored, a key that already exists. The batch is then
// published again message by message, so that each caller gets its own
// answer and no message fails because of a neighbour.
package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"
)

// MaxBatch is the largest batch a Committer sends: the server refuses
// atomic batches of more than 1,000 messages by default.
const MaxBatch = 500

// Committer publishes to one stream, which must allow atomic publishing.
type Committer struct {
	js      jetstream.JetStream
	timeout time.Duration
	queue   chan *write
	stop    chan struct{}
	stopped sync.WaitGroup

	stats struct {
		sync.Mutex
		Stats
	}
}

// Stats counts what a Committer has sent.
type Stats struct {
	// Messages is the number of messages published, Batches the number of
	// atomic batches that carried Batched of them; each of the others was
	// published alone.
	Messages, Batches, Batched uint64
	// Refused is the number of batches the server refused as a whole and
	// that were published again message by message.
	Refused uint64
}

type write struct {
	ctx    context.Context
	msg    *nats.Msg
	result chan result
}

type result struct {
	ack *jetstream.PubAck
	err error
}

// New starts a Committer whose batches each wait at most timeout for the
// server.
func New(js jetstream.JetStream, timeout time.Duration) *Committer {
	c := &Committer{js: js, timeout: timeout, queue: make(chan *write, MaxBatch), stop: make(chan struct{})}
	c.stopped.Add(1)
	go c.run()
	return c
}

// Publish stores msg and returns the server's acknowledgement, like
// JetStream's PublishMsg, possibly as part of a batch.
func (c *Committer) Publish(ctx context.Context, msg *nats.Msg) (*jetstream.PubAck, error) {
	if msg.Header == nil {
		msg.Header = nats.Header{}
	}
	w := &write{ctx: ctx, msg: msg, result: make(chan result, 1)}
	select {
	case c.queue <- w:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.stop:
		return nil, nats.ErrConnectionClosed
	}
	select {
	case r := <-w.result:
		return r.ack, r.err
	case <-ctx.Done():
		// The message may still be stored: as with a publish that timed
		// out, the caller cannot tell.
		return nil, ctx.Err()
	}
}

// Stats returns the counts so far.
func (c *Committer) Stats() Stats {
	c.stats.Lock()
	defer c.stats.Unlock()
	return c.stats.Stats
}

func (c *Committer) count(messages, batches, refused uint64) {
	c.stats.Lock()
	defer c.stats.Unlock()
	c.stats.Messages += messages
	c.stats.Batches += batches
	c.stats.Refused += refused
	if batches > 0 {
		c.stats.Batched += messages
	}
}

// Close stops the Committer once the batch in flight is answered.
func (c *Committer) Close() {
	close(c.stop)
	c.stopped.Wait()
}

func (c *Committer) run() {
	defer c.stopped.Done()
	batch := make([]*write, 0, MaxBatch)
	for {
		select {
		case w := <-c.queue:
			batch = append(batch[:0], w)
		case <-c.stop:
			return
		}
	gather:
		for len(batch) < MaxBatch {
			select {
			case w := <-c.queue:
				batch = append(batch, w)
			default:
				break gather
			}
		}
		c.commit(batch)
	}
}

// commit publishes the writes whose callers still wait, as one batch if
// there are several.
func (c *Committer) commit(batch []*write) {
	waiting := batch[:0]
	for _, w := range batch {
		if err := w.ctx.Err(); err != nil {
			w.result <- result{err: err}
			continue
		}
		waiting = append(waiting, w)
	}
	switch len(waiting) {
	case 0:
		return
	case 1:
		c.publishEach(waiting)
		c.count(1, 0, 0)
		return
	}
	msgs := make([]*nats.Msg, len(waiting))
	for i, w := range waiting {
		msgs[i] = w.msg
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	ack, err := jetstreamext.PublishMsgBatch(ctx, c.js, msgs, jetstreamext.BatchFlowControl{AckTimeout: c.timeout})
	cancel()
	var refused *jetstream.APIError
	switch {
	case errors.As(err, &refused):
		// One message, or the batch itself, was refused: nothing of it
		// was stored, and each message gets its own answer.
		for _, m := range msgs {
			stripBatchHeaders(m)
		}
		c.publishEach(waiting)
		c.count(uint64(len(waiting)), 0, 1)
	case err != nil:
		for _, w := range waiting {
			w.result <- result{err: fmt.Errorf("groupcommit: batch of %d: %w", len(waiting), err)}
		}
	default:
		c.count(uint64(len(waiting)), 1, 0)
		first := ack.Sequence - uint64(len(waiting)) + 1
		for i, w := range waiting {
			w.result <- result{ack: &jetstream.PubAck{Stream: ack.Stream, Sequence: first + uint64(i), Domain: ack.Domain}}
		}
	}
}

// publishEach publishes the writes one by one, all at once.
func (c *Committer) publishEach(writes []*write) {
	var wg sync.WaitGroup
	for _, w := range writes {
		wg.Go(func() {
			ack, err := c.js.PublishMsg(w.ctx, w.msg)
			w.result <- result{ack: ack, err: err}
		})
	}
	wg.Wait()
}

func stripBatchHeaders(m *nats.Msg) {
	for _, h := range []string{jetstreamext.BatchIDHeader, jetstreamext.BatchSeqHeader, jetstreamext.BatchCommitHeader} {
		m.Header.Del(h)
	}
}
