package schemas_test

import (
	"testing"

	"github.com/guichet/guichet/internal/benchform"
	"github.com/guichet/guichet/schemas"
)

// Validating a ten-field form's answers with its compiled schema.
func BenchmarkValidate(b *testing.B) {
	form, err := schemas.Preview(benchform.Form())
	if err != nil {
		b.Fatal(err)
	}
	data := benchform.Data(1)
	b.ReportAllocs()
	for b.Loop() {
		if err := form.Validate(data); err != nil {
			b.Fatal(err)
		}
	}
}

// Listing a ten-field form's answers as the PDF record and the dossier
// show them.
func BenchmarkAnswers(b *testing.B) {
	form, err := schemas.Preview(benchform.Form())
	if err != nil {
		b.Fatal(err)
	}
	data := benchform.Data(1)
	b.ReportAllocs()
	for b.Loop() {
		if len(form.Answers(data)) == 0 {
			b.Fatal("no answers")
		}
	}
}
