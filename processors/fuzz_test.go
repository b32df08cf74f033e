package processors_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/guichet/guichet/processors"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// Any text renders into a PDF record: long, unbroken, of any script or
// control character, it neither panics nor fails.
func FuzzRenderRecord(f *testing.F) {
	for _, seed := range []string{
		"Şükrü Yılmaz-Lefèvre",
		"Œuvre « sociale » — 5 €",
		"=cmd|' /C calc'!A0",
		"<script>alert(1)</script>",
		"\x00\x01\x7f",
		"日本語の文字",
		string(bytes.Repeat([]byte("x"), 3000)),
	} {
		f.Add(seed, seed)
	}
	f.Fuzz(func(t *testing.T, label, value string) {
		var buf bytes.Buffer
		err := processors.RenderRecord(&buf, processors.RecordDocument{
			Organisation: "Département de la Moselle", FormTitle: label, FormVersion: 1, Reference: "2026-AAAA-BBBB-CCCC",
			SubmittedAt: time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC), DataSHA256: "00",
			Answers:     []schemas.Answer{{Label: label, Value: value}, {Label: label, Heading: true}, {Label: value, Value: label, Depth: 2}},
			Attachments: []submit.Attachment{{Name: value, Type: "application/pdf", Size: 10, SHA256: "00"}},
		})
		if err != nil {
			t.Fatalf("rendering %q / %q: %v", label, value, err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF")) {
			t.Fatal("not a PDF")
		}
	})
}
