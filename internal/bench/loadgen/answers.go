// Package loadgen makes what a load generator sends to Guichet: random,
// realistic answers that a chosen form accepts, and answers it refuses.
//
// A tool (internal/test/layering).
package loadgen

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lucasjones/reggen"

	"github.com/guichet/guichet/schemas"
)

// attempts is how many random drafts Valid tries before it gives up: a
// draft can miss a condition (an if/then, a dependency) by chance.
const attempts = 50

// Answers draws answers for one form.
type Answers struct {
	form *schemas.Compiled
	root map[string]any
	rng  *rand.Rand
	// patterns are the generators of the form's patterns, by pattern.
	patterns map[string]*reggen.Generator
}

// NewAnswers prepares answers for a form, drawn from seed, and checks
// that it can draw answers the form accepts.
func NewAnswers(form *schemas.Compiled, seed uint64) (*Answers, error) {
	var root map[string]any
	decoder := json.NewDecoder(bytes.NewReader(form.Schema))
	decoder.UseNumber()
	if err := decoder.Decode(&root); err != nil {
		return nil, fmt.Errorf("loadgen: schema of %s: %w", form.ID, err)
	}
	a := &Answers{form: form, root: root, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), patterns: map[string]*reggen.Generator{}}
	if _, err := a.Valid(); err != nil {
		return nil, err
	}
	return a, nil
}

// Valid returns answers the form accepts.
func (a *Answers) Valid() (json.RawMessage, error) {
	var refusal error
	for range attempts {
		raw, err := json.Marshal(a.value(a.root, "", 0))
		if err != nil {
			return nil, err
		}
		if refusal = a.form.Validate(raw); refusal == nil {
			return raw, nil
		}
	}
	return nil, fmt.Errorf("loadgen: no answers accepted by %s in %d drafts: %w", a.form.ID, attempts, refusal)
}

// Invalid returns answers the form refuses: accepted ones with a required
// answer left out, or an answer of the wrong type.
func (a *Answers) Invalid() (json.RawMessage, error) {
	for range attempts {
		raw, err := a.Valid()
		if err != nil {
			return nil, err
		}
		var answers map[string]any
		if err := json.Unmarshal(raw, &answers); err != nil {
			return nil, err
		}
		if len(answers) == 0 {
			return nil, errors.New("loadgen: the form asks nothing that can be answered wrongly")
		}
		a.spoil(answers)
		wrong, err := json.Marshal(answers)
		if err != nil {
			return nil, err
		}
		if a.form.Validate(wrong) != nil {
			return wrong, nil
		}
		// That answer took anything: spoil another.
	}
	return nil, fmt.Errorf("loadgen: %s accepted every wrong answer drawn", a.form.ID)
}

// spoil leaves out a required answer, or gives one of the wrong type.
func (a *Answers) spoil(answers map[string]any) {
	if required := stringsOf(a.root["required"]); len(required) > 0 && a.rng.IntN(2) == 0 {
		delete(answers, required[a.rng.IntN(len(required))])
		return
	}
	keys := make([]string, 0, len(answers))
	for k := range answers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	key := keys[a.rng.IntN(len(keys))]
	if _, isText := answers[key].(string); isText {
		answers[key] = map[string]any{"inattendu": true}
	} else {
		answers[key] = "une réponse du mauvais type"
	}
}

// value draws a value for a schema node; key is the property's name,
// which hints at what a person would write.
func (a *Answers) value(node map[string]any, key string, depth int) any {
	if ref, ok := node["$ref"].(string); ok {
		if target, ok := a.resolve(ref); ok {
			return a.value(target, key, depth)
		}
	}
	if c, ok := node["const"]; ok {
		return c
	}
	if choices, ok := node["enum"].([]any); ok && len(choices) > 0 {
		return choices[a.rng.IntN(len(choices))]
	}
	for _, keyword := range []string{"oneOf", "anyOf"} {
		if branches, ok := node[keyword].([]any); ok && len(branches) > 0 {
			if branch, ok := branches[a.rng.IntN(len(branches))].(map[string]any); ok {
				return a.value(branch, key, depth)
			}
		}
	}
	switch typeOf(node) {
	case "object":
		return a.object(node, depth)
	case "array":
		return a.array(node, key, depth)
	case "integer":
		return a.number(node, true)
	case "number":
		return a.number(node, false)
	case "boolean":
		return a.rng.IntN(2) == 0
	case "null":
		return nil
	}
	return a.text(node, key)
}

