package uploads

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// each calls fn with the record of every file whose key matches filter
// ("file.*" or "unscanned.*").
func (s *Service) each(ctx context.Context, filter string, fn func(File) error) error {
	lister, err := s.records.ListKeysFiltered(ctx, filter)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for key := range lister.Keys() {
		_, id, _ := strings.Cut(key, ".")
		f, err := s.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// Rescan scans the files kept unscanned while ClamAV was down, and
// returns how many it scanned. An infected one loses its content at once;
// the submission that holds it shows it as such. It stops at the first
// file ClamAV does not answer for, to try again later.
func (s *Service) Rescan(ctx context.Context) (int, error) {
	if s.cfg.Scanner == nil {
		return 0, nil
	}
	scanned := 0
	err := s.each(ctx, unscannedKey("*"), func(f File) error {
		if f.Scan != Unscanned {
			return s.records.Purge(ctx, unscannedKey(f.ID))
		}
		content, err := s.Open(ctx, f)
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		verdict, err := s.cfg.Scanner.Scan(ctx, content)
		content.Close()
		if err != nil {
			return fmt.Errorf("uploads: rescan: %w", err)
		}
		scanned++
		_, err = s.update(ctx, f.ID, func(r *File) bool {
			s.judge(ctx, r, verdict, nil)
			return true
		})
		if err != nil {
			return err
		}
		return s.records.Purge(ctx, unscannedKey(f.ID))
	})
	return scanned, err
}

// Sweep deletes the files that nothing holds past their KeptUntil, and
// the records of infected files past theirs, and returns how many. A
// submission holds its files once processors.PDF records them (see Hold);
// until then intake keeps them for the grace period (see Keep), so that a
// submission on its way never loses one.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.cfg.Now()
	swept := 0
	err := s.each(ctx, recordKey("*"), func(f File) error {
		if f.Reference != "" || now.Before(f.KeptUntil) {
			return nil
		}
		if err := s.remove(ctx, f); err != nil {
			return err
		}
		swept++
		return nil
	})
	return swept, err
}
