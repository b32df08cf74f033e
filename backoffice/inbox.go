// Package backoffice owns the agents' work on what departments receive,
// starting with each department's inbox.
//
// It imports bus and submit's types; the API imports it.
package backoffice

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/submit"
)

// DefaultPageSize and MaxPageSize bound an inbox page.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// ErrBadCursor means a pagination cursor was not one this inbox gave out.
var ErrBadCursor = errors.New("backoffice: invalid cursor")

// Statuses reads the current status of submissions.
type Statuses interface {
	Get(ctx context.Context, reference string) (submit.Record, error)
}

// Inboxes lists what was routed to each department, newest first.
type Inboxes struct {
	kv       jetstream.KeyValue
	statuses Statuses
}

// NewInboxes opens the inbox bucket.
func NewInboxes(ctx context.Context, b *bus.Bus, statuses Statuses) (*Inboxes, error) {
	kv, err := b.KV(ctx, bus.BucketInbox)
	if err != nil {
		return nil, err
	}
	return &Inboxes{kv: kv, statuses: statuses}, nil
}

// Item is one submission in an inbox, with its current status.
type Item struct {
	submit.InboxEntry
	Status submit.Status
}

// Page is one page of an inbox. Next, when not empty, is the cursor of the
// following page.
type Page struct {
	Items []Item
	Next  string
}

// List returns up to limit entries of a department's inbox, newest first,
// starting after cursor ("" for the first page).
func (in *Inboxes) List(ctx context.Context, department, cursor string, limit int) (Page, error) {
	if limit <= 0 || limit > MaxPageSize {
		limit = DefaultPageSize
	}
	prefix := department + "."
	var after string
	if cursor != "" {
		suffix, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || len(suffix) == 0 {
			return Page{}, ErrBadCursor
		}
		after = prefix + string(suffix)
	}
	lister, err := in.kv.ListKeysFiltered(ctx, bus.InboxKeys(department))
	if err != nil {
		return Page{}, err
	}
	var keys []string
	for k := range lister.Keys() {
		if after == "" || k < after {
			keys = append(keys, k)
		}
	}
	// Keys sort by submission time: newest first is the reverse order.
	slices.Sort(keys)
	slices.Reverse(keys)
	page := Page{}
	for i, k := range keys {
		if len(page.Items) == limit {
			// The cursor is opaque: the position of the last entry shown.
			page.Next = base64.RawURLEncoding.EncodeToString([]byte(strings.TrimPrefix(keys[i-1], prefix)))
			break
		}
		entry, err := in.kv.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return Page{}, err
		}
		var item Item
		if err := json.Unmarshal(entry.Value(), &item.InboxEntry); err != nil {
			return Page{}, err
		}
		rec, err := in.statuses.Get(ctx, item.Reference)
		if err != nil {
			return Page{}, err
		}
		item.Status = rec.Status
		page.Items = append(page.Items, item)
	}
	return page, nil
}
