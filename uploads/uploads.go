// Package uploads receives the files of submissions and drafts: it checks
// a file's type by its content, stores it in the documents object store,
// has ClamAV's daemon scan it as it arrives, and keeps a record of each
// file until it is deleted. A file no submission holds is deleted after a
// grace period; an infected one is never kept.
//
// Business layer (internal/test/layering).
package uploads

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/gabriel-vasile/mimetype"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/clamd"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// Scan is what ClamAV made of a file.
type Scan string

// The scan results.
const (
	Clean    Scan = "clean"
	Infected Scan = "infected"
	// Unscanned is a file received while the daemon was down, or with no
	// daemon set: Rescan scans it once the daemon answers.
	Unscanned Scan = "unscanned"
)

// DefaultGrace is how long a file that no submission holds is kept.
const DefaultGrace = 24 * time.Hour

// sniffBytes is how much of a file its type is read from.
const sniffBytes = 3072

// Errors of the files.
var (
	ErrNotFound = errors.New("uploads: no such file")
)

// Refusal is a file refused, with why in words for the person who sent it.
type Refusal struct {
	Message locale.Text
	// Signature, for an infected file, names what ClamAV found.
	Signature string
}

func (r *Refusal) Error() string { return "uploads: refused: " + r.Message.EN }

// File is the record of a file received.
type File struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Type is the media type read from the content, never from the name.
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Scan   Scan   `json:"scan"`
	// Signature, when infected, names what ClamAV found.
	Signature string    `json:"signature,omitempty"`
	Received  time.Time `json:"received"`
	// KeptUntil is when the file goes, unless a submission holds it.
	KeptUntil time.Time `json:"keptUntil"`
	// Reference is the submission that holds the file, once it is on record.
	Reference string `json:"reference,omitempty"`
}

// Object is the file's name in the documents object store.
func (f File) Object() string { return bus.UploadName(f.ID) }

// Config is what the service may be given; its zero value scans nothing
// and keeps an unheld file DefaultGrace.
type Config struct {
	// Scanner is ClamAV's daemon; nil leaves every file unscanned.
	Scanner *clamd.Client
	Grace   time.Duration
	Log     *slog.Logger
	// Observe, when set, is told each scan's result (see Scan).
	Observe func(Scan)
	// Now is the clock, for tests; time.Now by default.
	Now func() time.Time
}

// Service receives, keeps and deletes files.
type Service struct {
	cfg     Config
	bus     *bus.Bus
	docs    jetstream.ObjectStore
	records jetstream.KeyValue
}

// New opens the object store and the files' records.
func New(ctx context.Context, b *bus.Bus, cfg Config) (*Service, error) {
	docs, err := b.Documents(ctx)
	if err != nil {
		return nil, err
	}
	records, err := b.KV(ctx, bus.BucketUploads)
	if err != nil {
		return nil, err
	}
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, bus: b, docs: docs, records: records}, nil
}

// Receive reads a file to its end and keeps it under id (a new one if
// empty), unless it refuses it with a *Refusal: a type rule does not take
// (read from the content), a size over rule's, an empty file, or an
// infected one, which is deleted. The file goes to the object store and to
// ClamAV as it is read, in one pass, and is never held whole in memory. A
// file received while ClamAV is down is kept as Unscanned.
func (s *Service) Receive(ctx context.Context, id, name string, rule schemas.FileRule, r io.Reader) (File, error) {
	if id == "" {
		id = nuid.Next()
	}
	name = cleanName(name)
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return File{}, fmt.Errorf("uploads: reading %s: %w", name, err)
	}
	head = head[:n]
	if n == 0 {
		return File{}, &Refusal{Message: locale.Text{
			FR: fmt.Sprintf("Le fichier « %s » est vide.", name),
			EN: fmt.Sprintf("The file “%s” is empty.", name),
		}}
	}
	mediaType, _, _ := strings.Cut(mimetype.Detect(head).String(), ";")
	if !rule.Takes(mediaType) {
		return File{}, typeRefused(name, rule)
	}
	now := s.cfg.Now().UTC()
	f := File{ID: id, Name: name, Type: mediaType, Received: now, KeptUntil: now.Add(s.cfg.Grace)}
	hash := sha256.New()
	content := io.TeeReader(io.LimitReader(io.MultiReader(bytes.NewReader(head), r), rule.MaxSize+1), hash)
	scan := s.startScan(ctx)
	stored, err := s.bus.WriteDocument(ctx, jetstream.ObjectMeta{
		Name:        f.Object(),
		Description: name,
		Headers:     map[string][]string{"Content-Type": {mediaType}},
	}, io.TeeReader(content, scan))
	verdict, scanErr := scan.finish(err)
	if err != nil {
		return File{}, fmt.Errorf("uploads: store %s: %w", name, err)
	}
	f.Size, f.SHA256 = int64(stored.Size), hex.EncodeToString(hash.Sum(nil))
	if f.Size > rule.MaxSize {
		s.deleteObject(ctx, f)
		return File{}, sizeRefused(name, rule)
	}
	s.judge(ctx, &f, verdict, scanErr)
	if err := s.save(ctx, f); err != nil {
		s.deleteObject(ctx, f)
		return File{}, err
	}
	if f.Scan == Infected {
		return File{}, infected(f)
	}
	return f, nil
}

