package bus

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/synadia-io/orbit.go/jetstreamext"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/internal/platform/groupcommit"
)

// BucketStream is the name of the stream that holds a key-value bucket.
func BucketStream(bucket string) string { return "KV_" + bucket }

// groupCommitted are the streams written on every submission, by intake
// and by the processors, whose writes are gathered into atomic batches: one
// disk sync for many submissions.
var groupCommitted = []string{StreamSubmissions, StreamEvents,
	BucketStream(BucketStatus), BucketStream(BucketInbox), DocumentsStream}

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

// CommitTogether stores msgs on stream, one of the streams written on
// every submission, all in one atomic batch or none of them, as Commit
// does one message, and returns the acknowledgement of each.
func (b *Bus) CommitTogether(ctx context.Context, stream string, msgs ...*nats.Msg) ([]*jetstream.PubAck, error) {
	return b.committers[stream].PublishTogether(ctx, msgs...)
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

// IsWrongLastSequence reports a write refused because its subject's last
// sequence was not the one expected.
func IsWrongLastSequence(err error) bool {
	apiErr := (*jetstream.APIError)(nil)
	return errors.As(err, &apiErr) &&
		(apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// UpdateKey stores value under key in bucket, one of the group-committed
// buckets, like KeyValue.Update: it fails with
// jetstream.ErrKeyRevisionMismatch unless the key's last revision is
// revision (0 for a key never written).
func (b *Bus) UpdateKey(ctx context.Context, kv jetstream.KeyValue, key string, value []byte, revision uint64) (uint64, error) {
	msg := keyMsg(kv, key, value)
	msg.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(revision, 10))
	ack, err := b.Commit(ctx, BucketStream(kv.Bucket()), msg)
	if IsWrongLastSequence(err) {
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
	return &nats.Msg{Subject: KeySubject(kv.Bucket(), key), Data: value, Header: nats.Header{}}
}

// documentChunkSize is the size of the chunks of a stored document, the
// object store's own default.
const documentChunkSize = 128 << 10

// StoreDocument stores a document that Guichet makes (a PDF record, a
// decision letter) in the documents object store, as its Put would: its
// chunks and its description, written as one atomic batch through group
// commit, so that the documents of many submissions share a disk sync.
// Put writes each chunk and the description with a sync of its own. The
// name must not be in use: a stored document is never replaced.
func (b *Bus) StoreDocument(ctx context.Context, meta jetstream.ObjectMeta, data []byte) error {
	info := jetstream.ObjectInfo{ObjectMeta: meta, Bucket: ObjectStoreDocuments, NUID: documentNUID(meta.Name), Size: uint64(len(data))}
	info.Opts = &jetstream.ObjectMetaOptions{ChunkSize: documentChunkSize}
	chunkSubject := DocumentChunks(info.NUID)
	sum := sha256.New()
	var msgs []*nats.Msg
	for rest := data; len(rest) > 0; {
		chunk := rest[:min(len(rest), documentChunkSize)]
		rest = rest[len(chunk):]
		sum.Write(chunk)
		msgs = append(msgs, &nats.Msg{Subject: chunkSubject, Data: chunk, Header: nats.Header{}})
	}
	info.Chunks = uint32(len(msgs))
	info.Digest = jetstream.GetObjectDigestValue(sum)
	raw, err := json.Marshal(info)
	if err != nil {
		return err
	}
	description := &nats.Msg{Subject: DocumentMetaSubject(meta.Name), Data: raw,
		Header: nats.Header{jetstream.MsgRollup: []string{jetstream.MsgRollupSubject}}}
	_, err = b.CommitTogether(ctx, DocumentsStream, append(msgs, description)...)
	return err
}

// documentNUID names the chunks of a document that Guichet makes after
// the document's name, which is never used twice, where the object store
// draws a random NUID: the names of successive submissions' records share
// their beginning, and the server indexes their subjects in less memory
// (a random one took 123 bytes, one of these about 90).
func documentNUID(name string) string { return base64.RawURLEncoding.EncodeToString([]byte(name)) }

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
