package uploads

import (
	"context"
	"errors"
	"io"

	"github.com/guichet/guichet/internal/platform/clamd"
)

// errNoScanner is the scan's error when no daemon is set.
var errNoScanner = errors.New("uploads: no ClamAV daemon set")

// scanning streams to ClamAV what is written to it, as the file is
// stored. Writes never fail: once the scan has ended (the daemon down, or
// done early), the rest is dropped, and the file is still stored.
type scanning struct {
	pipe    *io.PipeWriter
	result  chan scanOutcome
	stopped bool
}

type scanOutcome struct {
	verdict clamd.Verdict
	err     error
}

// startScan starts a scan of what will be written to the result.
func (s *Service) startScan(ctx context.Context) *scanning {
	if s.cfg.Scanner == nil {
		return &scanning{stopped: true}
	}
	pr, pw := io.Pipe()
	sc := &scanning{pipe: pw, result: make(chan scanOutcome, 1)}
	go func() {
		v, err := s.cfg.Scanner.Scan(ctx, pr)
		// A write after the scan's end fails at once instead of waiting.
		_ = pr.CloseWithError(io.ErrClosedPipe)
		sc.result <- scanOutcome{v, err}
	}()
	return sc
}

func (sc *scanning) Write(p []byte) (int, error) {
	if !sc.stopped {
		if _, err := sc.pipe.Write(p); err != nil {
			sc.stopped = true
		}
	}
	return len(p), nil
}

// finish ends the stream, cut short by storeErr if the store failed, and
// returns the verdict.
func (sc *scanning) finish(storeErr error) (clamd.Verdict, error) {
	if sc.pipe == nil {
		return clamd.Verdict{}, errNoScanner
	}
	if storeErr != nil {
		_ = sc.pipe.CloseWithError(storeErr)
	} else {
		_ = sc.pipe.Close()
	}
	out := <-sc.result
	if storeErr != nil && out.err == nil {
		out.err = storeErr
	}
	return out.verdict, out.err
}
