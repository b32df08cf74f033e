package processors_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/guichet/guichet/internal/benchform"
	"github.com/guichet/guichet/processors"
	"github.com/guichet/guichet/schemas"
)

// Rendering the PDF record of a ten-field form's answers, in several scripts.
func BenchmarkRenderRecord(b *testing.B) {
	form, err := schemas.Preview(benchform.Form())
	if err != nil {
		b.Fatal(err)
	}
	doc := processors.RecordDocument{
		Organisation: "Département de la Moselle", FormTitle: form.Title, FormVersion: 1,
		Reference: "2026-K7QM-4XPA-9DXR", SubmittedAt: time.Date(2026, 3, 11, 13, 30, 5, 0, time.UTC),
		Answers: form.Answers(benchform.Data(0)), DataSHA256: "9f2c5d8e4b7a1c3f6e0d2b9a8c7f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f",
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
