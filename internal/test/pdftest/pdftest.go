// Package pdftest extracts the text of PDFs in tests, with poppler's
// pdftotext, so that tests check what a reader of the PDF would see. A
// missing tool fails the test; only `go test -short`, the fast inner loop,
// skips the tests that read PDFs, at their first reading.
//
// A tool (internal/test/layering).
package pdftest

import (
	"bytes"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Text returns the text of a PDF, in reading order. pdftotext (Debian
// package poppler-utils) must be installed: its absence fails the test.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	skipShort(t)
	return pdftotext(t, pdf)
}

// Word is a word of a PDF and its width on the page, in points.
type Word struct {
	Text  string
	Width float64
}

// Words returns the words of a PDF with their widths, as a reader lays
// them out from the fonts' widths.
func Words(t testing.TB, pdf []byte) []Word {
	t.Helper()
	skipShort(t)
	var words []Word
	for _, m := range wordBox.FindAllStringSubmatch(pdftotext(t, pdf, "-bbox"), -1) {
		xMin, err1 := strconv.ParseFloat(m[1], 64)
		xMax, err2 := strconv.ParseFloat(m[2], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("pdftotext -bbox: %q", m[0])
		}
		words = append(words, Word{Text: html.UnescapeString(m[3]), Width: xMax - xMin})
	}
	return words
}

var wordBox = regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="[0-9.]+" xMax="([0-9.]+)" yMax="[0-9.]+">([^<]*)</word>`)

func pdftotext(t testing.TB, pdf []byte, options ...string) string {
	t.Helper()
	path, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext not found: install poppler-utils")
	}
	cmd := exec.Command(path, append(options, "-enc", "UTF-8", "-", "-")...)
	cmd.Stdin = bytes.NewReader(pdf)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftotext: %v: %s", err, stderr.String())
	}
	return out.String()
}

// Keywords returns the keywords of a PDF's document information, read
// with poppler's pdfinfo.
func Keywords(t testing.TB, pdf []byte) string {
	t.Helper()
	skipShort(t)
	out := run(t, "pdfinfo", "poppler-utils", pdf, "-")
	for _, line := range strings.Split(out, "\n") {
		if keywords, ok := strings.CutPrefix(line, "Keywords:"); ok {
			return strings.TrimSpace(keywords)
		}
	}
	return ""
}

// QRCodes returns what the QR codes on a PDF's pages say: the pages are
// drawn with poppler's pdftoppm and read with zbarimg (Debian package
// zbar-tools).
func QRCodes(t testing.TB, pdf []byte) []string {
	t.Helper()
	skipShort(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "document.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, "pdftoppm", "poppler-utils", nil, "-png", "-r", "200", file, filepath.Join(dir, "page"))
	images, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	var codes []string
	for _, image := range images {
		path, err := exec.LookPath("zbarimg")
		if err != nil {
			t.Fatal("zbarimg not found: install zbar-tools")
		}
		out, err := exec.Command(path, "--raw", "-q", "-Sbinary", image).Output()
		if err == nil {
			codes = append(codes, strings.TrimRight(string(out), "\n"))
		}
	}
	return codes
}

// run runs one of poppler's tools on stdin, failing the test if it is
// missing or fails.
func run(t testing.TB, tool, debianPackage string, stdin []byte, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("%s not found: install %s", tool, debianPackage)
	}
	cmd := exec.Command(path, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v: %s", tool, err, stderr.String())
	}
	return out.String()
}

// skipShort skips the test under `go test -short`, which runs without
// poppler-utils and zbar-tools.
func skipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: reading PDFs with poppler is skipped")
	}
}
