// Package groupcommit gathers the messages that callers publish at the same
// time to one JetStream stream into atomic batches, so that a server which
// syncs every write to disk does so once per batch rather than once per
// message.
//
// There is no waiting to fill a batch: while one batch is being committed,
// the messages that arrive meanwhile queue up and form the next one. A lone
// caller gets a plain publish. Each caller returns only once its message is
// stored, as with a plain publish. A caller may also hand in several
// messages that must be stored together (an object's chunks and its
// description): they go into one batch, all or none.
//
// An atomic batch is refused as a whole when one of its messages is: a
// message id already stored, a key that already exists. Its halves are
// then published again, and theirs, down to the caller refused, so that
// each caller gets its own answer and no message fails because of a
// neighbour.
//
// Foundation layer (internal/test/layering).
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

// MaxBatchBytes bounds the data of a batch, which the server holds in
// memory until its last message: a batch of large messages (PDFs) stops
// early. A single caller's messages may go past it.
const MaxBatchBytes = 8 << 20

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
	// Refused is the number of batches the server refused as a whole,
	// whose halves were then published again.
	Refused uint64
}

// write is one caller's messages, stored together.
type write struct {
	ctx    context.Context
	msgs   []*nats.Msg
	result chan result
}

// size is the data a write adds to a batch.
func (w *write) size() int {
	n := 0
	for _, m := range w.msgs {
		n += len(m.Data)
	}
	return n
}

type result struct {
	acks []*jetstream.PubAck
	err  error
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
	acks, err := c.PublishTogether(ctx, msg)
	if err != nil {
		return nil, err
	}
	return acks[0], nil
}

// PublishTogether stores msgs all in one atomic batch, or none of them,
// and returns the server's acknowledgement of each. They may share the
// batch with other callers' messages; at most MaxBatch of them.
func (c *Committer) PublishTogether(ctx context.Context, msgs ...*nats.Msg) ([]*jetstream.PubAck, error) {
	if len(msgs) == 0 || len(msgs) > MaxBatch {
		return nil, fmt.Errorf("groupcommit: %d messages to store together, want 1 to %d", len(msgs), MaxBatch)
	}
	for _, msg := range msgs {
		if msg.Header == nil {
			msg.Header = nats.Header{}
		}
	}
	w := &write{ctx: ctx, msgs: msgs, result: make(chan result, 1)}
	select {
	case c.queue <- w:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.stop:
		return nil, nats.ErrConnectionClosed
	}
	select {
	case r := <-w.result:
		return r.acks, r.err
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
	// next is a write that did not fit in the last batch: it opens the next.
	var next *write
	for {
		if next == nil {
			select {
			case next = <-c.queue:
			case <-c.stop:
				return
			}
		}
		batch = append(batch[:0], next)
		messages, bytes := len(next.msgs), next.size()
		next = nil
	gather:
		for messages < MaxBatch && bytes < MaxBatchBytes {
			select {
			case w := <-c.queue:
				if messages+len(w.msgs) > MaxBatch || bytes+w.size() > MaxBatchBytes {
					next = w
					break gather
				}
				batch = append(batch, w)
				messages, bytes = messages+len(w.msgs), bytes+w.size()
			default:
				break gather
			}
		}
		c.commit(batch)
	}
}

// commit publishes the writes whose callers still wait, as one batch if
// there are several messages.
func (c *Committer) commit(batch []*write) {
	waiting := batch[:0]
	for _, w := range batch {
		if err := w.ctx.Err(); err != nil {
			w.result <- result{err: err}
			continue
		}
		waiting = append(waiting, w)
	}
	if len(waiting) > 0 {
		c.store(waiting)
	}
}

// store publishes writes as one atomic batch, or a lone message as a
// plain publish. A batch the server refuses as a whole, for one of its
// messages (a message id already stored, a key that exists), is split in
// two and each half stored the same way: the refused write gets its own
// answer, and its neighbours are stored in a few batches rather than each
// with a disk sync of its own.
func (c *Committer) store(writes []*write) {
	var msgs []*nats.Msg
	for _, w := range writes {
		msgs = append(msgs, w.msgs...)
	}
	if len(msgs) == 1 {
		ack, err := c.js.PublishMsg(writes[0].ctx, msgs[0])
		c.count(1, 0, 0)
		writes[0].result <- result{acks: []*jetstream.PubAck{ack}, err: err}
		return
	}
	ack, err := c.publishBatch(msgs)
	var refused *jetstream.APIError
	switch {
	case errors.As(err, &refused) && len(writes) > 1:
		c.count(0, 0, 1)
		for _, m := range msgs {
			stripBatchHeaders(m)
		}
		half := len(writes) / 2
		var wg sync.WaitGroup
		wg.Go(func() { c.store(writes[:half]) })
		c.store(writes[half:])
		wg.Wait()
	case err != nil:
		for _, w := range writes {
			w.result <- result{err: fmt.Errorf("groupcommit: batch of %d: %w", len(msgs), err)}
		}
	default:
		c.count(uint64(len(msgs)), 1, 0)
		acks := batchAcks(ack, len(msgs))
		for _, w := range writes {
			w.result <- result{acks: acks[:len(w.msgs):len(w.msgs)]}
			acks = acks[len(w.msgs):]
		}
	}
}

// publishBatch stores msgs as one atomic batch.
func (c *Committer) publishBatch(msgs []*nats.Msg) (*jetstreamext.BatchAck, error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	return jetstreamext.PublishMsgBatch(ctx, c.js, msgs, jetstreamext.BatchFlowControl{AckTimeout: c.timeout})
}

// batchAcks are the acknowledgements of each of the n messages of a
// batch, in order: the batch's acknowledgement is its last one's.
func batchAcks(ack *jetstreamext.BatchAck, n int) []*jetstream.PubAck {
	acks := make([]*jetstream.PubAck, n)
	for i := range acks {
		acks[i] = &jetstream.PubAck{Stream: ack.Stream, Sequence: ack.Sequence - uint64(n-1-i), Domain: ack.Domain}
	}
	return acks
}

func stripBatchHeaders(m *nats.Msg) {
	for _, h := range []string{jetstreamext.BatchIDHeader, jetstreamext.BatchSeqHeader, jetstreamext.BatchCommitHeader} {
		m.Header.Del(h)
	}
}
