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
	// Lang is the language of the record's own texts: that of the request.
	Lang        locale.Lang
	FormTitle   string
	FormVersion int
	Reference   string
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

// scanText says a file's scan result on the record.
var scanText = map[uploads.Scan]locale.Text{
	uploads.Clean:     {FR: "aucun virus trouvé", EN: "no virus found"},
	uploads.Infected:  {FR: "virus trouvé, fichier supprimé", EN: "virus found, file deleted"},
	uploads.Unscanned: {FR: "pas encore analysé (l'analyseur ne répondait pas)", EN: "not scanned yet (the scanner did not answer)"},
}

// RenderRecord writes the PDF record of a submission. Values are written as
// text only, in a TrueType font that covers Latin, Greek and Cyrillic, so
// that "Şükrü", "œ", "€" or "« »" come out as typed.
func RenderRecord(w io.Writer, doc RecordDocument) error {
	pdf, text := newDocument(doc.Organisation, doc.FormTitle, doc.Reference, doc.SubmittedAt)
	t := func(fr, en string) string { return locale.Say(doc.Lang, fr, en) }
	left, _, _, _ := pdf.GetMargins()
	pdf.SetFont("go", "B", 11)
	pdf.MultiCell(text, 6, doc.Organisation, "", "L", false)
	pdf.Ln(4)
	pdf.SetFont("go", "B", 16)
	pdf.MultiCell(text, 8, doc.FormTitle, "", "L", false)
	pdf.SetFont("go", "", 10)
	pdf.MultiCell(text, 5, t("Récapitulatif de dépôt", "Record of the request"), "", "L", false)
	pdf.Ln(4)

	meta := [][2]string{
		{t("Référence", "Reference"), doc.Reference},
		{t("Déposé le", "Sent on"), locale.DateTime(doc.SubmittedAt, doc.Lang)},
		{t("Version du formulaire", "Version of the form"), fmt.Sprintf("%d", doc.FormVersion)},
	}
	if doc.Revision > 1 {
		meta = append(meta, [2]string{
			t("Version de la demande", "Version of the request"),
			fmt.Sprintf(t("%d, corrigée par le demandeur : elle remplace la version %d", "%d, corrected by the applicant: it replaces version %d"),
				doc.Revision, doc.Revision-1),
		})
	}
	for _, m := range meta {
		labelValue(pdf, text, m[0], m[1], 0)
	}
	pdf.Ln(4)
	pdf.SetFont("go", "B", 12)
	pdf.MultiCell(text, 7, t("Réponses", "Answers"), "B", "L", false)
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
		pdf.MultiCell(text, 7, t("Pièces jointes", "Attachments"), "B", "L", false)
		pdf.Ln(2)
		for i, a := range doc.Attachments {
			labelValue(pdf, text, a.Name, a.Type+", "+schemas.SizeText(a.Size).In(doc.Lang), 0)
			pdf.SetFont("go", "", 8)
			pdf.MultiCell(text, 4, t("SHA-256 : ", "SHA-256: ")+a.SHA256, "", "L", false)
			if i < len(doc.Scans) {
				pdf.MultiCell(text, 4, t("Analyse antivirus (ClamAV) : ", "Virus scan (ClamAV): ")+scanText[doc.Scans[i]].In(doc.Lang), "", "L", false)
			}
			pdf.Ln(1)
		}
	}
	pdf.Ln(6)
	pdf.SetFont("go", "", 8)
	pdf.MultiCell(text, 4, t("Empreinte SHA-256 des données déposées (forme canonique RFC 8785) :",
		"SHA-256 digest of the data sent (RFC 8785 canonical form):"), "", "L", false)
	pdf.MultiCell(text, 4, doc.DataSHA256, "", "L", false)
	if doc.Receipt != nil {
		if err := receiptSection(pdf, text, *doc.Receipt, doc.SiteURL, doc.Lang); err != nil {
			return err
		}
	}
	return pdf.Output(w)
}

// receiptSection writes the signed receipt: what it attests, its
// signature, and a QR code of the address where anyone checks it, which
// is also a link. The encoded receipt is in the document's keywords, so
// that the PDF itself can be checked.
func receiptSection(pdf *fpdf.Fpdf, text float64, r receipts.Receipt, siteURL string, lang locale.Lang) error {
	t := func(fr, en string) string { return locale.Say(lang, fr, en) }
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
	pdf.MultiCell(text, 7, t("Accusé de réception signé", "Signed acknowledgement of receipt"), "B", "L", false)
	pdf.Ln(2)
	left, _, _, _ := pdf.GetMargins()
	top := pdf.GetY()
	if err := drawQR(pdf, verifyURL, left+text-qrSize, top, qrSize); err != nil {
		return err
	}
	pdf.LinkString(left+text-qrSize, top, qrSize, qrSize, verifyURL)
	width := text - qrSize - 4
	attachments := t("aucune", "none")
	if len(r.Attachments) > 0 {
		attachments = strings.Join(r.Attachments, " ")
	}
	previous := r.Previous
	if previous == "" {
		previous = t("aucun (premier dépôt du formulaire)", "none (the form's first request)")
	}
	for _, field := range [][2]string{
		{t("Reçu le", "Received on"), locale.DateTime(r.AcceptedAt, lang) +
			fmt.Sprintf(t(" (enregistrement n° %d)", " (record no. %d)"), r.Sequence)},
		{t("Formulaire", "Form"), fmt.Sprintf("%s, version %d", r.Form, r.FormVersion)},
		{t("Empreinte des réponses", "Digest of the answers"), r.DataSHA256},
		{t("Empreintes des pièces jointes", "Digests of the attachments"), attachments},
		{t("Récépissé précédent", "Previous receipt"), previous},
		{t("Corrige le récépissé", "Corrects the receipt"), r.Corrects},
		{t("Clé de signature", "Signing key"), r.Key},
		{t("Signature Ed25519", "Ed25519 signature"), r.Signature},
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
	pdf.MultiCell(text, 4, t("Ce récépissé prouve que l'administration a reçu exactement ces réponses à cette heure. "+
		"Vérifiez-le en lisant le code QR ou sur la page de vérification de l'administration.",
		"This receipt proves that the administration received exactly these answers at this time. "+
			"Check it by reading the QR code or on the administration's verification page."), "", "L", false)
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
