package web

import (
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/uploads"
)

// PostedFiles lists the files a multipart form posted in field, the
// empty parts of file inputs left with nothing chosen left out.
func PostedFiles(r *http.Request, field string) []*multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	return slices.DeleteFunc(slices.Clone(r.MultipartForm.File[field]), func(h *multipart.FileHeader) bool { return h.Size == 0 })
}

// ReceivePosted keeps files a form posted, each checked against rule and
// scanned, streamed from where the form's parsing put them. The first
// file refused stops it with its *uploads.Refusal; those kept before it
// go with the grace period, as nothing holds them.
func ReceivePosted(
	ctx context.Context,
	files *uploads.Service,
	rule schemas.FileRule,
	posted []*multipart.FileHeader,
) ([]uploads.File, error) {
	if len(posted) > rule.MaxFiles {
		return nil, &uploads.Refusal{Message: locale.Text{
			FR: fmt.Sprintf("Joignez au plus %d fichiers.", rule.MaxFiles),
			EN: fmt.Sprintf("Attach at most %d files.", rule.MaxFiles),
		}}
	}
	out := make([]uploads.File, 0, len(posted))
	for _, h := range posted {
		f, err := ReceiveHeader(ctx, files, rule, h)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// ReceiveHeader keeps one posted file, checked against rule and scanned.
func ReceiveHeader(ctx context.Context, files *uploads.Service, rule schemas.FileRule, h *multipart.FileHeader) (uploads.File, error) {
	if files == nil {
		return uploads.File{}, errors.New("web: no file store")
	}
	content, err := h.Open()
	if err != nil {
		return uploads.File{}, err
	}
	defer content.Close()
	return files.Receive(ctx, "", h.Filename, rule, content)
}
