package compare

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/bench/barenats"
)

// rawBatch is the size of the raw atomic batches: large enough to show
// what one disk sync for many messages allows.
const rawBatch = 250

// rawStream is a bare server with one stream configured as Guichet's
// SUBMISSIONS, measured without Guichet.
type rawStream struct {
	server *barenats.Server
	ids    atomic.Int64
}

func startRawStream(ctx context.Context, dir string, syncAlways bool) (*rawStream, error) {
	s, err := barenats.Start(filepath.Join(dir, fmt.Sprintf("raw-sync-%v", syncAlways)), syncAlways)
	if err != nil {
		return nil, err
	}
	_, err = s.JS.CreateStream(ctx, jetstream.StreamConfig{Name: bus.StreamSubmissions, Subjects: []string{bus.SubmissionSubjects},
		Storage: jetstream.FileStorage, Duplicates: bus.DuplicateWindow, AllowAtomicPublish: true})
	if err != nil {
		s.Close()
		return nil, err
	}
	return &rawStream{server: s}, nil
}

// msg is a new submission message carrying payload, with its own id.
func (r *rawStream) msg(form string, payload []byte) *nats.Msg {
	return &nats.Msg{Subject: bus.SubmissionSubject(form), Data: payload,
		Header: nats.Header{jetstream.MsgIDHeader: []string{fmt.Sprint("raw-", r.ids.Add(1))}}}
}

// publish measures one synchronous publish after another by each of
// publishers.
func (r *rawStream) publish(
	ctx context.Context,
	d time.Duration,
	publishers int,
	form string,
	payloads [][]byte,
) (float64, float64, error) {
	return throughput(ctx, d, publishers, func(ctx context.Context, caller int) (int, error) {
		_, err := r.server.JS.PublishMsg(ctx, r.msg(form, payloads[caller%len(payloads)]))
		return 1, err
	})
}

// publishBatches measures atomic batches of rawBatch messages, one after
// another by one publisher.
func (r *rawStream) publishBatches(ctx context.Context, d time.Duration, form string, payloads [][]byte) (float64, float64, error) {
	return throughput(ctx, d, 1, func(ctx context.Context, _ int) (int, error) {
		batch := make([]*nats.Msg, rawBatch)
		for i := range batch {
			batch[i] = r.msg(form, payloads[i%len(payloads)])
		}
		_, err := jetstreamext.PublishMsgBatch(ctx, r.server.JS, batch)
		return rawBatch, err
	})
}

func (r *rawStream) close() { r.server.Close() }