func (a *Answers) object(node map[string]any, depth int) map[string]any {
	out := map[string]any{}
	properties, _ := node["properties"].(map[string]any)
	required := stringsOf(node["required"])
	names := make([]string, 0, len(properties))
	for name := range properties {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		property, ok := properties[name].(map[string]any)
		// Optional answers are given two times in three, less deep down.
		if !ok || (!slices.Contains(required, name) && (depth > 3 || a.rng.IntN(3) == 0)) {
			continue
		}
		out[name] = a.value(property, name, depth+1)
	}
	return out
}

func (a *Answers) array(node map[string]any, key string, depth int) []any {
	items, _ := node["items"].(map[string]any)
	low, high := intOf(node["minItems"], 1), intOf(node["maxItems"], 3)
	high = max(low, min(high, low+2))
	n := low + a.rng.IntN(high-low+1)
	if unique, _ := node["uniqueItems"].(bool); unique {
		if choices, ok := items["enum"].([]any); ok {
			n = min(n, len(choices))
			out := make([]any, 0, n)
			for _, i := range a.rng.Perm(len(choices))[:n] {
				out = append(out, choices[i])
			}
			return out
		}
	}
	out := make([]any, n)
	for i := range out {
		out[i] = a.value(items, key, depth+1)
	}
	return out
}

func (a *Answers) number(node map[string]any, whole bool) any {
	low, high := floatOf(node["minimum"], 1), floatOf(node["maximum"], max(floatOf(node["minimum"], 1), 0)+1000)
	if v, ok := node["exclusiveMinimum"]; ok {
		low = floatOf(v, low) + 1
	}
	if v, ok := node["exclusiveMaximum"]; ok {
		high = floatOf(v, high) - 1
	}
	if high < low {
		high = low
	}
	if step := floatOf(node["multipleOf"], 0); step > 0 {
		first := math.Ceil(low/step) * step
		v := first + float64(a.rng.IntN(int(math.Max(0, (high-first)/step))+1))*step
		if whole {
			return int64(v)
		}
		return v
	}
	if whole {
		return int64(low) + a.rng.Int64N(int64(high-low)+1)
	}
	return float64(int64((low+a.rng.Float64()*(high-low))*100)) / 100
}

// A minimal PDF, for file fields: intake checks files by their content.
var pdfFile = "data:application/pdf;name=justificatif.pdf;base64," +
	base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"))

func (a *Answers) text(node map[string]any, key string) string {
	format, _ := node["format"].(string)
	switch format {
	case "email":
		return fmt.Sprintf("usager.%d@example.fr", a.rng.IntN(1_000_000))
	case "date", schemas.FormatPastDate:
		return time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, a.rng.IntN(27_000)).Format(time.DateOnly)
	case "date-time":
		return time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(a.rng.IntN(300*24)) * time.Hour).Format(time.RFC3339)
	case "data-url":
		return pdfFile
	case schemas.FormatSIRET:
		return a.checked(13, schemas.ValidSIRET, func(digits string, check int) string { return digits + strconv.Itoa(check) })
	case schemas.FormatIBAN:
		return a.checked(23, schemas.ValidIBAN, func(digits string, check int) string { return fmt.Sprintf("FR%02d%s", check, digits) })
	case schemas.FormatPhoneFR:
		return fmt.Sprintf("06 %02d %02d %02d %02d", a.rng.IntN(100), a.rng.IntN(100), a.rng.IntN(100), a.rng.IntN(100))
	}
	if pattern, ok := node["pattern"].(string); ok {
		if s, ok := a.matching(pattern); ok {
			return s
		}
	}
	s := a.words(key)
	if low := intOf(node["minLength"], 0); utf8.RuneCountInString(s) < low {
		s += strings.Repeat(" et ainsi de suite", low/18+1)
	}
	if high := intOf(node["maxLength"], 0); high > 0 && utf8.RuneCountInString(s) > high {
		s = strings.TrimSpace(string([]rune(s)[:high]))
	}
	return s
}

