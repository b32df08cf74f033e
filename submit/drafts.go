package submit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/uploads"
)

// ErrNoDraft means no saved draft has that token, or it has expired.
var ErrNoDraft = errors.New("submit: no such draft")

// Draft is a form being filled, saved so that it can be finished later,
// in another browser if need be.
type Draft struct {
	Form string `json:"form"`
	// Data holds the answers so far.
	Data json.RawMessage `json:"data"`
	// Step is the step to resume at.
	Step int `json:"step"`
	// AccountID is the agent filling an internal form: only they may resume it.
	AccountID string `json:"accountId,omitempty"`
	// Token is the draft's resume token, kept only for a draft that an
	// agent started signed in: only they may resume it, and their list of
	// requests in progress links to it.
	Token string `json:"token,omitempty"`
	// Email is the address the resume link was sent to, where its owner
	// is told when a new version of the form refuses some of the answers.
	// It goes with the draft; a draft saved again keeps it.
	Email string `json:"email,omitempty"`
	// Lang is the language the draft is being filled in.
	Lang      locale.Lang `json:"lang,omitempty"`
	ExpiresAt time.Time   `json:"expiresAt"`
	// Key names the draft in the bucket: the SHA-256 of its token, which
	// leads to it but not back to the token.
	Key string `json:"-"`
}

// Drafts keeps drafts in the drafts bucket, keyed by the SHA-256 of their
// resume token: the token, a 128-bit secret, is the only way back to a draft.
// The drafts an agent started signed in are also listed under their
// account, in the account_drafts bucket.
type Drafts struct {
	kv, ofAccounts jetstream.KeyValue
	files          *uploads.Service
	now            func() time.Time
}

// NewDrafts opens the drafts bucket; files, when set, keeps the files a
// draft names for as long as the draft lives.
func NewDrafts(ctx context.Context, b *bus.Bus, files *uploads.Service) (*Drafts, error) {
	kv, err := b.KV(ctx, bus.BucketDrafts)
	if err != nil {
		return nil, err
	}
	ofAccounts, err := b.KV(ctx, bus.BucketAccountDrafts)
	if err != nil {
		return nil, err
	}
	return &Drafts{kv: kv, ofAccounts: ofAccounts, files: files, now: time.Now}, nil
}

// OfForm lists the drafts of a form that have not expired.
func (d *Drafts) OfForm(ctx context.Context, form string) ([]Draft, error) {
	lister, err := d.kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	var keys []string
	for key := range lister.Keys() {
		keys = append(keys, key)
	}
	return d.read(ctx, keys, nil, func(draft Draft) bool { return draft.Form == form })
}

// OfAccount lists the drafts that an agent started signed in and that
// have not expired, the latest to expire first: those listed under the
// account, not the whole bucket.
func (d *Drafts) OfAccount(ctx context.Context, account string) ([]Draft, error) {
	if !schemas.ValidID(account) {
		return nil, nil
	}
	lister, err := d.ofAccounts.ListKeysFiltered(ctx, bus.AccountDraftKey(account, "*"))
	if err != nil {
		return nil, err
	}
	var keys []string
	for listed := range lister.Keys() {
		keys = append(keys, strings.TrimPrefix(listed, bus.AccountDraftKey(account, "")))
	}
	// Sent or expired, a draft leaves its account's list as it is read.
	gone := func(key string) { _ = d.ofAccounts.Delete(ctx, bus.AccountDraftKey(account, key)) }
	drafts, err := d.read(ctx, keys, gone, func(draft Draft) bool { return draft.AccountID == account })
	slices.SortFunc(drafts, func(a, b Draft) int { return b.ExpiresAt.Compare(a.ExpiresAt) })
	return drafts, err
}

