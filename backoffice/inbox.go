// Package backoffice owns the agents' work on what departments receive,
// starting with each department's inbox.
//
// Business layer (internal/test/layering).
package backoffice

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

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
	Get(ctx context.Context, reference string) (submit.State, error)
}

// Inboxes lists what was routed to each department, newest first.
type Inboxes struct {
	kv       jetstream.KeyValue
	seen     jetstream.KeyValue
	statuses Statuses
}

// NewInboxes opens the inbox bucket.
func NewInboxes(ctx context.Context, b *bus.Bus, statuses Statuses) (*Inboxes, error) {
	kv, err := b.KV(ctx, bus.BucketInbox)
	if err != nil {
		return nil, err
	}
	seen, err := b.KV(ctx, bus.BucketSeen)
	if err != nil {
		return nil, err
	}
	return &Inboxes{kv: kv, seen: seen, statuses: statuses}, nil
}

// Item is one submission in an inbox, with its current status.
type Item struct {
	submit.InboxEntry
	Status   submit.Status
	Assignee string
	// Unread says the viewer of the list has never opened the dossier.
	Unread bool
	// NewMessages counts the applicant's messages no agent has read yet.
	NewMessages int
}

// Page is one page of an inbox. Next, when not empty, is the cursor of the
// following page.
type Page struct {
	Items []Item
	Next  string
}

// Filter narrows an inbox; its zero value keeps everything.
type Filter struct {
	Status submit.Status
	Form   string
	// From and To bound the submission time; zero is no bound.
	From, To time.Time
	// Query is a reference or part of one, or words that the answers
	// must contain.
	Query string
	// Viewer, when set, is the agent whose unread dossiers are marked.
	Viewer string
}

func (f Filter) keeps(item Item) bool {
	query := strings.ToLower(strings.TrimSpace(f.Query))
	switch {
	case f.Status != "" && item.Status != f.Status,
		f.Form != "" && item.Form != f.Form,
		!f.From.IsZero() && item.SubmittedAt.Before(f.From),
		!f.To.IsZero() && !item.SubmittedAt.Before(f.To):
		return false
	case query == "" || strings.Contains(strings.ToLower(item.Reference), query):
		// A reference, or part of one: "f2n0", "2026-0001".
		return true
	}
	for _, word := range strings.Fields(query) {
		if !strings.Contains(item.Text, word) {
			return false
		}
	}
	return true
}

// List returns up to limit entries of a department's inbox that the filter
// keeps, newest first, starting after cursor ("" for the first page).
func (in *Inboxes) List(ctx context.Context, department string, filter Filter, cursor string, limit int) (Page, error) {
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
			// The cursor is opaque: the position of the last entry looked at.
			page.Next = base64.RawURLEncoding.EncodeToString([]byte(strings.TrimPrefix(keys[i-1], prefix)))
			break
		}
		item, found, err := in.item(ctx, k, filter.Viewer)
		if err != nil {
			return Page{}, err
		}
		if found && filter.keeps(item) {
			page.Items = append(page.Items, item)
		}
	}
	return page, nil
}

// item reads one inbox entry with its dossier's state.
func (in *Inboxes) item(ctx context.Context, key, viewer string) (Item, bool, error) {
	var item Item
	entry, err := in.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return item, false, nil
	}
	if err != nil {
		return item, false, err
	}
	if err := json.Unmarshal(entry.Value(), &item.InboxEntry); err != nil {
		return item, false, err
	}
	rec, err := in.statuses.Get(ctx, item.Reference)
	if errors.Is(err, submit.ErrUnknownSubmission) {
		// Erased while the inbox was read.
		return item, false, nil
	}
	if err != nil {
		return item, false, err
	}
	item.Status, item.Assignee, item.NewMessages = rec.Status, rec.Assignee, rec.Unread.Department
	if viewer != "" {
		_, err := in.seen.Get(ctx, bus.SeenKey(viewer, item.Reference))
		if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return item, false, err
		}
		item.Unread = err != nil
	}
	return item, true, nil
}
