// Package schemas owns form definitions: the Form, Version and Routing types,
// the Registry that keeps drafts and immutable published versions in NATS KV,
// the safe compilation of untrusted JSON Schemas, the validation of data into
// localised field errors, and the evaluation of routing conditions.
//
// Business layer (internal/test/layering).
package schemas

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"time"
)

// Audience says who may see and fill a form.
type Audience string

// The audiences of a form.
const (
	// Public forms are open to anyone, without an account.
	Public Audience = "public"
	// Internal forms are for signed-in agents only.
	Internal Audience = "internal"
)

// Form is a form definition, as an admin edits it in a draft.
type Form struct {
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Description string          `json:"description,omitempty"`
	Audience    Audience        `json:"audience"`
	Schema      json.RawMessage `json:"schema"`
	UISchema    json.RawMessage `json:"uiSchema,omitempty"`
	Routing     Routing         `json:"routing"`
	OpensAt     *time.Time      `json:"opensAt,omitempty"`
	ClosesAt    *time.Time      `json:"closesAt,omitempty"`
	// DraftDays is how long a saved, unfinished form is kept (default
	// DefaultDraftDays, at most MaxDraftDays).
	DraftDays int `json:"draftDays,omitempty"`
	// MaxSubmissions, when set, closes the form once it has received that many.
	MaxSubmissions int `json:"maxSubmissions,omitempty"`
	// RetentionDays is how long submissions are kept (0: the default policy).
	RetentionDays int `json:"retentionDays,omitempty"`
	// Confirmation says, on the receipt, what happens next.
	Confirmation string `json:"confirmation,omitempty"`
	// Workflow, for an internal form, is the approval its requests go through.
	Workflow *Workflow `json:"workflow,omitempty"`
	// Checks are the rules across answers, each with its message.
	Checks []CrossCheck `json:"checks,omitempty" maxItems:"50"`
	// Languages are the languages the form is published in besides
	// French, "en" or "de"; Translations, its texts in each, by key (see
	// Texts).
	Languages    []string                     `json:"languages,omitempty" maxItems:"2"`
	Translations map[string]map[string]string `json:"translations,omitempty"`
	// EmbedOrigins are the sites that may show the form in a frame, as
	// origins: "https://www.moselle.fr". None keeps it out of every frame.
	EmbedOrigins []string `json:"embedOrigins,omitempty" maxItems:"10" example:"[\"https://www.moselle.fr\"]"`
}

// ValidEmbedOrigin reports whether origin can embed a form: an https
// origin, scheme and host with no path, or http on this machine (for
// trials).
func ValidEmbedOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || origin != u.Scheme+"://"+u.Host {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		host := u.Hostname()
		return host == "localhost" || host == "127.0.0.1" || host == "::1"
	}
	return false
}

// Bounds of a form's settings.
const (
	MaxRetentionDays      = 3650
	MaxConfirmationLength = 2000
)

// Draft lifetimes, in days.
const (
	DefaultDraftDays = 30
	MaxDraftDays     = 90
)

// DraftLifetime is how long this form's saved drafts are kept.
func (f *Form) DraftLifetime() time.Duration {
	days := f.DraftDays
	if days <= 0 {
		days = DefaultDraftDays
	}
	return time.Duration(min(days, MaxDraftDays)) * 24 * time.Hour
}

// Routing decides which department receives a submission: the first rule
// whose condition the data satisfies, or else the default.
type Routing struct {
	Default string `json:"default"`
	Rules   []Rule `json:"rules,omitempty"`
}

// Sends reports whether the routing can send a submission to department.
func (r Routing) Sends(department string) bool {
	return r.Default == department || slices.ContainsFunc(r.Rules, func(rule Rule) bool { return rule.Department == department })
}

// Rule sends the submissions whose data validates against When to Department.
type Rule struct {
	When       json.RawMessage `json:"when"`
	Department string          `json:"department"`
}

// Version is a published, immutable version of a form.
type Version struct {
	Form
	Version     int       `json:"version"`
	PublishedAt time.Time `json:"publishedAt"`
}

// idPattern is the shape of form and department ids: they appear in NATS
// subjects and URLs, so they are lower-case words joined by hyphens.
var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// MaxIDLength bounds form and department ids.
const MaxIDLength = 64

// ValidID reports whether id can name a form or a department.
func ValidID(id string) bool {
	return len(id) <= MaxIDLength && idPattern.MatchString(id)
}

// OpenAt reports whether the form accepts submissions at t.
func (f *Form) OpenAt(t time.Time) bool {
	if f.OpensAt != nil && t.Before(*f.OpensAt) {
		return false
	}
	if f.ClosesAt != nil && !t.Before(*f.ClosesAt) {
		return false
	}
	return true
}
