package bus

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
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
