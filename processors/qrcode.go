package processors

import (
	"bytes"

	"github.com/yeqown/go-qrcode/v2"
	"github.com/yeqown/go-qrcode/writer/standard"
)

// qrPNG draws text as a QR code in a PNG image, with the medium error
// correction level, which a phone reads off a printed page.
func qrPNG(text string) ([]byte, error) {
	code, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return nil, err
	}
	var out closingBuffer
	if err := code.Save(standard.NewWithWriter(&out, standard.WithQRWidth(6), standard.WithBuiltinImageEncoder(standard.PNG_FORMAT), standard.WithBorderWidth(12))); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// closingBuffer is a buffer the QR writer can close.
type closingBuffer struct{ bytes.Buffer }

func (*closingBuffer) Close() error { return nil }
