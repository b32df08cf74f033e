package webform

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// maxRepeatItems bounds a repeatable group when its schema does not.
const maxRepeatItems = 50

// countField is the hidden field that says how many items a repeatable group has.
func countField(path string) string { return path + "._n" }

// posted is a form post: its fields, and the files it carried, received
// already (see Pages.receive), by field path.
type posted struct {
	values   url.Values
	received map[string][]string
}

// postedOf reads a form post, dropping the control characters (other than
// tab and line breaks) that a paste can carry and that answers refuse.
func postedOf(r *http.Request, received map[string][]string) posted {
	values := url.Values{}
	for key, list := range r.PostForm {
		for _, v := range list {
			values[key] = append(values[key], strings.Map(dropControl, strings.ToValidUTF8(v, "")))
		}
	}
	return posted{values: values, received: received}
}

func dropControl(r rune) rune {
	if submit.IsControl(r) {
		return -1
	}
	return r
}

// parseObject reads the answers of an object schema from a form post.
// Empty controls are left out, so that "required" speaks of them; a
// number that does not parse stays as typed, so that validation reports it
// and the person sees it again. Files become data URLs, checked by intake.
func parseObject(schemaRaw, uiRaw json.RawMessage, form posted, prefix string) map[string]any {
	props := schemas.AllProperties(schemaRaw)
	ui := map[string]json.RawMessage{}
	_ = json.Unmarshal(uiRaw, &ui)
	data := map[string]any{}
	for name, raw := range props {
		if v, ok := parseValue(raw, ui[name], form, prefix+name); ok {
			data[name] = v
		}
	}
	return data
}

func parseValue(schemaRaw, uiRaw json.RawMessage, p posted, path string) (any, bool) {
	var n node
	_ = json.Unmarshal(schemaRaw, &n)
	var hints uiHints
	_ = json.Unmarshal(uiRaw, &hints)
	form := p.values
	if rule, ok := fileRule(n, hints, uiRaw); ok {
		return parseFiles(p, path, rule)
	}
	switch n.typ() {
	case "object":
		return parseObject(schemaRaw, uiRaw, p, path+"."), true
	case "array":
		var items node
		_ = json.Unmarshal(n.Items, &items)
		if items.typ() == "object" {
			var itemUI struct {
				Items json.RawMessage `json:"items"`
			}
			_ = json.Unmarshal(uiRaw, &itemUI)
			count, _ := strconv.Atoi(form.Get(countField(path)))
			limit := maxRepeatItems
			if n.MaxItems > 0 && n.MaxItems < limit {
				limit = n.MaxItems
			}
			count = max(0, min(count, limit))
			list := make([]any, count)
			for i := range count {
				list[i] = parseObject(n.Items, itemUI.Items, p, path+"."+strconv.Itoa(i)+".")
			}
			return list, true
		}
		values := form[path]
		if len(values) == 0 {
			return nil, false
		}
		list := make([]any, len(values))
		for i, v := range values {
			list[i] = typedScalar(items.typ(), v)
		}
		return list, true
	case "boolean":
		return form.Get(path) == "true", true
	}
	v := strings.TrimSpace(form.Get(path))
	if v == "" {
		return nil, false
	}
	return typedScalar(n.typ(), schemas.Normalize(n.Format, v)), true
}

// parseFiles reads a file field: the files posted now, received
// already, or, if none, those the page carried from before (their
// UploadRef, or a data URL of an older draft).
func parseFiles(p posted, path string, rule schemas.FileRule) (any, bool) {
	var refs []any
	for _, ref := range p.received[path] {
		refs = append(refs, ref)
	}
	if len(refs) == 0 {
		for _, kept := range p.values[path] {
			if _, uploaded := submit.UploadOf(kept); uploaded || strings.HasPrefix(kept, "data:") {
				refs = append(refs, kept)
			}
		}
	}
	switch {
	case len(refs) == 0:
		return nil, false
	case rule.Multiple:
		return refs, true
	default:
		return refs[0], true
	}
}

// typedScalar converts a typed answer to the schema's type. Numbers may be
// written the French way: "1 500,50".
func typedScalar(typ, v string) any {
	switch typ {
	case "number", "integer":
		clean := strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", ",", ".").Replace(v)
		if i, err := strconv.ParseInt(clean, 10, 64); err == nil {
			return i
		}
		if f, err := strconv.ParseFloat(clean, 64); err == nil {
			return f
		}
	case "boolean":
		return v == "true"
	}
	return v
}

// errorPaths turns validation errors into messages by field path:
// "enfants[1].nom" becomes "enfants.1.nom".
func errorPaths(fields []schemas.FieldError, pick func(schemas.FieldError) string) map[string]string {
	errs := map[string]string{}
	for _, f := range fields {
		path := strings.NewReplacer("[", ".", "]", "").Replace(f.Location)
		if _, seen := errs[path]; !seen {
			errs[path] = pick(f)
		}
	}
	return errs
}

// applyAction adds or removes an item of a repeatable group, as the "add"
// and "remove" buttons ask: "add:enfants", "remove:enfants.1".
func applyAction(data map[string]any, action string) {
	verb, path, _ := strings.Cut(action, ":")
	parts := strings.Split(path, ".")
	switch verb {
	case "add":
		parent, key := walk(data, parts[:len(parts)-1]), parts[len(parts)-1]
		if parent == nil {
			return
		}
		list, _ := parent[key].([]any)
		if len(list) < maxRepeatItems {
			parent[key] = append(list, map[string]any{})
		}
	case "remove":
		if len(parts) < 2 {
			return
		}
		parent, key := walk(data, parts[:len(parts)-2]), parts[len(parts)-2]
		i, err := strconv.Atoi(parts[len(parts)-1])
		if parent == nil || err != nil {
			return
		}
		if list, ok := parent[key].([]any); ok && i >= 0 && i < len(list) {
			parent[key] = append(list[:i], list[i+1:]...)
		}
	}
}

// walk follows a path of object keys and array indices to an object.
func walk(data map[string]any, parts []string) map[string]any {
	current := any(data)
	for _, p := range parts {
		switch c := current.(type) {
		case map[string]any:
			current = c[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			current = c[i]
		default:
			return nil
		}
	}
	obj, _ := current.(map[string]any)
	return obj
}
