package schemas

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/guichet/guichet/internal/platform/locale"
)

// A file field is a string with "format": "data-url" (as RJSF writes
// them) or a "ui:widget": "file", or a list of such strings. Its uiSchema
// "ui:options" may bound it: {"accept": [MIME types], "maxSize": bytes,
// "maxFiles": n}.

// Default bounds of a file field. A field may take files up to
// MaxUploadSize, which only an upload on its own can carry (see
// api.UploadsPath): a submission's body or a page's post is bounded well
// below.
const (
	DefaultMaxFileSize    = 10 << 20
	DefaultMaxFiles       = 5
	MaxFilesPerSubmission = 20
	// MaxUploadSize bounds any file, for tenders' documents included.
	MaxUploadSize = 1 << 30
)

// Media types of the office documents a field takes by default.
const (
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypePPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	TypeODT  = "application/vnd.oasis.opendocument.text"
	TypeODS  = "application/vnd.oasis.opendocument.spreadsheet"
	TypeODP  = "application/vnd.oasis.opendocument.presentation"
)

// DefaultAccept is what a file field takes unless its uiSchema says
// otherwise: PDF, images, and office documents.
var DefaultAccept = []string{
	"application/pdf", "image/jpeg", "image/png",
	TypeDOCX, TypeXLSX, TypePPTX, TypeODT, TypeODS, TypeODP,
	"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
}

// typeNames name media types for people.
var typeNames = map[string]string{
	"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WebP",
	"image/tiff": "TIFF", TypeDOCX: "Word", TypeXLSX: "Excel", TypePPTX: "PowerPoint",
	TypeODT: "OpenDocument", TypeODS: "OpenDocument", TypeODP: "OpenDocument",
	"application/msword": "Word", "application/vnd.ms-excel": "Excel", "application/vnd.ms-powerpoint": "PowerPoint",
	"application/zip": "ZIP", "text/plain": "TXT", "text/csv": "CSV",
}

// neverAccepted are the media types no field takes, whatever its rule
// says: pages and scripts a browser would run, and programs.
var neverAccepted = []string{
	"text/html", "application/xhtml+xml", "image/svg+xml", "application/xml", "text/xml", "text/javascript", "application/javascript",
	"application/x-msdownload", "application/vnd.microsoft.portable-executable", "application/x-elf", "application/x-executable",
	"application/x-sharedlib", "application/x-mach-binary", "application/x-sh", "text/x-shellscript", "application/x-java-archive",
	"application/vnd.android.package-archive",
}

// Takes reports whether a field with rule r takes a file whose content
// is of mediaType.
func (r FileRule) Takes(mediaType string) bool {
	return slices.Contains(r.Accept, mediaType) && !slices.Contains(neverAccepted, mediaType)
}

// TypeName names a media type for people: "PDF", "Word".
func TypeName(mediaType string) string {
	if name, known := typeNames[mediaType]; known {
		return name
	}
	return strings.ToUpper(mediaType[strings.LastIndex(mediaType, "/")+1:])
}

// Text says what a rule takes, for people: "PDF, JPEG, PNG, 10 Mo au
// plus, 5 fichiers au plus".
func (r FileRule) Text(lang locale.Lang) string {
	text := r.TypesText() + ", " + SizeText(r.MaxSize).In(lang) + locale.Say(lang, " au plus", " at most")
	if r.Multiple {
		text += ", " + strconv.Itoa(r.MaxFiles) + locale.Say(lang, " fichiers au plus", " files at most")
	}
	return text
}

// TypesText names the types a rule takes, for people: "PDF, JPEG, PNG,
// Word, Excel".
func (r FileRule) TypesText() string {
	var names []string
	for _, t := range r.Accept {
		if name := TypeName(t); !slices.Contains(names, name) && !slices.Contains(neverAccepted, t) {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

// FileRule bounds a file field.
type FileRule struct {
	Accept   []string `json:"accept"`
	MaxSize  int64    `json:"maxSize"`
	MaxFiles int      `json:"maxFiles"`
	// Multiple says the field holds a list of files.
	Multiple bool `json:"-"`
}

// FileFields returns the file fields of a form, by path: "justificatif",
// "adresse.preuve", "enfants.*.certificat" (any item of a list).
func (c *Compiled) FileFields() map[string]FileRule { return c.files }

func fileFieldsOf(v Version) map[string]FileRule {
	out := map[string]FileRule{}
	collectFileFields(v.Schema, v.UISchema, "", out)
	return out
}

func collectFileFields(schemaRaw, uiRaw json.RawMessage, prefix string, out map[string]FileRule) {
	props := AllProperties(schemaRaw)
	ui := map[string]json.RawMessage{}
	_ = json.Unmarshal(uiRaw, &ui)
	for name, raw := range props {
		path := prefix + name
		var field struct {
			Type   string          `json:"type"`
			Format string          `json:"format"`
			Items  json.RawMessage `json:"items"`
		}
		_ = json.Unmarshal(raw, &field)
		var hints struct {
			Widget string          `json:"ui:widget"`
			Items  json.RawMessage `json:"items"`
		}
		_ = json.Unmarshal(ui[name], &hints)
		switch field.Type {
		case "string":
			if field.Format == "data-url" || hints.Widget == "file" {
				out[path] = FileRuleOf(ui[name], false)
			}
		case "array":
			var item struct {
				Type   string `json:"type"`
				Format string `json:"format"`
			}
			_ = json.Unmarshal(field.Items, &item)
			if item.Type == "string" && (item.Format == "data-url" || hints.Widget == "file") {
				out[path] = FileRuleOf(ui[name], true)
			} else if item.Type == "object" {
				collectFileFields(field.Items, hints.Items, path+".*.", out)
			}
		case "object":
			collectFileFields(raw, ui[name], path+".", out)
		}
	}
}

// FileRuleOf reads a file field's rule from its uiSchema's "ui:options",
// with the defaults for what it does not say.
func FileRuleOf(uiRaw json.RawMessage, multiple bool) FileRule {
	var hints struct {
		Options FileRule `json:"ui:options"`
	}
	_ = json.Unmarshal(uiRaw, &hints)
	r := hints.Options
	if len(r.Accept) == 0 {
		r.Accept = DefaultAccept
	}
	if r.MaxSize <= 0 || r.MaxSize > MaxUploadSize {
		r.MaxSize = DefaultMaxFileSize
	}
	if r.MaxFiles <= 0 {
		r.MaxFiles = DefaultMaxFiles
	}
	if !multiple {
		r.MaxFiles = 1
	}
	r.Multiple = multiple
	return r
}

// SizeText writes a file size for people: "2,5 Mo" and "2.5 MB".
func SizeText(n int64) locale.Text {
	var number, fr, en string
	switch {
	case n >= 1<<20:
		number, fr, en = strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64), " Mo", " MB"
		number = strings.TrimSuffix(number, ".0")
	case n >= 1<<10:
		number, fr, en = strconv.FormatInt(n>>10, 10), " Ko", " KB"
	default:
		number, fr, en = strconv.FormatInt(n, 10), " octets", " bytes"
	}
	return locale.Text{FR: strings.ReplaceAll(number, ".", ",") + fr, EN: number + en}
}
