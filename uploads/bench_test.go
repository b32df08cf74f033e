package uploads_test

import (
	"context"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/clamd"
	"github.com/guichet/guichet/internal/test/clamdtest"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/uploads"
)

// benchFileSize is the size of the file each benchmark operation sends.
const benchFileSize = 300 << 20

// pdfStream is a file of size bytes that reads as a PDF, made as it is
// read: the benchmark holds none of it.
type pdfStream struct{ left, sent int64 }

func (s *pdfStream) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), s.left)
	for i := range p[:n] {
		p[i] = byte((s.sent + int64(i)) * 2654435761 >> 13)
	}
	if s.sent == 0 {
		copy(p, "%PDF-1.7\n")
	}
	s.left -= n
	s.sent += n
	return int(n), nil
}

// peakHeap samples the heap in use while fn runs and reports its peak, in MB.
func peakHeap(b *testing.B, fn func()) {
	b.Helper()
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	fn()
	close(done)
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
}

// Receiving a 300 MB file: stored, hashed, its type read, and scanned by
// a real ClamAV or not, against the raw object-store put of the same
// bytes: MB/s for each, and the heap's peak, which stays flat as the
// file streams through.
func BenchmarkReceive(b *testing.B) {
	rule := schemas.FileRule{Accept: []string{"application/pdf"}, MaxSize: benchFileSize, MaxFiles: 1}
	daemon := clamdtest.Start(b)
	bs := bus.StartTest(b)
	for _, c := range []struct {
		name    string
		scanner *clamd.Client
	}{{"unscanned", nil}, {"scanned", clamd.New(daemon.Addr)}} {
		b.Run(c.name, func(b *testing.B) {
			s, err := uploads.New(context.Background(), bs, uploads.Config{Scanner: c.scanner})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(benchFileSize)
			peakHeap(b, func() {
				for b.Loop() {
					f, err := s.Receive(b.Context(), "", "offre.pdf", rule, &pdfStream{left: benchFileSize})
					if err != nil {
						b.Fatal(err)
					}
					if err := s.Remove(b.Context(), f.ID); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
	// The bytes alone into the object store, with nothing read of them.
	// (The object store's own Put lets 4,000 chunks wait for the synced
	// store, and fails with "too many requests" before 300 MB: see
	// bus.WriteDocument.)
	b.Run("raw-object-store-write", func(b *testing.B) {
		b.SetBytes(benchFileSize)
		peakHeap(b, func() {
			for b.Loop() {
				name := bus.UploadName(nuid.Next())
				if _, err := bs.WriteDocument(b.Context(), jetstream.ObjectMeta{Name: name}, &pdfStream{left: benchFileSize}); err != nil {
					b.Fatal(err)
				}
				docs, err := bs.Documents(b.Context())
				if err != nil {
					b.Fatal(err)
				}
				if err := docs.Delete(b.Context(), name); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
