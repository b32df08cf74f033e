// Package pdftest extracts the text of PDFs in tests, with poppler's
// pdftotext, so that tests check what a reader of the PDF would see.
package pdftest

import (
	"bytes"
	"os/exec"
	"testing"
)

// Text returns the text of a PDF, in reading order. pdftotext (Debian
// package poppler-utils) must be installed: its absence fails the test.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	path, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext not found: install poppler-utils")
	}
	cmd := exec.Command(path, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftotext: %v: %s", err, stderr.String())
	}
	return out.String()
}
