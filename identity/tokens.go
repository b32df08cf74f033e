package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// tokenPrefix marks Guichet API tokens, so that secret scanners can find leaked ones.
const tokenPrefix = "gch_"

// ErrUnauthenticated means a bearer token is unknown, expired or belongs to
// an inactive account.
var ErrUnauthenticated = errors.New("identity: unauthenticated")

// TokenInfo is what is stored about an API token; the token itself is not.
type TokenInfo struct {
	// ID names the token in lists; it is a prefix of its hash, which tells
	// nothing of the token.
	ID        string     `json:"id"`
	AccountID string     `json:"accountId"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// Tokens issues API bearer tokens and authenticates requests that carry one.
type Tokens struct {
	kv       jetstream.KeyValue
	accounts *Accounts
	audit    *Audit
	// bootstrap is the SHA-256 of GUICHET_ADMIN_TOKEN, when set.
	bootstrap []byte
	// lifetime is how long a token lasts when its issuer does not say.
	lifetime time.Duration
}

// DefaultTokenLifetime is how long an API token lasts unless its issuer,
// or the operator's setting, says otherwise.
const DefaultTokenLifetime = 90 * 24 * time.Hour

// MaxTokenLifetime bounds how long an API token may last.
const MaxTokenLifetime = 366 * 24 * time.Hour

// NewTokens opens the token store. bootstrapToken, when not empty, is
// accepted as the bootstrap admin's token. lifetime is how long a token
// lasts when its issuer does not say (DefaultTokenLifetime when 0).
func NewTokens(ctx context.Context, b *bus.Bus, accounts *Accounts, bootstrapToken string, lifetime time.Duration) (*Tokens, error) {
	kv, err := b.KV(ctx, bus.BucketTokens)
	if err != nil {
		return nil, err
	}
	if lifetime <= 0 {
		lifetime = DefaultTokenLifetime
	}
	t := &Tokens{kv: kv, accounts: accounts, audit: NewAudit(b), lifetime: min(lifetime, MaxTokenLifetime)}
	if bootstrapToken != "" {
		sum := sha256.Sum256([]byte(bootstrapToken))
		t.bootstrap = sum[:]
	}
	return t, nil
}

// MaxTokenNameLength bounds a token's name.
const MaxTokenNameLength = 100

// Issue creates a token for an account, valid for ttl (0: the store's
// lifetime; at most MaxTokenLifetime), and returns it. Only its SHA-256 is
// stored: it cannot be shown again.
func (t *Tokens) Issue(ctx context.Context, accountID, name string, ttl time.Duration) (string, TokenInfo, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > MaxTokenNameLength {
		return "", TokenInfo{}, invalid(
			"name",
			fmt.Sprintf("Un jeton porte un nom de %d caractères au plus.", MaxTokenNameLength),
			fmt.Sprintf("A token needs a "+
				"name of at most %d characters.", MaxTokenNameLength),
		)
	}
	if _, err := t.accounts.Get(ctx, accountID); err != nil {
		return "", TokenInfo{}, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", TokenInfo{}, err
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(secret)
	key := tokenKey(token)
	info := TokenInfo{ID: tokenID(key), AccountID: accountID, Name: name, CreatedAt: time.Now().UTC()}
	if ttl <= 0 {
		ttl = t.lifetime
	}
	exp := info.CreatedAt.Add(min(ttl, MaxTokenLifetime))
	info.ExpiresAt = &exp
	if err := putJSON(ctx, t.kv, key, info); err != nil {
		return "", TokenInfo{}, fmt.Errorf("identity: store token: %w", err)
	}
	_ = t.audit.Record(ctx, AuditEvent{Kind: "token.issued", Account: accountID, Detail: info.ID})
	return token, info, nil
}

// List returns an account's tokens, oldest first.
func (t *Tokens) List(ctx context.Context, accountID string) ([]TokenInfo, error) {
	all, err := listJSON[TokenInfo](ctx, t.kv)
	if err != nil {
		return nil, err
	}
	out := []TokenInfo{}
	for _, info := range all {
		if info.AccountID == accountID {
			out = append(out, info)
		}
	}
	slices.SortFunc(out, func(a, b TokenInfo) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// RevokeAccount deletes every token of an account.
func (t *Tokens) RevokeAccount(ctx context.Context, accountID string) error {
	lister, err := t.kv.ListKeys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil
	}
	if err != nil {
		return err
	}
	revoked := 0
	for key := range lister.Keys() {
		var info TokenInfo
		if err := getJSON(ctx, t.kv, key, &info); err != nil || info.AccountID != accountID {
			continue // another account's, or deleted meanwhile
		}
		if err := t.kv.Delete(ctx, key); err != nil {
			return err
		}
		revoked++
	}
	if revoked > 0 {
		_ = t.audit.Record(ctx, AuditEvent{Kind: "token.revoked", Account: accountID, Detail: fmt.Sprintf("%d (tous)", revoked)})
	}
	return nil
}

// Revoke deletes one of an account's tokens.
func (t *Tokens) Revoke(ctx context.Context, accountID, id string) error {
	if len(id) != tokenIDLength || strings.Trim(id, "0123456789abcdef") != "" {
		return ErrNotFound
	}
	lister, err := t.kv.ListKeysFiltered(ctx, id+".*")
	if err != nil {
		return err
	}
	found := false
	for key := range lister.Keys() {
		var info TokenInfo
		if err := getJSON(ctx, t.kv, key, &info); err != nil || info.AccountID != accountID {
			continue
		}
		if err := t.kv.Delete(ctx, key); err != nil {
			return err
		}
		found = true
	}
	if !found {
		return ErrNotFound
	}
	_ = t.audit.Record(ctx, AuditEvent{Kind: "token.revoked", Account: accountID, Detail: id})
	return nil
}

// Authenticate returns the principal a bearer token stands for.
func (t *Tokens) Authenticate(ctx context.Context, bearer string) (Principal, error) {
	if bearer == "" {
		return Principal{}, ErrUnauthenticated
	}
	sum := sha256.Sum256([]byte(bearer))
	accountID := ""
	if t.bootstrap != nil && subtle.ConstantTimeCompare(sum[:], t.bootstrap) == 1 {
		accountID = BootstrapAdminID
	} else if strings.HasPrefix(bearer, tokenPrefix) {
		// The key is a hash of the token: looking it up reveals nothing
		// about other tokens, whatever its timing.
		var info TokenInfo
		err := getJSON(ctx, t.kv, splitKey(hex.EncodeToString(sum[:])), &info)
		if errors.Is(err, ErrNotFound) {
			return Principal{}, ErrUnauthenticated
		}
		if err != nil {
			return Principal{}, err
		}
		if info.ExpiresAt != nil && time.Now().After(*info.ExpiresAt) {
			return Principal{}, ErrUnauthenticated
		}
		accountID = info.AccountID
	} else {
		return Principal{}, ErrUnauthenticated
	}
	return t.accounts.Principal(ctx, accountID)
}

// tokenIDLength is the length of a token's id: the first 64 bits of its
// hash, in hex.
const tokenIDLength = 16

// tokenKey is the bucket key of a token: its SHA-256 in hex, split after
// the id so that a token can be found by its id.
func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return splitKey(hex.EncodeToString(sum[:]))
}

func splitKey(hexHash string) string { return hexHash[:tokenIDLength] + "." + hexHash[tokenIDLength:] }

func tokenID(key string) string { return key[:tokenIDLength] }
