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
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// Session is a signed-in browser, kept server-side so that it can be revoked.
type Session struct {
	AccountID string    `json:"accountId"`
	CreatedAt time.Time `json:"createdAt"`
	LastSeen  time.Time `json:"lastSeen"`
	// CSRF is the token every state-changing form of this session must carry.
	CSRF string `json:"csrf"`
	// TemporaryPassword says, on the session a login just started, that
	// the password was someone else's choice: its holder is asked for
	// their own.
	TemporaryPassword bool `json:"-"`
}

// SessionConfig sets how long sessions last.
type SessionConfig struct {
	// IdleTimeout ends a session unused for that long.
	IdleTimeout time.Duration
	// MaxAge ends a session that old, used or not.
	MaxAge time.Duration
	// Now is the clock; tests move it.
	Now func() time.Time
}

func (c *SessionConfig) setDefaults() {
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 30 * time.Minute
	}
	if c.MaxAge == 0 || c.MaxAge > SessionMaxAge {
		c.MaxAge = SessionMaxAge
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// touchEvery limits how often a session's last use is written back.
const touchEvery = time.Minute

// Sessions stores browser sessions in the sessions bucket, keyed by the
// SHA-256 of their id: a copy of the bucket gives no usable cookie.
type Sessions struct {
	kv  jetstream.KeyValue
	cfg SessionConfig
}

// NewSessions opens the session store.
func NewSessions(ctx context.Context, b *bus.Bus, cfg SessionConfig) (*Sessions, error) {
	cfg.setDefaults()
	kv, err := b.KV(ctx, bus.BucketSessions)
	if err != nil {
		return nil, err
	}
	return &Sessions{kv: kv, cfg: cfg}, nil
}

// Config returns the session lifetimes in force.
func (s *Sessions) Config() SessionConfig { return s.cfg }

// Create starts a session for an account and returns its id, the cookie's
// value, which is not stored.
func (s *Sessions) Create(ctx context.Context, accountID string) (string, Session, error) {
	id, err := randomToken(32)
	if err != nil {
		return "", Session{}, err
	}
	csrf, err := randomToken(32)
	if err != nil {
		return "", Session{}, err
	}
	now := s.cfg.Now().UTC()
	sess := Session{AccountID: accountID, CreatedAt: now, LastSeen: now, CSRF: csrf}
	raw, err := json.Marshal(sess)
	if err != nil {
		return "", Session{}, err
	}
	if _, err := s.kv.Create(ctx, sessionKey(id), raw); err != nil {
		return "", Session{}, err
	}
	return id, sess, nil
}

// Get returns a live session, ending it if it has been idle or alive too long.
func (s *Sessions) Get(ctx context.Context, id string) (Session, error) {
	var sess Session
	if id == "" {
		return sess, ErrUnauthenticated
	}
	key := sessionKey(id)
	entry, err := s.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return sess, ErrUnauthenticated
	}
	if err != nil {
		return sess, err
	}
	if err := json.Unmarshal(entry.Value(), &sess); err != nil {
		return sess, err
	}
	now := s.cfg.Now().UTC()
	if now.Sub(sess.CreatedAt) > s.cfg.MaxAge || now.Sub(sess.LastSeen) > s.cfg.IdleTimeout {
		_ = s.kv.Delete(ctx, key)
		return Session{}, ErrUnauthenticated
	}
	if now.Sub(sess.LastSeen) > touchEvery {
		sess.LastSeen = now
		if raw, err := json.Marshal(sess); err == nil {
			// A lost race with a concurrent touch or a logout is harmless.
			_, _ = s.kv.Update(ctx, key, raw, entry.Revision())
		}
	}
	return sess, nil
}

// Delete ends a session.
func (s *Sessions) Delete(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	err := s.kv.Delete(ctx, sessionKey(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	return err
}

// RevokeAccount ends every session of an account, for example when it is
// deactivated or its password is reset.
func (s *Sessions) RevokeAccount(ctx context.Context, accountID string) error {
	return s.RevokeAccountExcept(ctx, accountID, "")
}

// RevokeAccountExcept ends every session of an account but the one of id
// keep (none when empty).
func (s *Sessions) RevokeAccountExcept(ctx context.Context, accountID, keep string) error {
	kept := ""
	if keep != "" {
		kept = sessionKey(keep)
	}
	lister, err := s.kv.ListKeys(ctx)
	if err != nil {
		return err
	}
	for key := range lister.Keys() {
		entry, err := s.kv.Get(ctx, key)
		if err != nil {
			continue // expired or deleted meanwhile
		}
		var sess Session
		if json.Unmarshal(entry.Value(), &sess) == nil && sess.AccountID == accountID && key != kept {
			if err := s.kv.Delete(ctx, key); err != nil {
				return err
			}
		}
	}
	return nil
}

// CSRFMatches reports, in constant time, whether token is the session's.
func (sess Session) CSRFMatches(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(sess.CSRF)) == 1
}

func sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
