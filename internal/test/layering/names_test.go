package layering

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// natsPrefixes begin every NATS subject, and the stream under every
// bucket and object store, that Guichet uses.
var natsPrefixes = []string{"$KV.", "$O.", "$JS.", "KV_", "OBJ_", "submissions.", "events.", "audit.", "idempotency."}

// namesOutsideBus returns, for the Go source src of file, the string
// literals that begin a NATS name: those belong in bus/names.go.
func namesOutsideBus(t *testing.T, file string, src any) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		value, err := strconv.Unquote(lit.Value)
		if err != nil {
			return true
		}
		if slices.ContainsFunc(natsPrefixes, func(p string) bool { return strings.HasPrefix(value, p) }) {
			found = append(found, fset.Position(lit.Pos()).String()+": "+lit.Value)
		}
		return true
	})
	return found
}

// No subject, key prefix or stream name is built outside bus/names.go:
// the product's other packages ask bus for them. Tests and tools may
// write them out, to check what the product wrote.
func TestNATSNamesOnlyInBus(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		pkg := filepath.ToSlash(filepath.Dir(rel))
		if d.IsDir() {
			switch rel {
			case "bus", "third_party", "node_modules", "internal/test", "internal/bench", "cmd/guichet-bench":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || layers[pkg] == tool {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, name := range namesOutsideBus(t, rel, src) {
			t.Errorf("%s: a NATS name outside bus/names.go", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNATSNamesCheckFindsWhatItForbids(t *testing.T) {
	src := `package p
const kind = "login.failed"
func subject(ref string) string { return "events." + ref + ".>" }
var stream = "OBJ_" + "documents"
`
	got := namesOutsideBus(t, "p.go", src)
	want := []string{`p.go:3:42: "events."`, `p.go:4:14: "OBJ_"`}
	if !slices.Equal(got, want) {
		t.Errorf("found %q, want %q", got, want)
	}
}
