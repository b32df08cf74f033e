package processors

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"sync"

	"rsc.io/qr"

	"codeberg.org/go-pdf/fpdf"
)

// qrPalette is white, then black: the image has one bit per module.
var qrPalette = color.Palette{color.Gray{Y: 0xff}, color.Gray{}}

// qrEncoder reuses its buffers from one code to the next.
var qrEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &encoderBuffers{}}

// encoderBuffers is a png.EncoderBufferPool over a sync.Pool.
type encoderBuffers struct{ pool sync.Pool }

func (p *encoderBuffers) Get() *png.EncoderBuffer {
	b, _ := p.pool.Get().(*png.EncoderBuffer)
	return b
}

func (p *encoderBuffers) Put(b *png.EncoderBuffer) { p.pool.Put(b) }

// drawQR draws text as a QR code at (x, y), size wide, with the medium
// error correction level, which a phone reads off a printed page. The code
// is an image of one pixel per module, shown without smoothing: a
// receipt's code has thousands of runs of dark modules, and drawing each
// as a rectangle took half the time of rendering a record. rsc.io/qr
// encodes a receipt's address in 0.13 ms, where github.com/yeqown/go-qrcode
// took 3.6 ms (32 ms with its PNG output), on the machine of
// docs/performance.md.
func drawQR(pdf *fpdf.Fpdf, text string, x, y, size float64) error {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return err
	}
	// Four modules of quiet zone around the code, as the standard asks.
	side := code.Size + 8
	img := image.NewPaletted(image.Rect(0, 0, side, side), qrPalette)
	for row := range code.Size {
		for col := range code.Size {
			if code.Black(col, row) {
				img.SetColorIndex(col+4, row+4, 1)
			}
		}
	}
	var buf bytes.Buffer
	if err := qrEncoder.Encode(&buf, img); err != nil {
		return err
	}
	options := fpdf.ImageOptions{ImageType: "PNG"}
	pdf.RegisterImageOptionsReader("qr", options, &buf)
	pdf.ImageOptions("qr", x, y, size, size, false, options, 0, "")
	return pdf.Error()
}
