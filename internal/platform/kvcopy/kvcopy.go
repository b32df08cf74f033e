// Package kvcopy keeps in memory a copy of the keys of a key-value bucket,
// kept by a watch of the bucket, so that what is read often reads memory
// where it asked the server. A change reaches the copy a moment after it is
// stored; the writer that stored it notes it in the copy at once (Note,
// Forget), and so reads its own writes.
//
// Foundation layer (internal/test/layering).
package kvcopy

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrWatchEnded is the failure of a read made while the watch ended before
// it had read the bucket: the connection closed. The next read starts
// another watch.
var ErrWatchEnded = errors.New("kvcopy: the watch of the bucket ended")

// Copy is the copy of the keys of a bucket that match a filter, each value
// decoded as a T. Its zero value is not usable: use New.
type Copy[T any] struct {
	kv     jetstream.KeyValue
	filter string
	decode func(value []byte) (T, bool)

	mu      sync.Mutex
	watcher jetstream.KeyWatcher // nil until the first read, or after the watch ended
	ready   chan struct{}        // closed once the watch has read every key
	ended   chan struct{}        // closed when the watch ends
	entries map[string]entry[T]
}

// entry is a key's value as the copy holds it, and the revision it was
// stored with, so that a change the watch brings late never undoes a newer
// one noted by the writer.
type entry[T any] struct {
	value    T
	revision uint64
	deleted  bool
}

// New returns the copy of the keys of kv that match filter (a subject
// filter on the keys, as jetstream.KeyValue.Watch takes), each value
// decoded by decode; a value that decode refuses is left out. The watch
// starts at the first read.
func New[T any](kv jetstream.KeyValue, filter string, decode func(value []byte) (T, bool)) *Copy[T] {
	return &Copy[T]{kv: kv, filter: filter, decode: decode}
}

// Get returns the value of key, and whether the copy holds one: false for
// a key deleted, never stored, or stored a moment ago elsewhere and not
// yet seen by the watch.
func (c *Copy[T]) Get(ctx context.Context, key string) (T, bool, error) {
	var zero T
	if err := c.read(ctx); err != nil {
		return zero, false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.deleted {
		return zero, false, nil
	}
	return e.value, true, nil
}

// Values returns the values the copy holds, in the order of their keys.
func (c *Copy[T]) Values(ctx context.Context) ([]T, error) {
	if err := c.read(ctx); err != nil {
		return nil, err
	}
	c.mu.Lock()
	keys := make([]string, 0, len(c.entries))
	for key, e := range c.entries {
		if !e.deleted {
			keys = append(keys, key)
		}
	}
	slices.SortFunc(keys, cmp.Compare)
	values := make([]T, len(keys))
	for i, key := range keys {
		values[i] = c.entries[key].value
	}
	c.mu.Unlock()
	return values, nil
}

// Note sets key to value in the copy, as stored with revision (the
// revision that jetstream.KeyValue.Put returned), before the watch brings
// it.
func (c *Copy[T]) Note(key string, value T, revision uint64) {
	c.apply(key, entry[T]{value: value, revision: revision})
}

// Forget takes key out of the copy once it was deleted, before the watch
// brings the deletion. The deletion's revision is not known
// (jetstream.KeyValue.Delete does not return it), so any change the watch
// brings later than the value held applies: one stored elsewhere just
// before the deletion shows until the deletion follows it, a moment later.
func (c *Copy[T]) Forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		return
	}
	c.entries[key] = entry[T]{revision: c.entries[key].revision, deleted: true}
}

// apply sets key to e unless the copy holds a newer revision.
func (c *Copy[T]) apply(key string, e entry[T]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		return // the watch has not started: it will read the bucket
	}
	if held, ok := c.entries[key]; ok && held.revision >= e.revision {
		return
	}
	c.entries[key] = e
}

// read waits until the watch has read every key, starting it at the first
// call or again if it ended.
func (c *Copy[T]) read(ctx context.Context) error {
	c.mu.Lock()
	if c.watcher == nil {
		w, err := c.kv.Watch(context.WithoutCancel(ctx), c.filter)
		if err != nil {
			c.mu.Unlock()
			return err
		}
		c.watcher, c.ready, c.ended = w, make(chan struct{}), make(chan struct{})
		if c.entries == nil {
			c.entries = map[string]entry[T]{}
		}
		go c.follow(w, c.ready, c.ended)
	}
	ready, ended := c.ready, c.ended
	c.mu.Unlock()
	select {
	case <-ready:
		return nil
	case <-ended:
		return ErrWatchEnded
	case <-ctx.Done():
		return ctx.Err()
	}
}

// follow applies the watch's changes until it ends, when the bus's
// connection closes; a read after that starts another watch.
func (c *Copy[T]) follow(w jetstream.KeyWatcher, ready, ended chan struct{}) {
	defer close(ended)
	for update := range w.Updates() {
		switch {
		case update == nil: // every key stored so far has been read
			close(ready)
		case update.Operation() == jetstream.KeyValuePut:
			if value, ok := c.decode(update.Value()); ok {
				c.apply(update.Key(), entry[T]{value: value, revision: update.Revision()})
			}
		default: // deleted or purged
			c.apply(update.Key(), entry[T]{revision: update.Revision(), deleted: true})
		}
	}
	c.mu.Lock()
	if c.watcher == w {
		c.watcher = nil
	}
	c.mu.Unlock()
}
