package web

import (
	"bytes"
	"image"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadTheme(t *testing.T) {
	dir := t.TempDir()
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	logo := filepath.Join(dir, "logo.png")
	script := filepath.Join(dir, "logo.svg")
	_ = os.WriteFile(logo, img.Bytes(), 0o644)
	_ = os.WriteFile(script, []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 0o644)
	for _, bad := range []struct{ colour, logo, why string }{
		{"bleu", "", "#rrggbb"},
		{"#ffd700", "", "contrast"},
		{"", script, "PNG, JPEG or WebP"},
		{"", filepath.Join(dir, "absent.png"), "logo"},
	} {
		if _, err := LoadTheme(bad.colour, bad.logo); err == nil || !strings.Contains(err.Error(), bad.why) {
			t.Errorf("LoadTheme(%q, %q) = %v, want an error about %q", bad.colour, bad.logo, err, bad.why)
		}
	}
	theme, err := LoadTheme("#6a1b9a", logo)
	if err != nil {
		t.Fatal(err)
	}
	h := theme.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/theme.css", nil))
	if !strings.Contains(rec.Body.String(), "--primary: #6a1b9a") {
		t.Errorf("theme.css = %q", rec.Body.String())
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/logo", nil))
	if rec.Header().Get("Content-Type") != "image/png" || !bytes.Equal(rec.Body.Bytes(), img.Bytes()) {
		t.Errorf("logo served as %s", rec.Header().Get("Content-Type"))
	}
	if c := contrastWithWhite("#0b4f9c"); c < 4.5 {
		t.Errorf("the default colour's contrast is %.2f", c)
	}
}