// read reads the drafts of keys that have not expired and that keep says
// to; gone, if set, hears of the keys of no draft.
func (d *Drafts) read(ctx context.Context, keys []string, gone func(key string), keep func(Draft) bool) ([]Draft, error) {
	var out []Draft
	for _, key := range keys {
		draft, _, err := bus.GetJSON[Draft](ctx, d.kv, key, ErrNoDraft)
		if errors.Is(err, ErrNoDraft) {
			if gone != nil {
				gone(key)
			}
			continue // gone meanwhile
		}
		if err != nil {
			return nil, err
		}
		if keep(draft) && draft.ExpiresAt.After(d.now()) {
			draft.Key = key
			out = append(out, draft)
		}
	}
	return out, nil
}

// Save stores a draft for lifetime under token, or under a new token when
// token is empty, and returns the token.
func (d *Drafts) Save(ctx context.Context, token string, draft Draft, lifetime time.Duration) (string, error) {
	again := token != ""
	if !again {
		token = NewToken()
	}
	draft.ExpiresAt = d.now().UTC().Add(min(lifetime, MaxDraftAge))
	if draft.AccountID != "" {
		draft.Token = token
		// Listed under the account at each save, so that the listing
		// lasts as long as the draft, whose life each save extends.
		if schemas.ValidID(draft.AccountID) {
			if _, err := d.ofAccounts.Put(ctx, bus.AccountDraftKey(draft.AccountID, draftKey(token)), nil); err != nil {
				return "", err
			}
		}
	}
	if again && draft.Email == "" {
		before, err := d.Get(ctx, token)
		if err != nil && !errors.Is(err, ErrNoDraft) {
			return "", err
		}
		draft.Email = before.Email
	}
	if err := d.keepFiles(ctx, draft); err != nil {
		return "", err
	}
	return token, d.put(ctx, token, draft)
}

func (d *Drafts) put(ctx context.Context, token string, draft Draft) error {
	raw, err := json.Marshal(draft)
	if err != nil {
		return err
	}
	_, err = d.kv.Put(ctx, draftKey(token), raw)
	return err
}

// SetEmail keeps the address the resume link of a draft was sent to, for
// as long as the draft lives.
func (d *Drafts) SetEmail(ctx context.Context, token, email string) error {
	draft, err := d.Get(ctx, token)
	if err != nil {
		return err
	}
	draft.Email = email
	return d.put(ctx, token, draft)
}

// Get returns the draft of a token.
func (d *Drafts) Get(ctx context.Context, token string) (Draft, error) {
	var draft Draft
	if token == "" {
		return draft, ErrNoDraft
	}
	entry, err := d.kv.Get(ctx, draftKey(token))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return draft, ErrNoDraft
	}
	if err != nil {
		return draft, err
	}
	if err := json.Unmarshal(entry.Value(), &draft); err != nil {
		return draft, err
	}
	if d.now().After(draft.ExpiresAt) {
		_ = d.kv.Delete(ctx, draftKey(token))
		return Draft{}, ErrNoDraft
	}
	return draft, nil
}

// Delete forgets a draft, once it has been sent.
func (d *Drafts) Delete(ctx context.Context, token string) error {
	err := d.kv.Delete(ctx, draftKey(token))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	return err
}

// ResumePath is the path of the page that resumes the draft of token, a
// draft of form.
func ResumePath(form, token string) string { return "/f/" + form + "/d/" + token }

func draftKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// keepFiles keeps the files a draft names (UploadRef) while it lives: a
// draft holds their ids, not the files. A file gone meanwhile is left for
// the submission to refuse.
func (d *Drafts) keepFiles(ctx context.Context, draft Draft) error {
	if d.files == nil || !bytes.Contains(draft.Data, []byte(uploadPrefix)) {
		return nil
	}
	var data any
	if err := json.Unmarshal(draft.Data, &data); err != nil {
		return err
	}
	var err error
	EachUpload(data, func(_, id string) {
		if err == nil {
			if keepErr := d.files.Keep(ctx, id, draft.ExpiresAt); keepErr != nil && !errors.Is(keepErr, uploads.ErrNotFound) {
				err = keepErr
			}
		}
	})
	return err
}
