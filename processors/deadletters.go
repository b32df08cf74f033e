package processors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// ErrUnknownDeadLetter means no dead letter has that sequence, or its
// consumer does not run here.
var ErrUnknownDeadLetter = errors.New("processors: no such dead letter")

// DeadLetter is a message a consumer gave up on, as the DEADLETTER stream
// keeps its advisory; the message itself stays in its stream.
type DeadLetter struct {
	// Sequence is the advisory's in DEADLETTER.
	Sequence   uint64    `json:"sequence"`
	Stream     string    `json:"stream"`
	Consumer   string    `json:"consumer"`
	StreamSeq  uint64    `json:"streamSeq" doc:"Séquence du message dans son flux"`
	Deliveries int       `json:"deliveries"`
	Reason     string    `json:"reason,omitempty"`
	At         time.Time `json:"at"`
}

// advisory is what JetStream publishes when a consumer gives up.
type advisory struct {
	Stream     string    `json:"stream"`
	Consumer   string    `json:"consumer"`
	StreamSeq  uint64    `json:"stream_seq"`
	Deliveries int       `json:"deliveries"`
	Reason     string    `json:"reason"`
	Timestamp  time.Time `json:"timestamp"`
}

// DeadLetters lists the dead letters and replays them through the
// handlers of their consumers, once what made them fail is fixed. The
// handlers run in the calling process, which need not run the consumers.
type DeadLetters struct {
	js        jetstream.JetStream
	consumers []Consumer
	stream    jetstream.Stream
}

// NewDeadLetters opens the DEADLETTER stream for the given consumers.
func NewDeadLetters(ctx context.Context, js jetstream.JetStream, consumers []Consumer) (*DeadLetters, error) {
	stream, err := js.Stream(ctx, bus.StreamDeadLetter)
	if err != nil {
		return nil, err
	}
	return &DeadLetters{js: js, consumers: consumers, stream: stream}, nil
}

// List returns the dead letters not replayed yet, oldest first.
func (d *DeadLetters) List(ctx context.Context) ([]DeadLetter, error) {
	var out []DeadLetter
	err := bus.Scan(ctx, d.stream, ">", func(msg jetstream.Msg) {
		if dl, ok := decodeAdvisory(msg); ok {
			out = append(out, dl)
		}
	})
	return out, err
}

func decodeAdvisory(msg jetstream.Msg) (DeadLetter, bool) {
	meta, err := msg.Metadata()
	var a advisory
	if err != nil || json.Unmarshal(msg.Data(), &a) != nil || a.StreamSeq == 0 {
		return DeadLetter{}, false
	}
	return DeadLetter{Sequence: meta.Sequence.Stream, Stream: a.Stream, Consumer: a.Consumer, StreamSeq: a.StreamSeq,
		Deliveries: a.Deliveries, Reason: a.Reason, At: a.Timestamp}, true
}

// Replay hands a dead letter's message to its consumer's handler again;
// once it succeeds, the dead letter is removed. The handlers being
// idempotent, a replay never doubles an effect.
func (d *DeadLetters) Replay(ctx context.Context, sequence uint64) error {
	raw, err := d.stream.GetMsg(ctx, sequence)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return ErrUnknownDeadLetter
	}
	if err != nil {
		return err
	}
	var a advisory
	if err := json.Unmarshal(raw.Data, &a); err != nil {
		return ErrUnknownDeadLetter
	}
	i := slices.IndexFunc(d.consumers, func(c Consumer) bool { return c.Stream == a.Stream && c.Durable == a.Consumer })
	if i < 0 {
		return ErrUnknownDeadLetter
	}
	c := d.consumers[i]
	cons, err := d.js.OrderedConsumer(ctx, a.Stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: c.FilterSubjects, DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: a.StreamSeq,
		InactiveThreshold: 30 * time.Second,
	})
	if err != nil {
		return err
	}
	// The server would keep the consumer a while: replaying a thousand
	// dead letters would reach its limit of consumers.
	defer func() {
		if info := cons.CachedInfo(); info != nil {
			_ = d.js.DeleteConsumer(context.WithoutCancel(ctx), a.Stream, info.Name)
		}
	}()
	msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		return fmt.Errorf("processors: replay %s/%d: %w", a.Stream, a.StreamSeq, err)
	}
	if meta, err := msg.Metadata(); err != nil || meta.Sequence.Stream != a.StreamSeq {
		return fmt.Errorf("processors: replay %s/%d: the message is no longer in its stream", a.Stream, a.StreamSeq)
	}
	if err := c.handleOne(ctx, msg); err != nil {
		return fmt.Errorf("processors: replay %s/%d: %w", a.Stream, a.StreamSeq, err)
	}
	return d.stream.DeleteMsg(ctx, sequence)
}
