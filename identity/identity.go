// Package identity owns the organisation and who may do what: departments,
// accounts and their roles, API tokens, and the authorisation rules that
// every HTTP operation declares.
//
// Business layer (internal/test/layering).
package identity

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// ErrNotFound means the department, account or token does not exist.
var ErrNotFound = errors.New("identity: not found")

// ErrInvalid means an input was refused; the *InvalidError wrapping it
// says why.
var ErrInvalid = errors.New("identity: invalid")

// InvalidError is why an input was refused: the field, and what to tell
// the person who gave it.
type InvalidError struct {
	Field   string
	Message locale.Text
}

func invalid(field, fr, en string) *InvalidError {
	return &InvalidError{Field: field, Message: locale.Text{FR: fr, EN: en}}
}

func (e *InvalidError) Error() string { return "identity: invalid " + e.Field + ": " + e.Message.EN }

// Unwrap gives ErrInvalid.
func (e *InvalidError) Unwrap() error { return ErrInvalid }

func getJSON(ctx context.Context, kv jetstream.KeyValue, key string, into any) error {
	entry, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	return json.Unmarshal(entry.Value(), into)
}

// getByID reads the record of a department or an account; an id that
// cannot exist is not looked up.
func getByID[T any](ctx context.Context, kv jetstream.KeyValue, id string) (T, error) {
	var v T
	if !schemas.ValidID(id) {
		return v, ErrNotFound
	}
	err := getJSON(ctx, kv, id, &v)
	return v, err
}

func putJSON(ctx context.Context, kv jetstream.KeyValue, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = kv.Put(ctx, key, raw)
	return err
}

// listJSON decodes every value of a bucket, in key order.
func listJSON[T any](ctx context.Context, kv jetstream.KeyValue) ([]T, error) {
	lister, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]T, 0, len(keys))
	for _, k := range keys {
		var v T
		if err := getJSON(ctx, kv, k, &v); errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile
		} else if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
