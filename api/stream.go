package api

import (
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

// downloadStall is how long a download may go without taking a byte
// before it is cut.
const downloadStall = time.Minute

// progressWriter writes an answer's body, pushing its write deadline back
// at each write: the server's WriteTimeout would cut a download of
// hundreds of megabytes that flows, and must still cut one that stalls.
type progressWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (p progressWriter) Write(b []byte) (int, error) {
	_ = p.rc.SetWriteDeadline(time.Now().Add(downloadStall)) // a writer that cannot keeps the server's
	return p.w.Write(b)
}

// bodyWriter is the body of a streamed answer, as long as it flows.
func bodyWriter(hctx huma.Context) io.Writer {
	_, w := humago.Unwrap(hctx)
	return progressWriter{w: hctx.BodyWriter(), rc: http.NewResponseController(w)}
}