// judge sets a file's scan result from ClamAV's verdict, and deletes the
// content of an infected file.
func (s *Service) judge(ctx context.Context, f *File, verdict clamd.Verdict, err error) {
	switch {
	case err != nil:
		f.Scan = Unscanned
		if s.cfg.Scanner != nil {
			s.cfg.Log.Warn("file kept unscanned: ClamAV did not answer", "file", f.ID, "error", err)
		}
	case verdict.Infected:
		f.Scan, f.Signature = Infected, verdict.Signature
		s.deleteObject(ctx, *f)
		s.cfg.Log.Warn("infected file refused and deleted", "file", f.ID, "signature", verdict.Signature)
	default:
		f.Scan = Clean
	}
	if s.cfg.Observe != nil {
		s.cfg.Observe(f.Scan)
	}
}

// Fits refuses, with a *Refusal, a file received before that rule does
// not take: its type, its size, or an infected file.
func (f File) Fits(rule schemas.FileRule) error {
	switch {
	case f.Scan == Infected:
		return infected(f)
	case !rule.Takes(f.Type):
		return typeRefused(f.Name, rule)
	case f.Size > rule.MaxSize:
		return sizeRefused(f.Name, rule)
	}
	return nil
}

func typeRefused(name string, rule schemas.FileRule) *Refusal {
	return &Refusal{Message: locale.Text{
		FR: fmt.Sprintf("Le fichier « %s » n'est pas d'un type accepté (%s).", name, rule.TypesText()),
		EN: fmt.Sprintf("The file “%s” is not of an accepted type (%s).", name, rule.TypesText()),
	}}
}

func sizeRefused(name string, rule schemas.FileRule) *Refusal {
	return &Refusal{Message: locale.Text{
		FR: fmt.Sprintf("Le fichier « %s » dépasse %s.", name, schemas.SizeText(rule.MaxSize).FR),
		EN: fmt.Sprintf("The file “%s” is larger than %s.", name, schemas.SizeText(rule.MaxSize).EN),
	}}
}

func infected(f File) *Refusal {
	return &Refusal{Signature: f.Signature, Message: locale.Text{
		FR: fmt.Sprintf("Le fichier « %s » contient un virus (%s) : il est refusé et n'est pas conservé.", f.Name, f.Signature),
		EN: fmt.Sprintf("The file “%s” contains a virus (%s): it is refused and not kept.", f.Name, f.Signature),
	}}
}

// The records' keys: each file's record, and a mark on each file kept
// unscanned, which Rescan lists alone.
func recordKey(id string) string    { return "file." + id }
func unscannedKey(id string) string { return "unscanned." + id }

// RecordKeys is the filter of a file's keys in its bucket (bus.BucketUploads),
// for an erasure that purges them with their history.
func RecordKeys(id string) string { return "*." + id }

// Get reads a file's record.
func (s *Service) Get(ctx context.Context, id string) (File, error) {
	f, _, err := bus.GetJSON[File](ctx, s.records, recordKey(id), ErrNotFound)
	return f, err
}

// Open reads a file's content.
func (s *Service) Open(ctx context.Context, f File) (io.ReadCloser, error) {
	return s.bus.ReadDocument(ctx, f.Object())
}

// Keep keeps a file that no submission holds yet at least until until:
// a draft keeps its files while it lives, and a submission on its way
// for the grace period.
func (s *Service) Keep(ctx context.Context, id string, until time.Time) error {
	_, err := s.update(ctx, id, func(f *File) bool {
		if f.Reference != "" || !until.After(f.KeptUntil) {
			return false
		}
		f.KeptUntil = until.UTC()
		return true
	})
	return err
}

// Grace is how long a file that nothing holds is kept.
func (s *Service) Grace() time.Duration { return s.cfg.Grace }

// Hold records that the submission of reference holds a file, which is
// deleted with the submission, not before, and returns its record.
func (s *Service) Hold(ctx context.Context, id, reference string) (File, error) {
	return s.update(ctx, id, func(f *File) bool {
		if f.Reference == reference {
			return false
		}
		f.Reference = reference
		return true
	})
}

// Remove deletes a file and its record: an erasure, a retention purge.
func (s *Service) Remove(ctx context.Context, id string) error {
	f, err := s.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.remove(ctx, f)
}

// remove deletes a file whose record was read, and the record.
func (s *Service) remove(ctx context.Context, f File) error {
	if err := s.docs.Delete(ctx, f.Object()); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return err
	}
	for _, key := range []string{recordKey(f.ID), unscannedKey(f.ID)} {
		if err := s.records.Purge(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return err
		}
	}
	return nil
}

// update changes a record with change, which tells whether it changed
// anything, in a compare-and-set loop, and returns the record.
func (s *Service) update(ctx context.Context, id string, change func(*File) bool) (File, error) {
	for {
		f, revision, err := bus.GetJSON[File](ctx, s.records, recordKey(id), ErrNotFound)
		if err != nil || !change(&f) {
			return f, err
		}
		raw, err := json.Marshal(f)
		if err != nil {
			return f, err
		}
		_, err = s.records.Update(ctx, recordKey(id), raw, revision)
		if err == nil || !bus.IsWrongLastSequence(err) {
			return f, err
		}
	}
}

func (s *Service) save(ctx context.Context, f File) error {
	raw, err := json.Marshal(f)
	if err != nil {
		return err
	}
	if f.Scan == Unscanned {
		if _, err := s.records.Put(ctx, unscannedKey(f.ID), nil); err != nil {
			return err
		}
	}
	_, err = s.records.Put(ctx, recordKey(f.ID), raw)
	return err
}

func (s *Service) deleteObject(ctx context.Context, f File) {
	if err := s.docs.Delete(ctx, f.Object()); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		s.cfg.Log.Error("file not deleted", "file", f.ID, "error", err)
	}
}

// cleanName keeps the last part of a file's name, at most 200 characters.
func cleanName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || name == "" {
		name = "fichier"
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return name
}
