package submit

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/uploads"
)

// Attachment describes a file sent with a submission. The file is in the
// documents object store; the data holds "attachment:<n>" in its place.
type Attachment struct {
	Field  string `json:"field"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Object is its name in the object store (see bus.UploadName), given
	// when it arrives; absent on the files of before layout 3, named by
	// their submission (see bus.AttachmentName).
	Object string `json:"object,omitempty"`
}

// AttachmentOf describes a file received, sent as an answer to field
// ("" for a file sent with a message).
func AttachmentOf(f uploads.File, field string) Attachment {
	return Attachment{Field: field, Name: f.Name, Type: f.Type, Size: f.Size, SHA256: f.SHA256, Object: f.Object()}
}

// ObjectName is the name in the object store of the file, the n-th of
// the submission of reference.
func (a Attachment) ObjectName(reference string, n int) string {
	if a.Object != "" {
		return a.Object
	}
	return bus.AttachmentName(reference, n)
}

// AttachmentRef is what stands in the data for the n-th attachment.
func AttachmentRef(n int) string { return "attachment:" + strconv.Itoa(n) }

// attachmentRefs finds the AttachmentRefs in an answer's text.
var attachmentRefs = regexp.MustCompile(`attachment:[0-9]+`)

// NameFiles shows each attached file by its name where an answer holds its
// AttachmentRef, for the dossier, the exports and the PDF record.
func NameFiles(answers []schemas.Answer, files []Attachment) []schemas.Answer {
	for i, a := range answers {
		answers[i].Value = attachmentRefs.ReplaceAllStringFunc(a.Value, func(ref string) string {
			if n, ok := AttachmentIndex(ref); ok && n < len(files) {
				return files[n].Name
			}
			return ref
		})
	}
	return answers
}

// AttachmentIndex reads an AttachmentRef.
func AttachmentIndex(value string) (int, bool) {
	rest, ok := strings.CutPrefix(value, "attachment:")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 0
}

// DataURL writes a file as a data URL, the way forms send files.
func DataURL(name, mediaType string, content []byte) string {
	return "data:" + mediaType + ";name=" + url.PathEscape(name) + ";base64," + base64.StdEncoding.EncodeToString(content)
}

// ParseDataURL reads a data URL: its file name, if given, and content.
func ParseDataURL(s string) (name string, content []byte, ok bool) {
	rest, found := strings.CutPrefix(s, "data:")
	header, payload, comma := strings.Cut(rest, ",")
	if !found || !comma {
		return "", nil, false
	}
	isBase64 := false
	for _, param := range strings.Split(header, ";")[1:] {
		switch {
		case param == "base64":
			isBase64 = true
		case strings.HasPrefix(param, "name="):
			name, _ = url.PathUnescape(strings.TrimPrefix(param, "name="))
		}
	}
	if !isBase64 {
		return "", nil, false
	}
	content, err := base64.StdEncoding.DecodeString(payload)
	return name, content, err == nil
}

// UploadRef is what stands in the data, before submission, for a file
// uploaded on its own (see uploads.Service.Receive): its id.
func UploadRef(id string) string { return uploadPrefix + id }

const uploadPrefix = "upload:"

// UploadOf reads an UploadRef: the id of the file it names.
func UploadOf(value string) (string, bool) { return strings.CutPrefix(value, uploadPrefix) }

// EachUpload calls fn with every UploadRef in a JSON value (answers), and
// the id it names.
func EachUpload(v any, fn func(value, id string)) {
	switch v := v.(type) {
	case string:
		if id, uploaded := UploadOf(v); uploaded {
			fn(v, id)
		}
	case []any:
		for _, item := range v {
			EachUpload(item, fn)
		}
	case map[string]any:
		for _, item := range v {
			EachUpload(item, fn)
		}
	}
}

// pendingFile is a file named in the data, to be attached to the
// submission: sent in the data as a data URL, or uploaded before.
type pendingFile struct {
	field, location string
	rule            schemas.FileRule
	// upload is the id of a file uploaded before; otherwise name and
	// content are the data URL's.
	upload  string
	name    string
	content []byte
}

// extractFiles takes the files out of data: each is replaced by an
// AttachmentRef numbered from first, the number of files the submission
// already holds. The AttachmentRefs of those may stay; any other is
// refused. It returns the data so rewritten; receiveFiles then checks and
// keeps the files.
func extractFiles(data json.RawMessage, rules map[string]schemas.FileRule, first int) (json.RawMessage, []pendingFile, error) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, err
	}
	var files []pendingFile
	var problems []schemas.FieldError
	for _, field := range slices.Sorted(maps.Keys(rules)) {
		rule := rules[field]
		visit(doc, strings.Split(field, "."), "", func(location string, value any, set func(any)) {
			values := []any{value}
			list, isList := value.([]any)
			if isList {
				values = list
			}
			if len(values) > rule.MaxFiles {
				problems = append(problems, schemas.FieldError{Location: location, Message: locale.Text{
					FR: fmt.Sprintf("Joignez au plus %d fichiers.", rule.MaxFiles),
					EN: fmt.Sprintf("Attach at most %d files.", rule.MaxFiles),
				}})
				return
			}
			for i, v := range values {
				s, _ := v.(string)
				at := location
				if isList {
					at = location + "[" + strconv.Itoa(i) + "]"
				}
				file := pendingFile{field: field, location: at, rule: rule}
				if n, already := AttachmentIndex(s); s == "" || (already && n < first) {
					continue
				} else if already {
					problems = append(problems, schemas.FieldError{Location: at, Message: unreadableFile})
					continue
				}
				if id, uploaded := UploadOf(s); uploaded {
					file.upload = id
				} else if name, content, ok := ParseDataURL(s); ok {
					file.name, file.content = name, content
				} else {
					problems = append(problems, schemas.FieldError{Location: at, Message: unreadableFile})
					continue
				}
				ref := AttachmentRef(first + len(files))
				files = append(files, file)
				if isList {
					list[i] = ref
				} else {
					set(ref)
				}
			}
		})
	}
	if len(files) > schemas.MaxFilesPerSubmission {
		problems = append(problems, schemas.FieldError{Message: locale.Text{
			FR: fmt.Sprintf("Une demande compte au plus %d fichiers.", schemas.MaxFilesPerSubmission),
			EN: fmt.Sprintf("A request holds at most %d files.", schemas.MaxFilesPerSubmission),
		}})
	}
	if len(problems) > 0 {
		return nil, nil, &schemas.ValidationError{Fields: problems}
	}
	out, err := json.Marshal(doc)
	return out, files, err
}

var unreadableFile = locale.Text{
	FR: "Ce fichier n'a pas pu être lu : envoyez-le à nouveau.",
	EN: "This file could not be read: send it again.",
}

var unknownUpload = locale.Text{
	FR: "Ce fichier n'est plus disponible : joignez-le à nouveau.",
	EN: "This file is no longer available: attach it again.",
}

// receiveFiles checks and keeps a submission's files, before the
// submission is stored, so that it never names a file that is not there:
// those of data URLs are received (their type read from their content,
// scanned) and those uploaded before are checked against their field's
// rule and kept for the grace period, until their submission's record
// holds them. It returns the attachments, in order.
func (in *Intake) receiveFiles(ctx context.Context, files []pendingFile) ([]Attachment, error) {
	attachments := make([]Attachment, 0, len(files))
	var problems []schemas.FieldError
	for _, p := range files {
		var f uploads.File
		var err error
		if p.upload != "" {
			f, err = in.uploaded(ctx, p)
		} else {
			f, err = in.uploads.Receive(ctx, "", p.name, p.rule, bytes.NewReader(p.content))
		}
		var refusal *uploads.Refusal
		switch {
		case errors.As(err, &refusal):
			problems = append(problems, schemas.FieldError{Location: p.location, Message: refusal.Message})
			continue
		case err != nil:
			return nil, fmt.Errorf("%w: store attachment: %w", ErrUnavailable, err)
		}
		attachments = append(attachments, AttachmentOf(f, p.field))
	}
	if len(problems) > 0 {
		return nil, &schemas.ValidationError{Fields: problems}
	}
	return attachments, nil
}

// uploaded checks a file uploaded before against its field's rule, and
// keeps it for the grace period.
func (in *Intake) uploaded(ctx context.Context, p pendingFile) (uploads.File, error) {
	f, err := in.uploads.Get(ctx, p.upload)
	if errors.Is(err, uploads.ErrNotFound) {
		return f, &uploads.Refusal{Message: unknownUpload}
	}
	if err != nil {
		return f, err
	}
	if f.Reference != "" {
		return f, &uploads.Refusal{Message: unknownUpload} // another submission's
	}
	if err := f.Fits(p.rule); err != nil {
		return f, err
	}
	return f, in.uploads.Keep(ctx, f.ID, in.now().Add(in.uploads.Grace()))
}

// visit calls fn on the value at a path of the data ("*" for every item of
// a list), with its location and a setter.
func visit(node any, path []string, location string, fn func(location string, value any, set func(any))) {
	obj, ok := node.(map[string]any)
	if !ok || len(path) == 0 {
		return
	}
	name := path[0]
	at := name
	if location != "" {
		at = location + "." + name
	}
	value, present := obj[name]
	if !present {
		return
	}
	if len(path) == 1 {
		fn(at, value, func(v any) { obj[name] = v })
		return
	}
	if path[1] == "*" {
		list, _ := value.([]any)
		for i, item := range list {
			visit(item, path[2:], at+"["+strconv.Itoa(i)+"]", fn)
		}
		return
	}
	visit(value, path[1:], at, fn)
}

// ErrNoFileField means a form has no file field of that name.
var ErrNoFileField = errors.New("submit: no such file field")

// AllowUpload counts an upload against the client's rate limit, which
// submissions share, and refuses it with ErrRateLimited past the limit.
func (in *Intake) AllowUpload(client string) error {
	if !in.limits.Allow(client, in.now()) {
		return ErrRateLimited
	}
	return nil
}

// FileRule is the rule of a form's file field, for a file uploaded on its
// own before the submission: the form must take submissions from
// principal now, as Submit checks. field is the field's path, its items
// numbered or not: "enfants.0.certificat" or "enfants.*.certificat".
func (in *Intake) FileRule(ctx context.Context, principal identity.Principal, formID, field string) (schemas.FileRule, error) {
	form, err := in.forms.Latest(ctx, formID)
	if err != nil {
		return schemas.FileRule{}, err
	}
	if form.Audience == schemas.Internal && !principal.IsAgent() {
		return schemas.FileRule{}, ErrSignInRequired
	}
	if !form.OpenAt(in.now()) {
		return schemas.FileRule{}, ErrFormClosed
	}
	parts := strings.Split(field, ".")
	for i, part := range parts {
		if _, err := strconv.Atoi(part); err == nil {
			parts[i] = "*"
		}
	}
	rule, ok := form.FileFields()[strings.Join(parts, ".")]
	if !ok {
		return schemas.FileRule{}, ErrNoFileField
	}
	return rule, nil
}
