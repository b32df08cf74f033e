package bus

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/synadia-io/orbit.go/jetstreamext"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/groupcommit"
)

// BucketStream is the name of the stream that holds a key-value bucket.
func BucketStream(bucket string) string { return "KV_" + bucket }

// groupCommitted are the streams written on every submission, by intake
// and by the processors, whose writes are gathered into atomic batches: one
// disk sync for many submissions.
var groupCommitted = []string{StreamSubmissions, StreamEvents,
	BucketStream(BucketStatus), BucketStream(BucketIdempotency), BucketStream(BucketInbox)}

// batched are the streams that take atomic batches: the group-committed
// ones, and the receipts, which the receipt processor stores many at a
// time.
var batched = append(slices.Clone(groupCommitted), BucketStream(BucketReceipts))

// PublishBatch stores msgs, all on one of the batched streams, all at
// once or not at all, with one disk sync.
func (b *Bus) PublishBatch(ctx context.Context, msgs []*nats.Msg) error {
	ack, err := jetstreamext.PublishMsgBatch(ctx, b.JS, msgs)
	if err == nil {
		b.batches.Lock()
		stats := b.batches.by[ack.Stream]
		stats.Batches++
		stats.Messages += uint64(len(msgs))
		b.batches.by[ack.Stream] = stats
		b.batches.Unlock()
	}
	return err
}

// BatchStats counts the atomic batches this process wrote a stream with:
// Batches of them, one disk sync each, carrying Messages.
type BatchStats struct{ Messages, Batches uint64 }

// Batches counts, by stream, the atomic batches this process has written
// so far, by group commit and by PublishBatch. Every other message written
// to a stream took a disk sync of its own.
func (b *Bus) Batches() map[string]BatchStats {
	b.batches.Lock()
	out := maps.Clone(b.batches.by)
	b.batches.Unlock()
	for stream, c := range b.committers {
		s := c.Stats()
		total := out[stream]
		total.Batches += s.Batches
		total.Messages += s.Batched
		out[stream] = total
	}
	return out
}

// Commit stores msg on stream, one of the streams written on every
// submission, as part of a batch when others are being written at the same
// time. It returns once the message is stored.
func (b *Bus) Commit(ctx context.Context, stream string, msg *nats.Msg) (*jetstream.PubAck, error) {
	return b.committers[stream].Publish(ctx, msg)
}

// CreateKey stores value under key in bucket, one of the group-committed
// buckets, like KeyValue.Create: it fails with jetstream.ErrKeyExists if
// the key has a value already.
func (b *Bus) CreateKey(ctx context.Context, kv jetstream.KeyValue, key string, value []byte) (uint64, error) {
	revision, err := b.UpdateKey(ctx, kv, key, value, 0)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		// The key has a message: a value, or the marker of a deleted
		// value, over which KeyValue.Create may still write.
		return kv.Create(ctx, key, value)
	}
	return revision, err
}

// UpdateKey stores value under key in bucket, one of the group-committed
// buckets, like KeyValue.Update: it fails with
// jetstream.ErrKeyRevisionMismatch unless the key's last revision is
// revision (0 for a key never written).
func (b *Bus) UpdateKey(ctx context.Context, kv jetstream.KeyValue, key string, value []byte, revision uint64) (uint64, error) {
	msg := keyMsg(kv, key, value)
	msg.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(revision, 10))
	ack, err := b.Commit(ctx, BucketStream(kv.Bucket()), msg)
	if apiErr := (*jetstream.APIError)(nil); errors.As(err, &apiErr) &&
		(apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) {
		return 0, jetstream.ErrKeyRevisionMismatch
	}
	if err != nil {
		return 0, err
	}
	return ack.Sequence, nil
}

// PutKey stores value under key in bucket, one of the group-committed
// buckets, like KeyValue.Put.
func (b *Bus) PutKey(ctx context.Context, kv jetstream.KeyValue, key string, value []byte) (uint64, error) {
	ack, err := b.Commit(ctx, BucketStream(kv.Bucket()), keyMsg(kv, key, value))
	if err != nil {
		return 0, err
	}
	return ack.Sequence, nil
}

// keyMsg is the message that stores value under key in kv.
func keyMsg(kv jetstream.KeyValue, key string, value []byte) *nats.Msg {
	return &nats.Msg{Subject: "$KV." + kv.Bucket() + "." + key, Data: value, Header: nats.Header{}}
}

func (b *Bus) startCommitters() {
	b.committers = make(map[string]*groupcommit.Committer, len(groupCommitted))
	for _, stream := range groupCommitted {
		b.committers[stream] = groupcommit.New(b.JS, CommitTimeout)
	}
}

func (b *Bus) stopCommitters() {
	for _, c := range b.committers {
		c.Close()
	}
}

// CommitTimeout bounds the wait for one batch of group commit.
const CommitTimeout = 5 * time.Second
