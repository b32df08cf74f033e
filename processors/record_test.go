package processors

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/guichet/guichet/internal/test/pdftest"
	"github.com/guichet/guichet/schemas"
)

func TestRecordShowsTextUnchanged(t *testing.T) {
	doc := RecordDocument{
		Organisation: "Département de la Moselle",
		FormTitle:    "Demande de subvention — « Culture »",
		FormVersion:  3,
		Reference:    "2026-K7QM-4XPA-9DXR",
		SubmittedAt:  time.Date(2026, 3, 11, 13, 30, 5, 0, time.UTC),
		Answers: []schemas.Answer{
			{Label: "Nom", Value: "Şükrü Yılmaz-Lefèvre"},
			{Label: "Commune", Value: "Montigny-lès-Metz"},
			{Label: "Bénéficiaires", Heading: true},
			{Label: "Œuvre", Value: "Cœur d'Ğüzel", Depth: 1},
			{Label: "Montant", Value: "1 500 €"},
			{Label: "<b>Remarque</b>", Value: `<script>alert(1)</script> =cmd|' /C calc'!A0`},
		},
		DataSHA256: strings.Repeat("ab", 32),
	}
	var buf bytes.Buffer
	if err := RenderRecord(&buf, doc); err != nil {
		t.Fatal(err)
	}
	text := pdftest.Text(t, buf.Bytes())
	for _, want := range []string{
		"Département de la Moselle", "Demande de subvention — « Culture »", "2026-K7QM-4XPA-9DXR",
		"11/03/2026 à 14:30:05", "Version du formulaire", "3",
		"Şükrü Yılmaz-Lefèvre", "Montigny-lès-Metz", "Bénéficiaires", "Cœur d'Ğüzel", "1 500 €",
		"<b>Remarque</b>", "<script>alert(1)</script> =cmd|' /C calc'!A0", // text, never markup
		strings.Repeat("ab", 32),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
	}
	var again bytes.Buffer
	if err := RenderRecord(&again, doc); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("the same submission gave two different PDFs")
	}
}

func TestRecordOfHugeTextSpansPages(t *testing.T) {
	long := strings.Repeat("Une très longue description du projet associatif. ", 800)
	var buf bytes.Buffer
	if err := RenderRecord(&buf, RecordDocument{Organisation: "O", FormTitle: "F", Reference: "R", SubmittedAt: time.Now(),
		Answers: []schemas.Answer{{Label: "Projet", Value: long}}}); err != nil {
		t.Fatal(err)
	}
	// Lines wrap anywhere between words: compare with spaces folded.
	text := strings.Join(strings.Fields(pdftest.Text(t, buf.Bytes())), " ")
	if n := strings.Count(text, "très longue description"); n != 800 {
		t.Errorf("text lost across pages: %d of 800 sentences", n)
	}
}

// Fonts are parsed and cut once per set of characters and shared by all
// records: records whose characters go beyond the common Latin set, in
// between records that do not, each show their own text, each word as wide
// as the font makes it.
func TestRecordsShareFontsAndKeepTheirCharacters(t *testing.T) {
	font := fpdf.New("P", "pt", "A4", "")
	font.AddUTF8FontFromBytes("go", "", goregular.TTF)
	font.SetFont("go", "", 10)
	for _, value := range []string{"Παπαδόπουλος", "Lefèvre", "Кузнецов", "Παπαδόπουλος", "Ωμέγα", "Lefèvre"} {
		var buf bytes.Buffer
		if err := RenderRecord(&buf, RecordDocument{Organisation: "O", FormTitle: "F", Reference: "R", SubmittedAt: time.Unix(0, 0),
			Answers: []schemas.Answer{{Label: "Nom", Value: value}}}); err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(pdftest.Words(t, buf.Bytes()), func(w pdftest.Word) bool { return w.Text == value })
		if i < 0 {
			t.Errorf("record of %q lacks it: %s", value, pdftest.Text(t, buf.Bytes()))
			continue
		}
		if got, want := pdftest.Words(t, buf.Bytes())[i].Width, font.GetStringWidth(value); math.Abs(got-want) > 0.5 {
			t.Errorf("%q is %.1f pt wide in its record, %.1f pt in the font", value, got, want)
		}
	}
}
