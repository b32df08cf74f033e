package identity

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/crypto/argon2"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/locale"
)

// Password rules.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

// argon2id parameters: the first configuration OWASP recommends (19 MiB,
// two passes, one lane), which keeps a login under 100 ms on one core.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// PasswordError says why a password is refused.
type PasswordError struct{ Reason locale.Text }

func (e *PasswordError) Error() string { return "identity: password refused: " + e.Reason.EN }

//go:embed data/common-passwords.txt.gz
var commonPasswordsFile embed.FS

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	f, err := commonPasswordsFile.Open("data/common-passwords.txt.gz")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		panic(err)
	}
	set := make(map[string]struct{}, 44000)
	lines := bufio.NewScanner(gz)
	for lines.Scan() {
		set[lines.Text()] = struct{}{}
	}
	if err := lines.Err(); err != nil {
		panic(err)
	}
	return set
})

// CheckPassword applies the password rules for an account: a minimum and
// maximum length, not among the most common passwords, and not made of the
// account's own id or email.
func CheckPassword(password string, a Account) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		return &PasswordError{locale.Text{
			FR: fmt.Sprintf(
				"Le mot de passe doit compter au moins %d caractères. Une phrase de passe de plusieurs mots est plus sûre et plus "+
					"facile à retenir.",
				MinPasswordLength,
			),
			EN: fmt.Sprintf(
				"The password must be at least %d characters long. A passphrase of several words is safer and easier to remember.",
				MinPasswordLength,
			),
		}}
	}
	if n > MaxPasswordLength {
		return &PasswordError{locale.Text{
			FR: fmt.Sprintf("Le mot de passe doit compter au plus %d caractères.", MaxPasswordLength),
			EN: fmt.Sprintf("The password must be at most %d characters long.", MaxPasswordLength),
		}}
	}
	lower := strings.ToLower(password)
	if _, common := commonPasswords()[lower]; common {
		return &PasswordError{locale.Text{
			FR: "Ce mot de passe fait partie des plus utilisés : choisissez-en un autre.",
			EN: "This password is among the most used: choose another.",
		}}
	}
	local, _, _ := strings.Cut(strings.ToLower(a.Email), "@")
	for _, own := range []string{strings.ToLower(a.ID), local} {
		if len(own) >= 4 && strings.Contains(lower, own) {
			return &PasswordError{locale.Text{
				FR: "Le mot de passe ne doit pas contenir votre identifiant ni votre adresse électronique.",
				EN: "The password must not contain your id or your email address.",
			}}
		}
	}
	return nil
}

// hashPassword returns the argon2id hash of password in the PHC string format.
func hashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

var errBadHash = errors.New("identity: malformed password hash")

// verifyPassword compares password with a PHC argon2id hash, in constant time.
func verifyPassword(password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when an account does not exist, so that a
// login takes as long for an unknown id as for a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, err := hashPassword("guichet-dummy-password")
	if err != nil {
		panic(err)
	}
	return h
})

// Credentials stores password hashes in their own bucket, apart from the
// accounts, so that listing or showing accounts never reads a hash.
type Credentials struct{ kv jetstream.KeyValue }

// NewCredentials opens the credentials bucket.
func NewCredentials(ctx context.Context, b *bus.Bus) (*Credentials, error) {
	kv, err := b.KV(ctx, bus.BucketCredentials)
	if err != nil {
		return nil, err
	}
	return &Credentials{kv: kv}, nil
}

// temporaryMark starts the stored hash of a password that someone else
// chose, which its holder is asked to replace at their next sign-in.
const temporaryMark = "temporary:"

// SetPassword checks a password the account's holder chose against the
// rules and stores its hash.
func (c *Credentials) SetPassword(ctx context.Context, a Account, password string) error {
	return c.set(ctx, a, password, "")
}

// SetTemporaryPassword stores a password that an admin gave or that was
// generated: its holder is asked to choose their own at their next sign-in.
func (c *Credentials) SetTemporaryPassword(ctx context.Context, a Account, password string) error {
	return c.set(ctx, a, password, temporaryMark)
}

func (c *Credentials) set(ctx context.Context, a Account, password, mark string) error {
	if err := CheckPassword(password, a); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	_, err = c.kv.Put(ctx, a.ID, []byte(mark+hash))
	return err
}

// Verify reports whether password is the account's, and whether it is a
// temporary one. An account without a password, or that does not exist,
// takes the same time to refuse.
func (c *Credentials) Verify(ctx context.Context, accountID, password string) (ok, temporary bool, err error) {
	hash := ""
	entry, err := c.kv.Get(ctx, accountID)
	switch {
	case err == nil:
		hash = string(entry.Value())
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrInvalidKey):
	default:
		return false, false, err
	}
	if hash == "" {
		_, _ = verifyPassword(password, dummyHash())
		return false, false, nil
	}
	hash, temporary = strings.CutPrefix(hash, temporaryMark)
	ok, err = verifyPassword(password, hash)
	return ok, ok && temporary, err
}

// GeneratePassword makes a random password that passes the rules: 20
// characters of base64url, about 120 bits.
func GeneratePassword() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
