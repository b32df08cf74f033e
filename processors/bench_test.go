package processors_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/guichet/guichet/internal/test/testkit"

	"github.com/guichet/guichet/internal/bench/benchform"
	"github.com/guichet/guichet/processors"
	"github.com/guichet/guichet/receipts"
	"github.com/guichet/guichet/schemas"
)

// Rendering the PDF record of a ten-field form's answers, in several
// scripts, with its signed receipt and the receipt's QR code, as the PDF
// processor does.
func BenchmarkRenderRecord(b *testing.B) {
	form, err := schemas.Preview(benchform.Form())
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 3, 11, 13, 30, 5, 0, time.UTC)
	signer, err := receipts.LoadOrCreate(b.TempDir(), at)
	if err != nil {
		b.Fatal(err)
	}
	const sum = "9f2c5d8e4b7a1c3f6e0d2b9a8c7f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f"
	receipt, err := receipts.Sign(receipts.Receipt{
		Reference:   "2026-K7QM-4XPA-9DXR",
		Form:        form.ID,
		FormVersion: 1,
		AcceptedAt:  at,
		Sequence:    41_207,
		DataSHA256:  sum,
		Attachments: []string{},
		Previous:    sum,
	}, signer.Key())
	if err != nil {
		b.Fatal(err)
	}
	doc := processors.RecordDocument{
		Organisation: "Département de la Moselle", FormTitle: form.Title, FormVersion: 1,
		Reference: "2026-K7QM-4XPA-9DXR", SubmittedAt: at,
		Answers: form.Answers(benchform.Data(0)), DataSHA256: sum,
		Receipt: &receipt, SiteURL: "https://demarches.moselle.fr",
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := processors.RenderRecord(&buf, doc); err != nil {
			b.Fatal(err)
		}
	}
}

// Processing stored submissions to the end, receipt, PDF record and
// routing, with one message at a time per processor or several: the time
// per submission, from the first message to the last one routed and
// documented. The more
// workers wait on storage at once, the more writes share each disk sync.
func BenchmarkPipeline(b *testing.B) {
	for _, workers := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			k := testkit.New(b, "accueil")
			k.Publish(b, benchform.Form())
			for i := range b.N {
				k.Submit(b, benchform.ID, string(benchform.Data(i)))
			}
			pdf, route, _ := pipeline(b, k)
			consumers := []processors.Consumer{pdf.Consumer(), route.Consumer()}
			for i := range consumers {
				consumers[i].Workers = workers
			}
			b.ReportAllocs()
			b.ResetTimer()
			group, err := processors.Start(b.Context(), k.Bus.JS, processors.Config{}, consumers...)
			if err != nil {
				b.Fatal(err)
			}
			defer group.Stop()
			for _, c := range consumers {
				cons, err := k.Bus.JS.Consumer(b.Context(), c.Stream, c.Durable)
				if err != nil {
					b.Fatal(err)
				}
				for {
					info, err := cons.Info(b.Context())
					if err != nil {
						b.Fatal(err)
					}
					if info.AckFloor.Consumer >= uint64(b.N) {
						break
					}
					time.Sleep(2 * time.Millisecond)
				}
			}
		})
	}
}
