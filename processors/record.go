package processors

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/guichet/guichet/receipts"
	"github.com/guichet/guichet/uploads"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// RecordDocument is what the PDF record of a submission shows.
type RecordDocument struct {
	Organisation string
	FormTitle    string
	FormVersion  int
	Reference    string
	// Revision numbers a corrected version: 1 for the first.
	Revision    int
	SubmittedAt time.Time
	Answers     []schemas.Answer
	DataSHA256  string
	Attachments []submit.Attachment
	// Scans are the attachments' scan results, in their order; a file of
	// before the scans has none.
	Scans []uploads.Scan
	// Receipt, when set, is the signed acknowledgement of receipt, shown
	// with a QR code of its verification page on SiteURL, where anyone can
	// check it.
	Receipt *receipts.Receipt
	SiteURL string
}

// scanText says a file's scan result on the record, in French as the
// rest of it.
var scanText = map[uploads.Scan]string{
	uploads.Clean:     "aucun virus trouvé",
	uploads.Infected:  "virus trouvé, fichier supprimé",
	uploads.Unscanned: "pas encore analysé (l'analyseur ne répondait pas)",
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
	if doc.Revision > 1 {
		meta = append(meta, [2]string{
			"Version de la demande",
			fmt.Sprintf("%d, corrigée par le demandeur : elle remplace la version %d", doc.Revision, doc.Revision-1),
		})
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
		for i, a := range doc.Attachments {
			labelValue(pdf, text, a.Name, a.Type+", "+schemas.SizeText(a.Size).FR, 0)
			pdf.SetFont("go", "", 8)
			pdf.MultiCell(text, 4, "SHA-256 : "+a.SHA256, "", "L", false)
			if i < len(doc.Scans) {
				pdf.MultiCell(text, 4, "Analyse antivirus (ClamAV) : "+scanText[doc.Scans[i]], "", "L", false)
			}
			pdf.Ln(1)
		}
	}
	pdf.Ln(6)
	pdf.SetFont("go", "", 8)
	pdf.MultiCell(text, 4, "Empreinte SHA-256 des données déposées (forme canonique RFC 8785) :", "", "L", false)
	pdf.MultiCell(text, 4, doc.DataSHA256, "", "L", false)
	if doc.Receipt != nil {
		if err := receiptSection(pdf, text, *doc.Receipt, doc.SiteURL); err != nil {
			return err
		}
	}
	return pdf.Output(w)
}

// receiptSection writes the signed receipt: what it attests, its
// signature, and a QR code of the address where anyone checks it, which
// is also a link. The encoded receipt is in the document's keywords, so
// that the PDF itself can be checked.
func receiptSection(pdf *fpdf.Fpdf, text float64, r receipts.Receipt, siteURL string) error {
	encoded, err := receipts.Encode(r)
	if err != nil {
		return err
	}
	pdf.SetKeywords(receipts.PDFKeyword+encoded, false)
	verifyURL := strings.TrimSuffix(siteURL, "/") + receipts.VerifyPath(encoded)
	const qrSize = 40.0
	if _, pageHeight := pdf.GetPageSize(); pdf.GetY()+qrSize+60 > pageHeight-20 {
		pdf.AddPage()
	}
	pdf.Ln(6)
	pdf.SetFont("go", "B", 12)
	pdf.MultiCell(text, 7, "Accusé de réception signé", "B", "L", false)
	pdf.Ln(2)
	left, _, _, _ := pdf.GetMargins()
	top := pdf.GetY()
	if err := drawQR(pdf, verifyURL, left+text-qrSize, top, qrSize); err != nil {
		return err
	}
	pdf.LinkString(left+text-qrSize, top, qrSize, qrSize, verifyURL)
	width := text - qrSize - 4
	attachments := "aucune"
	if len(r.Attachments) > 0 {
		attachments = strings.Join(r.Attachments, " ")
	}
	previous := r.Previous
	if previous == "" {
		previous = "aucun (premier dépôt du formulaire)"
	}
	for _, field := range [][2]string{
		{"Reçu le", locale.DateTime(r.AcceptedAt, locale.French) + fmt.Sprintf(" (enregistrement n° %d)", r.Sequence)},
		{"Formulaire", fmt.Sprintf("%s, version %d", r.Form, r.FormVersion)},
		{"Empreinte des réponses", r.DataSHA256},
		{"Empreintes des pièces jointes", attachments},
		{"Récépissé précédent", previous},
		{"Corrige le récépissé", r.Corrects},
		{"Clé de signature", r.Key},
		{"Signature Ed25519", r.Signature},
	} {
		if field[1] == "" {
			continue // only a correction's receipt names the one it corrects
		}
		pdf.SetFont("go", "B", 8)
		pdf.MultiCell(width, 4, field[0], "", "L", false)
		pdf.SetFont("go", "", 8)
		pdf.MultiCell(width, 4, field[1], "", "L", false)
		pdf.Ln(1)
	}
	pdf.SetY(max(pdf.GetY(), top+qrSize) + 2)
	pdf.SetFont("go", "", 8)
	pdf.MultiCell(text, 4, "Ce récépissé prouve que l'administration a reçu exactement ces réponses à cette heure. "+
		"Vérifiez-le en lisant le code QR ou sur la page de vérification de l'administration.", "", "L", false)
	return nil
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
