package receipts

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// PublicKey is a key that signs or signed receipts, with the period it
// signed in: from NotBefore, until NotAfter once it was replaced.
type PublicKey struct {
	ID string `json:"id"`
	// Key is the raw 32-byte Ed25519 public key, in standard base64.
	Key       string     `json:"publicKey"`
	NotBefore time.Time  `json:"notBefore"`
	NotAfter  *time.Time `json:"notAfter,omitempty"`
}

// Keyring holds every public key that signed receipts, by ID: replaced
// keys stay, so that the receipts they signed still verify.
type Keyring map[string]PublicKey

// Verification errors.
var (
	// ErrUnknownKey means no key of the keyring has the receipt's key ID.
	ErrUnknownKey = errors.New("receipts: unknown key")
	// ErrBadSignature means the signature does not match the receipt's
	// content: it was altered, or not signed by the key it names.
	ErrBadSignature = errors.New("receipts: bad signature")
	// ErrOutsideValidity means the key named did not sign receipts at the
	// time the receipt claims.
	ErrOutsideValidity = errors.New("receipts: key not valid at the time of the receipt")
)

// Verify checks that the receipt was signed, as it is, by the key it
// names, in the period that key signed.
func (k Keyring) Verify(r Receipt) error {
	public, ok := k[r.Key]
	if !ok {
		return ErrUnknownKey
	}
	raw, err := base64.StdEncoding.DecodeString(public.Key)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return fmt.Errorf("receipts: key %s: not an Ed25519 public key", r.Key)
	}
	signature, err := base64.RawURLEncoding.DecodeString(r.Signature)
	if err != nil {
		return ErrBadSignature
	}
	signed, err := r.Signed()
	if err != nil {
		return ErrMalformed
	}
	if !ed25519.Verify(raw, signed, signature) {
		return ErrBadSignature
	}
	if r.AcceptedAt.Before(public.NotBefore) || (public.NotAfter != nil && r.AcceptedAt.After(*public.NotAfter)) {
		return ErrOutsideValidity
	}
	return nil
}

// Signer holds the private key that signs new receipts, and the keyring
// of every key that did.
type Signer struct {
	key  ed25519.PrivateKey
	ring Keyring
}

// Key is the private key that signs.
func (s *Signer) Key() ed25519.PrivateKey { return s.key }

// Keyring is every key that signed, the current one included.
func (s *Signer) Keyring() Keyring { return s.ring }

// Files of a key directory: the keyring, and each private key.
const (
	keyringFile = "keyring.json"
	keySuffix   = ".pem"
)

// LoadOrCreate opens the key directory dir, creating it with a first key
// if it holds none. The current key is the one not yet replaced.
func LoadOrCreate(dir string, now time.Time) (*Signer, error) {
	ring, err := readKeyring(dir)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		return addKey(dir, Keyring{}, now)
	}
	if err != nil {
		return nil, err
	}
	for id, public := range ring {
		if public.NotAfter == nil {
			key, err := readPrivateKey(filepath.Join(dir, id+keySuffix))
			if err != nil {
				return nil, err
			}
			if KeyID(key.Public().(ed25519.PublicKey)) != id {
				return nil, fmt.Errorf("receipts: %s does not hold key %s", filepath.Join(dir, id+keySuffix), id)
			}
			return &Signer{key: key, ring: ring}, nil
		}
	}
	return nil, fmt.Errorf("receipts: %s has no current key", dir)
}

// Rotate replaces the current key of dir with a new one from now on.
// The old key stays in the keyring, ended now, and its private file is
// kept for the records but no longer used.
func Rotate(dir string, now time.Time) (*Signer, error) {
	ring, err := readKeyring(dir)
	if err != nil {
		return nil, err
	}
	for id, public := range ring {
		if public.NotAfter == nil {
			end := now.UTC()
			public.NotAfter = &end
			ring[id] = public
		}
	}
	return addKey(dir, ring, now)
}

// addKey makes a new key, current from now, and writes it and the
// keyring to dir.
func addKey(dir string, ring Keyring, now time.Time) (*Signer, error) {
	public, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	id := KeyID(public)
	der, err := x509.MarshalPKCS8PrivateKey(private)
	if err != nil {
		return nil, err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := os.WriteFile(filepath.Join(dir, id+keySuffix), keyPEM, 0o600); err != nil {
		return nil, err
	}
	ring[id] = PublicKey{ID: id, Key: base64.StdEncoding.EncodeToString(public), NotBefore: now.UTC()}
	raw, err := json.MarshalIndent(ring, "", "  ")
	if err != nil {
		return nil, err
	}
	// Written aside then renamed: a crash leaves the old keyring or the new.
	tmp := filepath.Join(dir, keyringFile+".tmp")
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, filepath.Join(dir, keyringFile)); err != nil {
		return nil, err
	}
	return &Signer{key: private, ring: ring}, nil
}

func readKeyring(dir string) (Keyring, error) {
	raw, err := os.ReadFile(filepath.Join(dir, keyringFile))
	if err != nil {
		return nil, err
	}
	var ring Keyring
	if err := json.Unmarshal(raw, &ring); err != nil {
		return nil, fmt.Errorf("receipts: %s: %w", filepath.Join(dir, keyringFile), err)
	}
	return ring, nil
}

func readPrivateKey(path string) (ed25519.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("receipts: %s: no PEM block", path)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("receipts: %s: %w", path, err)
	}
	private, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("receipts: %s: not an Ed25519 key", path)
	}
	return private, nil
}
