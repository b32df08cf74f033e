package schemas

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guichet/guichet/internal/platform/locale"
)

// DateBound is the earliest or latest answer a date field takes, written
// in its schema as "x-earliest" or "x-latest": a fixed day, "2026-09-01",
// or a day counted from the day of the answer in Paris, "today",
// "today-16y" (16 years ago), "today+30d", "today-6m". JSON Schema has no
// bound on dates, let alone one that moves with the day, so these are
// checked after it, like the checks across answers.
type DateBound string

// The schema keywords of a date field's bounds.
const (
	KeywordEarliest = "x-earliest"
	KeywordLatest   = "x-latest"
)

var relativeBound = regexp.MustCompile(`^today(?:([+-])([0-9]{1,3})([dmy]))?$`)

// Valid reports whether b is a fixed day or a day counted from today.
func (b DateBound) Valid() bool {
	if relativeBound.MatchString(string(b)) {
		return true
	}
	_, err := time.Parse(time.DateOnly, string(b))
	return err == nil
}

// Day is the bound's day, as YYYY-MM-DD, for an answer given at now.
func (b DateBound) Day(now time.Time) string {
	m := relativeBound.FindStringSubmatch(string(b))
	if m == nil {
		return string(b)
	}
	day := now.In(locale.Paris)
	if m[1] != "" {
		n, _ := strconv.Atoi(m[2])
		if m[1] == "-" {
			n = -n
		}
		switch m[3] {
		case "d":
			day = day.AddDate(0, 0, n)
		case "m":
			day = day.AddDate(0, n, 0)
		case "y":
			day = day.AddDate(n, 0, 0)
		}
	}
	return day.Format(time.DateOnly)
}

// Offset splits a bound counted from today into its sign and count and
// unit ("d", "m" or "y"): "today-16y" is -16, "y"; "today" is 0, "".
// ok is false for a fixed day.
func (b DateBound) Offset() (n int, unit string, ok bool) {
	m := relativeBound.FindStringSubmatch(string(b))
	if m == nil {
		return 0, "", false
	}
	if m[1] == "" {
		return 0, "", true
	}
	n, _ = strconv.Atoi(m[2])
	if m[1] == "-" {
		n = -n
	}
	return n, m[3], true
}

// Relative is the bound n days, months or years from today (unit "d",
// "m" or "y"); n = 0 is today.
func Relative(n int, unit string) DateBound {
	if n == 0 {
		return "today"
	}
	return DateBound(fmt.Sprintf("today%+d%s", n, unit))
}

// dateBounds are a date field's bounds, with its path: property names,
// and "[]" for each item of a list.
type dateBounds struct {
	path             []string
	earliest, latest DateBound
}

// DateBoundsOf reads a field schema's bounds, empty when it has none.
func DateBoundsOf(field json.RawMessage) (earliest, latest DateBound) {
	var node struct {
		Earliest DateBound `json:"x-earliest"`
		Latest   DateBound `json:"x-latest"`
	}
	_ = json.Unmarshal(field, &node)
	return node.Earliest, node.Latest
}

// compileDateBounds reads the bounds of a form's date fields, in groups
// and lists too, adding to problems those that are not bounds.
func compileDateBounds(f Form, problems *DefinitionError) []dateBounds {
	var out []dateBounds
	var walk func(props map[string]json.RawMessage, path []string)
	walk = func(props map[string]json.RawMessage, path []string) {
		for name, raw := range props {
			at := append(slices.Clip(path), name)
			var node struct {
				Properties map[string]json.RawMessage `json:"properties"`
				Items      struct {
					Properties map[string]json.RawMessage `json:"properties"`
				} `json:"items"`
			}
			_ = json.Unmarshal(raw, &node)
			walk(node.Properties, at)
			walk(node.Items.Properties, append(at, "[]"))
			earliest, latest := DateBoundsOf(raw)
			if earliest == "" && latest == "" {
				continue
			}
			for keyword, b := range map[string]DateBound{KeywordEarliest: earliest, KeywordLatest: latest} {
				if b != "" && !b.Valid() {
					problems.add("schema.properties."+strings.Join(at, ".")+"."+keyword, locale.Text{
						FR: fmt.Sprintf("La borne « %s » n'est ni une date AAAA-MM-JJ ni « today », « today-16y », « today+30d ».", b),
						EN: fmt.Sprintf("The bound “%s” is neither a YYYY-MM-DD date nor “today”, “today-16y”, “today+30d”.", b),
					})
				}
			}
			out = append(out, dateBounds{path: at, earliest: earliest, latest: latest})
		}
	}
	walk(AllProperties(f.Schema), nil)
	return out
}

// check calls refuse with the location and message of each answer of
// answers, the decoded data, out of the field's bounds at now.
func (d dateBounds) check(answers any, now time.Time, refuse func(location string, msg locale.Text)) {
	var visit func(v any, path []string, location string)
	visit = func(v any, path []string, location string) {
		if len(path) == 0 {
			if msg, ok := d.refusal(v, now); !ok {
				refuse(location, msg)
			}
			return
		}
		if path[0] == "[]" {
			list, _ := v.([]any)
			for i, item := range list {
				visit(item, path[1:], location+"["+strconv.Itoa(i)+"]")
			}
			return
		}
		obj, _ := v.(map[string]any)
		if child, ok := obj[path[0]]; ok {
			visit(child, path[1:], strings.TrimPrefix(location+"."+path[0], "."))
		}
	}
	visit(answers, d.path, "")
}

// refusal says why answer, a date, is out of its bounds at now, or
// ok when it is within them or is no date (which its format refuses).
func (d dateBounds) refusal(answer any, now time.Time) (msg locale.Text, ok bool) {
	s, isText := answer.(string)
	if _, err := time.Parse(time.DateOnly, s); !isText || err != nil {
		return msg, true
	}
	in := func(day string) (string, string) {
		t, _ := time.Parse(time.DateOnly, day)
		return locale.Date(t, locale.French), locale.Date(t, locale.English)
	}
	if d.earliest != "" && s < d.earliest.Day(now) {
		fr, en := in(d.earliest.Day(now))
		return locale.Text{FR: "La date doit être le " + fr + " ou après.", EN: "The date must be on or after " + en + "."}, false
	}
	if d.latest != "" && s > d.latest.Day(now) {
		fr, en := in(d.latest.Day(now))
		return locale.Text{FR: "La date doit être le " + fr + " ou avant.", EN: "The date must be on or before " + en + "."}, false
	}
	return msg, true
}
