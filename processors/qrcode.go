package processors

import (
	"rsc.io/qr"

	"codeberg.org/go-pdf/fpdf"
)

// drawQR draws text as a QR code at (x, y), size wide, in vector form: one
// filled rectangle per run of dark modules, with the medium error
// correction level, which a phone reads off a printed page. rsc.io/qr
// encodes a receipt's address in 0.13 ms, where github.com/yeqown/go-qrcode
// took 3.6 ms (32 ms with its PNG output), on the machine of
// docs/performance.md: a record is rendered in about 0.5 ms.
func drawQR(pdf *fpdf.Fpdf, text string, x, y, size float64) error {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return err
	}
	// Four modules of quiet zone around the code, as the standard asks.
	module := size / float64(code.Size+8)
	x, y = x+4*module, y+4*module
	pdf.SetFillColor(0, 0, 0)
	for row := range code.Size {
		for col := 0; col < code.Size; {
			if !code.Black(col, row) {
				col++
				continue
			}
			start := col
			for col < code.Size && code.Black(col, row) {
				col++
			}
			pdf.Rect(x+float64(start)*module, y+float64(row)*module, float64(col-start)*module, module, "F")
		}
	}
	return nil
}