// checked draws digits and the check digits that make valid accept them.
func (a *Answers) checked(n int, valid func(string) bool, join func(digits string, check int) string) string {
	var digits strings.Builder
	for range n {
		digits.WriteByte(byte('0' + a.rng.IntN(10)))
	}
	for check := range 100 {
		if s := join(digits.String(), check); valid(s) {
			return s
		}
	}
	return join(digits.String(), 0)
}

// matching draws a string that matches a pattern.
func (a *Answers) matching(pattern string) (string, bool) {
	g, ok := a.patterns[pattern]
	if !ok {
		var err error
		if g, err = reggen.NewGenerator(pattern); err != nil {
			g = nil
		} else {
			g.SetSeed(a.rng.Int64())
		}
		a.patterns[pattern] = g
	}
	if g == nil {
		return "", false
	}
	return g.Generate(10), true
}

var (
	people = []string{
		"Şükrü Yılmaz-Lefèvre",
		"Anne-Cécile Schœffer",
		"Jérôme Müller",
		"Νίκος Παπαδόπουλος",
		"Ольга Иванова",
		"Zoë Lambert-Çelik",
		"Marie Weber",
		"Paul Schmitt",
	}
	towns    = []string{"Metz", "Thionville", "Forbach", "Sarreguemines", "Sarrebourg", "Montigny-lès-Metz", "Saint-Avold", "Hayange"}
	sentence = []string{
		"Achat de matériel pour la saison",
		"Concert de Noël dans la chapelle des Cordeliers",
		"Sortie scolaire au château de Malbrouck",
		"Rénovation du local de l'association",
		"Stage d'été « cœur de l'équipe » : 120 €",
	}
)

// words writes what a person would answer to a question named key.
func (a *Answers) words(key string) string {
	key = strings.ToLower(key)
	switch {
	case strings.Contains(key, "nom") || strings.Contains(key, "name"):
		return people[a.rng.IntN(len(people))]
	case strings.Contains(key, "commune") || strings.Contains(key, "ville"):
		return towns[a.rng.IntN(len(towns))]
	}
	return sentence[a.rng.IntN(len(sentence))]
}

// resolve finds the node a local reference ("#/definitions/x") points at.
func (a *Answers) resolve(ref string) (map[string]any, bool) {
	path, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false
	}
	var node any = a.root
	for part := range strings.SplitSeq(strings.TrimPrefix(path, "/"), "/") {
		if part == "" {
			continue
		}
		m, ok := node.(map[string]any)
		if !ok {
			return nil, false
		}
		node = m[strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")]
	}
	m, ok := node.(map[string]any)
	return m, ok
}

func typeOf(node map[string]any) string {
	switch t := node["type"].(type) {
	case string:
		return t
	case []any:
		for _, v := range t {
			if s, ok := v.(string); ok && s != "null" {
				return s
			}
		}
	}
	if _, ok := node["properties"]; ok {
		return "object"
	}
	return "string"
}

func stringsOf(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, item := range list {
		if s, ok := item.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func floatOf(v any, fallback float64) float64 {
	if n, ok := v.(json.Number); ok {
		if f, err := n.Float64(); err == nil {
			return f
		}
	}
	return fallback
}

func intOf(v any, fallback int) int { return int(floatOf(v, float64(fallback))) }
