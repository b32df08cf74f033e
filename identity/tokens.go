package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// BootstrapAdminID is the account of the bootstrap admin, whose token comes
// from GUICHET_ADMIN_TOKEN or is generated on the first start.
const BootstrapAdminID = "bootstrap-admin"

// tokenPrefix marks Guichet API tokens, so that secret scanners can find leaked ones.
const tokenPrefix = "gch_"

// ErrUnauthenticated means a bearer token is unknown, expired or belongs to
// an inactive account.
var ErrUnauthenticated = errors.New("identity: unauthenticated")

// TokenInfo is what is stored about an API token; the token itself is not.
type TokenInfo struct {
	AccountID string     `json:"accountId"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// Tokens issues API bearer tokens and authenticates requests that carry one.
type Tokens struct {
	kv       jetstream.KeyValue
	accounts *Accounts
	// bootstrap is the SHA-256 of GUICHET_ADMIN_TOKEN, when set.
	bootstrap []byte
}

// NewTokens opens the token store. bootstrapToken, when not empty, is
// accepted as the bootstrap admin's token.
func NewTokens(ctx context.Context, b *bus.Bus, accounts *Accounts, bootstrapToken string) (*Tokens, error) {
	kv, err := b.KV(ctx, bus.BucketTokens)
	if err != nil {
		return nil, err
	}
	t := &Tokens{kv: kv, accounts: accounts}
	if bootstrapToken != "" {
		sum := sha256.Sum256([]byte(bootstrapToken))
		t.bootstrap = sum[:]
	}
	return t, nil
}

// EnsureBootstrapAdmin creates the bootstrap admin's account if it does
// not exist, which is how a first start is recognised. On a first start
// without a configured bootstrap token, it also issues one and returns it,
// to be shown once.
func (t *Tokens) EnsureBootstrapAdmin(ctx context.Context) (firstStart bool, token string, err error) {
	raw, err := json.Marshal(Account{ID: BootstrapAdminID, Name: "Administrateur initial", Role: RoleAdmin, Active: true})
	if err != nil {
		return false, "", err
	}
	_, err = t.accounts.kv.Create(ctx, BootstrapAdminID, raw)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return false, "", nil
	}
	if err != nil || t.bootstrap != nil {
		return err == nil, "", err
	}
	token, err = t.Issue(ctx, BootstrapAdminID, "bootstrap", 0)
	return true, token, err
}

// Issue creates a token for an account, valid for ttl (0: no expiry), and
// returns it. Only its SHA-256 is stored: it cannot be shown again.
func (t *Tokens) Issue(ctx context.Context, accountID, name string, ttl time.Duration) (string, error) {
	if _, err := t.accounts.Get(ctx, accountID); err != nil {
		return "", err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", err
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(secret)
	info := TokenInfo{AccountID: accountID, Name: name, CreatedAt: time.Now().UTC()}
	if ttl > 0 {
		exp := info.CreatedAt.Add(ttl)
		info.ExpiresAt = &exp
	}
	if err := putJSON(ctx, t.kv, tokenKey(token), info); err != nil {
		return "", fmt.Errorf("identity: store token: %w", err)
	}
	return token, nil
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
		err := getJSON(ctx, t.kv, hex.EncodeToString(sum[:]), &info)
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
	account, err := t.accounts.Get(ctx, accountID)
	if errors.Is(err, ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	if !account.Active {
		return Principal{}, ErrUnauthenticated
	}
	return Principal{AccountID: account.ID, Role: account.Role, Departments: account.Departments}, nil
}

func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
