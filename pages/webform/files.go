package webform

import (
	"context"
	"errors"
	"net/http"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/uploads"
)

// receive keeps the files a page posts (a browser without JavaScript
// sends them with the page), each checked against its field's rule and
// scanned, and returns what the answers then hold in their place, by
// field path; a file refused is said at its field, and the answers are
// kept. With JavaScript, files upload on their own as soon as chosen
// (api.UploadsPath) and the page posts their UploadRef instead.
func (p *Pages) receive(r *http.Request, form *schemas.Compiled) (map[string][]string, []schemas.FieldError, error) {
	if r.MultipartForm == nil || p.Uploads == nil {
		return nil, nil, nil
	}
	ctx := r.Context()
	req := web.RequestOf(ctx)
	received := map[string][]string{}
	var refused []schemas.FieldError
	for path := range r.MultipartForm.File {
		headers := web.PostedFiles(r, path)
		if len(headers) == 0 {
			continue // no file chosen
		}
		err := p.Intake.AllowUpload(req.Client)
		var rule schemas.FileRule
		if err == nil {
			rule, err = p.Intake.FileRule(ctx, req.Principal, form.ID, path)
		}
		switch {
		case errors.Is(err, submit.ErrNoFileField):
			continue
		case errors.Is(err, submit.ErrRateLimited):
			refused = append(refused, schemas.FieldError{Location: path, Message: locale.Text{
				FR: "Trop d'envois depuis votre connexion en peu de temps : joignez ce fichier à nouveau dans une minute.",
				EN: "Too many sendings from your connection in a short time: attach this file again in a minute.",
			}})
			continue
		case err != nil:
			return nil, nil, err
		}
		for _, h := range headers[:min(len(headers), rule.MaxFiles+1)] { // intake reports the excess
			f, err := web.ReceiveHeader(ctx, p.Uploads, rule, h)
			var refusal *uploads.Refusal
			switch {
			case errors.As(err, &refusal):
				refused = append(refused, schemas.FieldError{Location: path, Message: refusal.Message})
			case err != nil:
				return nil, nil, err
			default:
				received[path] = append(received[path], submit.UploadRef(f.ID))
			}
		}
	}
	return received, refused, nil
}

// fieldContext is what a page's fields are built with besides the
// answers: the errors by path, the language, and the names and sizes of
// the files the answers hold, read from their records.
func (p *Pages) fieldContext(r *http.Request, data map[string]any, fieldErrs []schemas.FieldError) fieldContext {
	lang := web.RequestOf(r.Context()).Lang
	fc := fieldContext{
		errs:  errorPaths(fieldErrs, func(f schemas.FieldError) string { return f.Message.In(lang) }),
		lang:  lang,
		files: map[string]keptFile{},
	}
	if p.Uploads == nil {
		return fc
	}
	submit.EachUpload(data, func(value, id string) {
		if f, err := p.Uploads.Get(r.Context(), id); err == nil && f.Scan != uploads.Infected {
			fc.files[value] = keptFile{Name: f.Name, Size: schemas.SizeText(f.Size).In(lang), Value: value}
		}
	})
	return fc
}

// fileName is the name and size of a file an answer holds, for the check
// page: an UploadRef, or the data URL of an older draft.
func (p *Pages) fileName(ctx context.Context, value string, lang locale.Lang) (string, bool) {
	if name, content, ok := submit.ParseDataURL(value); ok {
		return name + " (" + schemas.SizeText(int64(len(content))).In(lang) + ")", true
	}
	id, uploaded := submit.UploadOf(value)
	if !uploaded || p.Uploads == nil {
		return "", false
	}
	f, err := p.Uploads.Get(ctx, id)
	if err != nil {
		return "", false
	}
	return f.Name + " (" + schemas.SizeText(f.Size).In(lang) + ")", true
}
