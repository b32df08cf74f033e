package bus

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync/atomic"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// documentWindow is how many chunks of a streamed document may wait for
// the server's acknowledgement: 4 MiB. The object store's own Put lets
// 4,000 wait (500 MiB), which a synced store cannot take as fast as a
// file arrives, and which the server refuses at length ("too many
// requests").
const documentWindow = 32

// WriteDocument streams a file from r into the documents object store
// under meta.Name, as the object store's Put would, with at most
// documentWindow chunks in flight: memory stays flat whatever the file's
// size. The name must not be in use. A file cut short leaves no chunk
// behind.
func (b *Bus) WriteDocument(ctx context.Context, meta jetstream.ObjectMeta, r io.Reader) (*jetstream.ObjectInfo, error) {
	// A chunk's failure is kept by the handler: holding the chunks'
	// futures would hold their data, the whole file.
	var failed atomic.Pointer[error]
	js, err := jetstream.New(b.Conn, jetstream.WithPublishAsyncMaxPending(documentWindow),
		jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, _ *nats.Msg, err error) { failed.CompareAndSwap(nil, &err) }))
	if err != nil {
		return nil, err
	}
	info := jetstream.ObjectInfo{ObjectMeta: meta, Bucket: ObjectStoreDocuments, NUID: documentNUID(meta.Name)}
	info.Opts = &jetstream.ObjectMetaOptions{ChunkSize: documentChunkSize}
	subject := DocumentChunks(info.NUID)
	sum := sha256.New()
	abandon := func(cause error) (*jetstream.ObjectInfo, error) {
		select {
		case <-js.PublishAsyncComplete():
		case <-ctx.Done():
		}
		if stream, err := b.JS.Stream(context.WithoutCancel(ctx), DocumentsStream); err == nil {
			_ = stream.Purge(context.WithoutCancel(ctx), jetstream.WithPurgeSubject(subject))
		}
		return nil, cause
	}
	for {
		chunk := make([]byte, documentChunkSize)
		n, readErr := io.ReadFull(r, chunk)
		if n > 0 {
			sum.Write(chunk[:n])
			if _, err := js.PublishMsgAsync(&nats.Msg{Subject: subject, Data: chunk[:n]}); err != nil {
				return abandon(err)
			}
			info.Size += uint64(n)
			info.Chunks++
		}
		if errors.Is(readErr, io.EOF) || errors.Is(readErr, io.ErrUnexpectedEOF) {
			break
		}
		if readErr != nil {
			return abandon(readErr)
		}
		if err := ctx.Err(); err != nil {
			return abandon(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-ctx.Done():
		return abandon(ctx.Err())
	}
	if err := failed.Load(); err != nil {
		return abandon(fmt.Errorf("document %s: chunk: %w", meta.Name, *err))
	}
	info.Digest = jetstream.GetObjectDigestValue(sum)
	raw, err := json.Marshal(info)
	if err != nil {
		return abandon(err)
	}
	description := &nats.Msg{Subject: DocumentMetaSubject(meta.Name), Data: raw,
		Header: nats.Header{jetstream.MsgRollup: []string{jetstream.MsgRollupSubject}}}
	if _, err := b.JS.PublishMsg(ctx, description); err != nil {
		return abandon(err)
	}
	return &info, nil
}

// ReadDocument streams a document out of the documents object store,
// chunk by chunk, through an ordered consumer of its chunks, and checks
// its digest at the end. The object store's own Get gives up when its
// reader waits five seconds for a chunk, which a download of hundreds of
// megabytes to a slow client does; this reader waits for as long as ctx
// lasts. Close stops the consumer.
func (b *Bus) ReadDocument(ctx context.Context, name string) (io.ReadCloser, error) {
	docs, err := b.Documents(ctx)
	if err != nil {
		return nil, err
	}
	info, err := docs.GetInfo(ctx, name)
	if err != nil {
		return nil, err
	}
	r := &documentReader{ctx: ctx, chunks: info.Chunks, digest: sha256.New(), want: info.Digest, name: name}
	if info.Chunks == 0 {
		return r, nil
	}
	consumer, err := b.JS.OrderedConsumer(ctx, DocumentsStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{DocumentChunks(info.NUID)},
	})
	if err != nil {
		return nil, err
	}
	if r.msgs, err = consumer.Messages(jetstream.PullMaxMessages(documentWindow)); err != nil {
		return nil, err
	}
	return r, nil
}

// documentReader reads a document's chunks in order.
type documentReader struct {
	ctx    context.Context
	msgs   jetstream.MessagesContext
	chunks uint32
	buf    []byte
	digest hash.Hash
	want   string
	name   string
}

func (r *documentReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.chunks == 0 {
			if jetstream.GetObjectDigestValue(r.digest) != r.want {
				return 0, fmt.Errorf("document %s: digest mismatch", r.name)
			}
			return 0, io.EOF
		}
		msg, err := r.msgs.Next(jetstream.NextContext(r.ctx))
		if err != nil {
			return 0, fmt.Errorf("document %s: %w", r.name, err)
		}
		r.buf = msg.Data()
		r.digest.Write(r.buf)
		r.chunks--
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *documentReader) Close() error {
	if r.msgs != nil {
		r.msgs.Stop()
	}
	return nil
}
