package processors

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"rsc.io/qr/coding"

	"codeberg.org/go-pdf/fpdf"
)

// drawQR draws text as a QR code at (x, y), size wide, four modules of
// quiet zone included, with the medium error correction level, which a
// phone reads off a printed page. The code is an image mask written in
// the page (an inline image): each module one bit, painted black, as
// rsc.io/qr lays them out. A mask is painted, not smoothed, at any scale,
// where poppler smooths an image it enlarges less than four times; and
// the code takes neither a PNG of four pixels a module nor a rectangle a
// run of dark modules, the two ways that took half the time of rendering
// a record. rsc.io/qr encodes a receipt's address in 0.1 ms, where
// github.com/yeqown/go-qrcode took 3.6 ms, on the machine of
// docs/performance.md.
func drawQR(pdf *fpdf.Fpdf, text string, x, y, size float64) error {
	code, err := encodeQR(text)
	if err != nil {
		return err
	}
	k := pdf.GetConversionRatio()
	_, pageHeight := pdf.GetPageSize()
	module := size / float64(code.Size+8)
	side := module * float64(code.Size) * k
	row := (code.Size + 7) / 8 // the mask's rows, where the code's have a stride of their own
	b := make([]byte, 0, 128+2*row*code.Size)
	b = append(b, "q 0 g "...)
	for _, v := range []float64{side, 0, 0, side, (x + 4*module) * k, (pageHeight-y-4*module)*k - side} {
		b = append(strconv.AppendFloat(b, v, 'f', 3, 64), ' ')
	}
	b = fmt.Appendf(b, "cm\nBI /IM true /W %d /H %d /BPC 1 /D [1 0] /F /AHx ID\n", code.Size, code.Size)
	for y := range code.Size {
		b = hex.AppendEncode(b, code.Bitmap[y*code.Stride:y*code.Stride+row])
	}
	b = append(b, ">\nEI Q"...)
	pdf.RawWriteStr(string(b))
	return pdf.Error()
}

// qrPlans keeps the plan of each version of QR code, by version: the
// layout of its modules, which qr.Encode works out again for every code,
// allocating 180 KB each time. A plan is only read when encoding.
var qrPlans sync.Map

// encodeQR encodes text, as bytes, in the smallest QR code of the medium
// error correction level that holds it, as qr.Encode does.
func encodeQR(text string) (*coding.Code, error) {
	data := coding.String(text)
	for v := coding.Version(coding.MinVersion); v <= coding.MaxVersion; v++ {
		if data.Bits(v) > v.DataBytes(coding.M)*8 {
			continue
		}
		plan, ok := qrPlans.Load(v)
		if !ok {
			p, err := coding.NewPlan(v, coding.M, 0)
			if err != nil {
				return nil, err
			}
			plan, _ = qrPlans.LoadOrStore(v, p)
		}
		return plan.(*coding.Plan).Encode(data)
	}
	return nil, errors.New("processors: text too long for a QR code")
}
