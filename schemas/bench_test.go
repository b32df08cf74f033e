package schemas_test

import (
	"testing"

	"github.com/guichet/guichet/internal/bench/benchform"
	"github.com/guichet/guichet/schemas"
)

// benchForm is the ten-field form compiled, and answers to it.
func benchForm(b *testing.B) (*schemas.Compiled, []byte) {
	form, err := schemas.Preview(benchform.Form())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	return form, benchform.Data(1)
}

// Validating a ten-field form's answers with its compiled schema.
func BenchmarkValidate(b *testing.B) {
	form, data := benchForm(b)
	for b.Loop() {
		if err := form.Validate(data); err != nil {
			b.Fatal(err)
		}
	}
}

// Listing a ten-field form's answers as the PDF record and the dossier
// show them.
func BenchmarkAnswers(b *testing.B) {
	form, data := benchForm(b)
	for b.Loop() {
		if len(form.Answers(data)) == 0 {
			b.Fatal("no answers")
		}
	}
}
