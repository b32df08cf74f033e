package processors

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"sync"

	"rsc.io/qr/coding"

	"codeberg.org/go-pdf/fpdf"
)

// qrPixels is the side of a module in the code's image, in pixels. A
// viewer shows an image it enlarges by less than four times smoothed,
// whatever the PDF asks (poppler does), which blurs a dense code on a
// screen: with four pixels a module, a 40 mm code is shrunk, not
// enlarged, at any resolution under 250 dpi, and enlarged at least four
// times past it. writeQRPNG packs two modules a byte: it must stay four.
const qrPixels = 4

// drawQR draws text as a QR code at (x, y), size wide, with the medium
// error correction level, which a phone reads off a printed page. The code
// is an image of one bit a pixel: a receipt's code has thousands of runs
// of dark modules, and drawing each as a rectangle took half the time of
// rendering a record. rsc.io/qr
// encodes a receipt's address in 0.13 ms, where github.com/yeqown/go-qrcode
// took 3.6 ms (32 ms with its PNG output), on the machine of
// docs/performance.md.
func drawQR(pdf *fpdf.Fpdf, text string, x, y, size float64) error {
	code, err := encodeQR(text)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := writeQRPNG(&buf, code); err != nil {
		return err
	}
	options := fpdf.ImageOptions{ImageType: "PNG"}
	pdf.RegisterImageOptionsReader("qr", options, &buf)
	pdf.ImageOptions("qr", x, y, size, size, false, options, 0, "")
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

// writeQRPNG writes code as a PNG image of one bit a pixel, black on
// white, qrPixels pixels a module, with four modules of quiet zone around
// it, as the standard asks. image/png took 0.5 ms for it, reading every
// pixel through the image.Image interface; here a row of modules is
// packed once, two modules a byte, and its repetitions go with PNG's "Up"
// filter, as rows of zeros that compress at once.
func writeQRPNG(w *bytes.Buffer, code *coding.Code) error {
	side := (code.Size + 8) * qrPixels
	w.WriteString("\x89PNG\r\n\x1a\n")
	var header [13]byte
	binary.BigEndian.PutUint32(header[0:], uint32(side))
	binary.BigEndian.PutUint32(header[4:], uint32(side))
	header[8], header[9] = 1, 3 // one bit a pixel, indexed colours
	writePNGChunk(w, "IHDR", header[:])
	writePNGChunk(w, "PLTE", []byte{0xff, 0xff, 0xff, 0, 0, 0}) // 0 white, 1 black

	var pixels bytes.Buffer
	z := qrCompressors.Get().(*zlib.Writer)
	defer qrCompressors.Put(z)
	z.Reset(&pixels)
	row := make([]byte, 1+(side+7)/8) // the filter type, 0 (none), then the pixels
	same := make([]byte, len(row))    // the filter type, 2 (up), then no change
	same[0] = 2
	for y := -4; y < code.Size+4; y++ {
		clear(row)
		for x := 0; y >= 0 && y < code.Size && x < code.Size; x++ {
			if code.Black(x, y) {
				m := x + 4 // past the quiet zone
				row[1+m/2] |= 0xf0 >> (4 * (m % 2))
			}
		}
		if _, err := z.Write(row); err != nil {
			return err
		}
		for range qrPixels - 1 {
			if _, err := z.Write(same); err != nil {
				return err
			}
		}
	}
	if err := z.Close(); err != nil {
		return err
	}
	writePNGChunk(w, "IDAT", pixels.Bytes())
	writePNGChunk(w, "IEND", nil)
	return nil
}

// qrCompressors keeps the compressors of writeQRPNG from one code to the
// next: each holds buffers of several hundred kilobytes.
var qrCompressors = sync.Pool{New: func() any {
	z, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed) // a valid level never fails
	return z
}}

// writePNGChunk writes a chunk of a PNG file: its length, type, data and
// checksum.
func writePNGChunk(w *bytes.Buffer, kind string, data []byte) {
	var length [4]byte
	binary.BigEndian.PutUint32(length[:], uint32(len(data)))
	w.Write(length[:])
	w.WriteString(kind)
	w.Write(data)
	sum := crc32.NewIEEE()
	sum.Write([]byte(kind))
	sum.Write(data)
	var check [4]byte
	binary.BigEndian.PutUint32(check[:], sum.Sum32())
	w.Write(check[:])
}
