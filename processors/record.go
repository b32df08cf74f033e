package processors

import (
	"fmt"
	"io"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/guichet/guichet/locale"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// RecordDocument is what the PDF record of a submission shows.
type RecordDocument struct {
	Organisation string
	FormTitle    string
	FormVersion  int
	Reference    string
	SubmittedAt  time.Time
	Answers      []schemas.Answer
	DataSHA256   string
	Attachments  []submit.Attachment
}

// RenderRecord writes the PDF record of a submission. Values are written as
// text only, in a TrueType font that covers Latin, Greek and Cyrillic, so
// that "Şükrü", "œ", "€" or "« »" come out as typed.
func RenderRecord(w io.Writer, doc RecordDocument) error {
	pdf, text := newDocument(doc.Organisation, doc.FormTitle, doc.Reference, doc.SubmittedAt)
	left, _, _, _ := pdf.GetMargins()
	pdf.SetFont("go", "B", 11)
	pdf.MultiCell(text, 6, doc.Organisation, "", "L", false)
	pdf.Ln(4)
	pdf.SetFont("go", "B", 16)
	pdf.MultiCell(text, 8, doc.FormTitle, "", "L", false)
	pdf.SetFont("go", "", 10)
	pdf.MultiCell(text, 5, "Récapitulatif de dépôt", "", "L", false)
	pdf.Ln(4)

	meta := [][2]string{
		{"Référence", doc.Reference},
		{"Déposé le", locale.DateTime(doc.SubmittedAt, locale.French)},
		{"Version du formulaire", fmt.Sprintf("%d", doc.FormVersion)},
	}
	for _, m := range meta {
		labelValue(pdf, text, m[0], m[1], 0)
	}
	pdf.Ln(4)
	pdf.SetFont("go", "B", 12)
	pdf.MultiCell(text, 7, "Réponses", "B", "L", false)
	pdf.Ln(2)
	for _, a := range doc.Answers {
		indent := float64(a.Depth) * 6
		if a.Heading {
			pdf.SetX(left + indent)
			pdf.SetFont("go", "B", 10)
			pdf.MultiCell(text-indent, 6, a.Label, "", "L", false)
			continue
		}
		labelValue(pdf, text, a.Label, a.Value, indent)
	}
	if len(doc.Attachments) > 0 {
		pdf.Ln(4)
		pdf.SetFont("go", "B", 12)
		pdf.MultiCell(text, 7, "Pièces jointes", "B", "L", false)
		pdf.Ln(2)
		for _, a := range doc.Attachments {
			labelValue(pdf, text, a.Name, a.Type+", "+schemas.SizeText(a.Size), 0)
			pdf.SetFont("go", "", 8)
			pdf.MultiCell(text, 4, "SHA-256 : "+a.SHA256, "", "L", false)
			pdf.Ln(1)
		}
	}
	pdf.Ln(6)
	pdf.SetFont("go", "", 8)
	pdf.MultiCell(text, 4, "Empreinte SHA-256 des données déposées (forme canonique RFC 8785) :", "", "L", false)
	pdf.MultiCell(text, 4, doc.DataSHA256, "", "L", false)
	return pdf.Output(w)
}

// newDocument starts an A4 PDF of the organisation about a submission, in
// the Go fonts, dated at, with a footer on each page, and returns it with
// the width of its text.
func newDocument(organisation, title, reference string, at time.Time) (*fpdf.Fpdf, float64) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.SetTitle(title+" — "+reference, true)
	pdf.SetAuthor(organisation, true)
	pdf.SetCreator("Guichet", true)
	// A fixed creation date makes the same content give the same PDF.
	pdf.SetCreationDate(at)
	pdf.SetModificationDate(at)
	pdf.SetCatalogSort(true)
	pdf.SetMargins(20, 20, 20)
	pdf.SetAutoPageBreak(true, 20)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-15)
		pdf.SetFont("go", "", 8)
		pdf.CellFormat(0, 5, fmt.Sprintf("%s — %s — page %d/{nb}", organisation, reference, pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	width, _ := pdf.GetPageSize()
	left, _, right, _ := pdf.GetMargins()
	return pdf, width - left - right
}

// labelValue writes a label and its value side by side, the value
// wrapping within its column.
func labelValue(pdf *fpdf.Fpdf, text float64, label, value string, indent float64) {
	left, _, _, _ := pdf.GetMargins()
	labelWidth := 60.0 - indent
	pdf.SetX(left + indent)
	y := pdf.GetY()
	pdf.SetFont("go", "B", 10)
	pdf.MultiCell(labelWidth, 5, label, "", "L", false)
	labelEnd := pdf.GetY()
	pdf.SetXY(left+indent+labelWidth, y)
	pdf.SetFont("go", "", 10)
	pdf.MultiCell(text-indent-labelWidth, 5, value, "", "L", false)
	if pdf.GetY() < labelEnd {
		pdf.SetY(labelEnd)
	}
	pdf.Ln(1)
}
