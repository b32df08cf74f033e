package receipts

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"slices"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// ErrNoReceipt means the submission has no receipt yet: it is signed
// shortly after it is stored.
var ErrNoReceipt = errors.New("receipts: no receipt yet")

// Store reads the receipts the receipt processor signed, and the public
// keys they were signed with, from NATS: every node can check them.
type Store struct {
	receipts, keys jetstream.KeyValue
	// documents holds the PDF records, whose fingerprints tell a PDF
	// record from a forgery that carries a genuine receipt.
	documents jetstream.ObjectStore
}

// OpenStore opens the receipts' buckets of b.
func OpenStore(ctx context.Context, b *bus.Bus) (*Store, error) {
	receipts, err := b.KV(ctx, bus.BucketReceipts)
	if err != nil {
		return nil, err
	}
	keys, err := b.KV(ctx, bus.BucketReceiptKeys)
	if err != nil {
		return nil, err
	}
	documents, err := b.Documents(ctx)
	if err != nil {
		return nil, err
	}
	return &Store{receipts: receipts, keys: keys, documents: documents}, nil
}

// RecordCheck is what the comparison of a PDF with the PDF record that
// Guichet stored found.
type RecordCheck int

// The outcomes of a PDF's comparison.
const (
	// RecordSame means the PDF is, byte for byte, the record stored.
	RecordSame RecordCheck = iota
	// RecordDifferent means it is not: its text may have been changed.
	RecordDifferent
	// RecordGone means the record is no longer kept (erased, or past its
	// retention), so that only the receipt could be checked.
	RecordGone
)

// CompareRecord compares a PDF with the PDF record Guichet stored for the
// submission version that a receipt names, by their SHA-256. A receipt
// cannot hold its own record's fingerprint, since the record holds the
// receipt; the stored record's fingerprint stands in for it.
func (s *Store) CompareRecord(ctx context.Context, r Receipt, pdf []byte) (RecordCheck, error) {
	info, err := s.documents.GetInfo(ctx, bus.DocumentRecordName(r.Reference, r.Revision))
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return RecordGone, nil
	}
	if err != nil {
		return RecordDifferent, err
	}
	stored, err := jetstream.DecodeObjectDigest(info.Digest)
	if err != nil {
		return RecordDifferent, err
	}
	sum := sha256.Sum256(pdf)
	if subtle.ConstantTimeCompare(stored, sum[:]) == 1 {
		return RecordSame, nil
	}
	return RecordDifferent, nil
}

// Get returns the receipt of a version of a submission (1 for the first).
func (s *Store) Get(ctx context.Context, reference string, revision int) (Receipt, error) {
	r, _, err := bus.GetJSON[Receipt](ctx, s.receipts, bus.ReceiptKey(reference, revision), ErrNoReceipt)
	return r, err
}

// Publish makes a keyring's public keys known to every node.
func (s *Store) Publish(ctx context.Context, ring Keyring) error {
	for id, public := range ring {
		raw, err := json.Marshal(public)
		if err != nil {
			return err
		}
		if _, err := s.keys.Put(ctx, id, raw); err != nil {
			return err
		}
	}
	return nil
}

// Keyring returns every public key published.
func (s *Store) Keyring(ctx context.Context) (Keyring, error) {
	ring := Keyring{}
	lister, err := s.keys.ListKeys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return ring, nil
	}
	if err != nil {
		return nil, err
	}
	for id := range lister.Keys() {
		public, _, err := bus.GetJSON[PublicKey](ctx, s.keys, id, ErrUnknownKey)
		if err != nil {
			return nil, err
		}
		ring[id] = public
	}
	return ring, nil
}

// Sorted lists a keyring's keys from the oldest.
func (k Keyring) Sorted() []PublicKey {
	keys := make([]PublicKey, 0, len(k))
	for _, public := range k {
		keys = append(keys, public)
	}
	slices.SortFunc(keys, func(a, b PublicKey) int { return a.NotBefore.Compare(b.NotBefore) })
	return keys
}
