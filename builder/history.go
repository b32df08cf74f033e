package builder

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/schemas"
)

func init() {
	bus.DeclareBucket(jetstream.KeyValueConfig{Bucket: bus.BucketFormEdits, History: 1,
		Description: "By form, the drafts an admin may go back to and forward again."})
}

// ErrNoEdit means there is no change to undo, or none to redo.
var ErrNoEdit = errors.New("builder: no change to undo or redo")

// maxEditBytes bounds the drafts a form's history keeps, all together,
// under what a NATS message holds; the oldest go first.
const maxEditBytes = 768 << 10

// edits are a form's drafts before the current one, the latest last, and
// those undone, the latest undone last.
type edits struct {
	Undo []schemas.Form `json:"undo,omitempty"`
	Redo []schemas.Form `json:"redo,omitempty"`
}

// History keeps, for each form, the drafts its admins may go back to.
type History struct {
	kv jetstream.KeyValue
}

// NewHistory opens the history of drafts.
func NewHistory(ctx context.Context, b *bus.Bus) (*History, error) {
	kv, err := b.KV(ctx, bus.BucketFormEdits)
	return &History{kv: kv}, err
}

func (h *History) load(ctx context.Context, id string) (edits, error) {
	var e edits
	entry, err := h.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return e, nil
	}
	if err != nil {
		return e, err
	}
	return e, json.Unmarshal(entry.Value(), &e)
}

// store saves a form's history, dropping its oldest drafts past
// maxEditBytes.
func (h *History) store(ctx context.Context, id string, e edits) error {
	for {
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if len(raw) <= maxEditBytes || len(e.Undo)+len(e.Redo) == 0 {
			_, err = h.kv.Put(ctx, id, raw)
			return err
		}
		if len(e.Undo) > 0 {
			e.Undo = e.Undo[1:]
		} else {
			e.Redo = e.Redo[1:]
		}
	}
}

// Counts says how many changes of a form can be undone and redone.
func (h *History) Counts(ctx context.Context, id string) (undo, redo int, err error) {
	e, err := h.load(ctx, id)
	return len(e.Undo), len(e.Redo), err
}

// changed records that a form's draft was before, ahead of a new change:
// it can be undone, and what was undone can no longer be redone.
func (h *History) changed(ctx context.Context, before schemas.Form) error {
	e, err := h.load(ctx, before.ID)
	if err != nil {
		return err
	}
	e.Undo, e.Redo = append(e.Undo, before), nil
	return h.store(ctx, before.ID, e)
}

// step goes back (undo) or forward from current, the draft now, and
// returns the draft to save.
func (h *History) step(ctx context.Context, current schemas.Form, undo bool) (schemas.Form, error) {
	e, err := h.load(ctx, current.ID)
	if err != nil {
		return current, err
	}
	from, to := &e.Undo, &e.Redo
	if !undo {
		from, to = to, from
	}
	if len(*from) == 0 {
		return current, ErrNoEdit
	}
	next := (*from)[len(*from)-1]
	*from, *to = (*from)[:len(*from)-1], append(*to, current)
	return next, h.store(ctx, current.ID, e)
}
