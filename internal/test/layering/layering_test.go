// Package layering holds the test of Guichet's dependency rules: each
// package has a layer, and a package imports only packages of its own
// layer or of the layers below it. Tools (the load generator, the test
// kits, the fault suite) import what they need, and only tools import
// them. Test files import what they need.
package layering

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/guichet/guichet/"

// A layer is a rank: a package imports packages of its rank or below.
type layer int

const (
	// foundation packages know nothing of NATS or of the business.
	foundation layer = iota
	// storage is the connection to NATS, its names, and what watches it.
	storage
	// business packages are forms, submissions, identities, receipts and
	// their processing: no HTTP handler, no page.
	business
	// frontDoor packages serve people and programs: the JSON API, the
	// pages, and the commands' own front ends.
	frontDoor
	// wiring assembles everything: the application and its commands.
	wiring
	// tool packages measure and test; no other layer imports them.
	tool
)

func (l layer) String() string {
	return [...]string{"foundation", "storage", "business", "front door", "wiring", "tool"}[l]
}

// layers gives each package its layer, by its path under the module.
var layers = map[string]layer{
	"internal/platform/locale":      foundation,
	"internal/platform/requestid":   foundation,
	"internal/platform/tracing":     foundation,
	"internal/platform/groupcommit": foundation,
	"internal/platform/mailer":      foundation,
	"internal/platform/kvcopy":      foundation,
	"internal/platform/clamd":       foundation,

	"bus":                       storage,
	"internal/platform/metrics": storage,

	"schemas":       business,
	"identity":      business,
	"submit":        business,
	"receipts":      business,
	"privacy":       business,
	"backoffice":    business,
	"builder":       business,
	"processors":    business,
	"webhooks":      business,
	"uploads":       business,
	"migrate":       business,
	"internal/demo": business,
	"letters":       business,

	"internal/web":          frontDoor,
	"api":                   frontDoor,
	"pages/account":         frontDoor,
	"pages/rights":          frontDoor,
	"pages/verify":          frontDoor,
	"pages/webform":         frontDoor,
	"pages/editor":          frontDoor,
	"pages/desk":            frontDoor,
	"pages/operations":      frontDoor,
	"pages/letters":         frontDoor,
	"cmd/guichet/formfiles": frontDoor,

	"app":         wiring,
	"cmd/guichet": wiring,

	"cmd/guichet-bench":         tool,
	"internal/bench/compare":    tool,
	"internal/bench/loadgen":    tool,
	"internal/bench/barenats":   tool,
	"internal/bench/benchform":  tool,
	"internal/bench/allocgate":  tool,
	"internal/test/faults":      tool,
	"deploy":                    tool,
	"internal/test/browsertest": tool,
	"internal/test/mailtest":    tool,
	"internal/test/clamdtest":   tool,
	"internal/test/natstest":    tool,
	"internal/test/pdftest":     tool,
	"internal/test/testkit":     tool,
	"internal/test/layering":    tool,
}

// imports lists, for every package of the module (build tags included),
// the packages of the module its non-test files import.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-tags", "faults,backup",
		"-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	graph := map[string][]string{}
	lines := bufio.NewScanner(bytes.NewReader(out))
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		pkg := strings.TrimPrefix(fields[0], module)
		graph[pkg] = []string{}
		for _, imp := range fields[1:] {
			if rest, ok := strings.CutPrefix(imp, module); ok && rest != pkg && !slices.Contains(graph[pkg], rest) {
				graph[pkg] = append(graph[pkg], rest)
			}
		}
	}
	return graph
}

// violations returns the imports of graph that the layers forbid.
func violations(graph map[string][]string) []string {
	var found []string
	for pkg, deps := range graph {
		from, known := layers[pkg]
		if !known {
			found = append(found, fmt.Sprintf("%s has no layer: give it one in layers", pkg))
			continue
		}
		for _, dep := range deps {
			to, known := layers[dep]
			switch {
			case !known:
				continue // reported as a package of its own
			case to == tool && from != tool:
				found = append(found, fmt.Sprintf("%s (%s) imports the tool %s", pkg, from, dep))
			case to > from && to != tool:
				found = append(found, fmt.Sprintf("%s (%s) imports %s (%s), a layer above it", pkg, from, dep, to))
			}
		}
	}
	slices.Sort(found)
	return found
}

func TestLayering(t *testing.T) {
	for _, v := range violations(imports(t)) {
		t.Error(v)
	}
}

// The rules catch an import up the layers, an unknown package, and a
// tool linked into the product.
func TestLayeringFindsWhatItForbids(t *testing.T) {
	graph := map[string][]string{
		"internal/platform/locale": {"bus"},
		"submit":                   {"api"},
		"api":                      {"internal/test/testkit"},
		"newpkg":                   {},
		"schemas":                  {"internal/platform/locale"},
	}
	got := violations(graph)
	want := []string{
		"api (front door) imports the tool internal/test/testkit",
		"internal/platform/locale (foundation) imports bus (storage), a layer above it",
		"newpkg has no layer: give it one in layers",
		"submit (business) imports api (front door), a layer above it",
	}
	if !slices.Equal(got, want) {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The production binary links neither the unpatched fpdf that the
// comparison measures nor nats-server's test helpers.
func TestProductionBinaryLinksNoBenchmark(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", module+"cmd/guichet").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/go-pdf/fpdf" || strings.HasPrefix(dep, "github.com/nats-io/nats-server/v2/test") ||
			strings.HasPrefix(dep, module+"internal/bench/") {
			t.Errorf("cmd/guichet links %s", dep)
		}
	}
}
