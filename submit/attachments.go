package submit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
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

// pendingFile is a file read from the data, to be stored with the submission.
type pendingFile struct {
	Attachment
	content []byte
}

// extractFiles takes the files out of data: each is checked against its
// field's rule, by its content and not its name, and replaced by an
// AttachmentRef numbered from first, the number of files the submission
// already holds. The AttachmentRefs of those may stay; any other is
// refused. It returns the data so rewritten.
func extractFiles(data json.RawMessage, rules map[string]schemas.FileRule, first int) (json.RawMessage, []pendingFile, error) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, err
	}
	var files []pendingFile
	var problems []schemas.FieldError
	fields := make([]string, 0, len(rules))
	for f := range rules {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	for _, field := range fields {
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
				if n, already := AttachmentIndex(s); s == "" || (already && n < first) {
					continue
				} else if already {
					problems = append(problems, schemas.FieldError{Location: at, Message: unreadableFile})
					continue
				}
				file, problem := readFile(s, rule, field)
				if problem != nil {
					problems = append(problems, schemas.FieldError{Location: at, Message: *problem})
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

// readFile decodes and checks one file.
func readFile(s string, rule schemas.FileRule, field string) (pendingFile, *locale.Text) {
	name, content, ok := ParseDataURL(s)
	if !ok {
		return pendingFile{}, &unreadableFile
	}
	if int64(len(content)) > rule.MaxSize {
		return pendingFile{}, &locale.Text{
			FR: fmt.Sprintf("Le fichier « %s » dépasse %s.", name, schemas.SizeText(rule.MaxSize)),
			EN: fmt.Sprintf("The file “%s” is larger than %s.", name, schemas.SizeText(rule.MaxSize)),
		}
	}
	mediaType, _, _ := strings.Cut(http.DetectContentType(content), ";")
	if !slices.Contains(rule.Accept, mediaType) {
		return pendingFile{}, &locale.Text{
			FR: fmt.Sprintf("Le fichier « %s » n'est pas d'un type accepté (%s).", name, acceptText(rule.Accept)),
			EN: fmt.Sprintf("The file “%s” is not of an accepted type (%s).", name, acceptText(rule.Accept)),
		}
	}
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || name == "" {
		name = "fichier"
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	sum := sha256.Sum256(content)
	return pendingFile{
		Attachment: Attachment{Field: field, Name: name, Type: mediaType, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]),
			Object: bus.UploadName(nuid.Next())},
		content: content,
	}, nil
}

func acceptText(types []string) string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = strings.ToUpper(strings.TrimPrefix(strings.TrimPrefix(t, "application/"), "image/"))
	}
	return strings.Join(names, ", ")
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

// storeFiles puts a submission's files in the documents object store,
// each under the name it was given when it arrived, before the
// submission is stored: a submission never names a file that is not
// there.
func storeFiles(ctx context.Context, docs jetstream.ObjectStore, files []pendingFile) error {
	for _, f := range files {
		_, err := docs.Put(ctx, jetstream.ObjectMeta{
			Name:        f.Object,
			Description: f.Name,
			Headers:     map[string][]string{"Content-Type": {f.Type}},
		}, bytes.NewReader(f.content))
		if err != nil {
			return fmt.Errorf("%w: store attachment: %w", ErrUnavailable, err)
		}
	}
	return nil
}
