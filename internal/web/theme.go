package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"regexp"
	"strconv"
)

// Theme is the organisation's look: its main colour and its logo.
type Theme struct {
	// Colour is the main colour, as #rrggbb; white text must be readable on it.
	Colour string
	// Logo is the logo image (PNG, JPEG or WebP), if any.
	Logo []byte
}

// MaxLogoBytes bounds the logo file.
const MaxLogoBytes = 512 << 10

var hexColour = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// LoadTheme checks a colour and reads a logo file ("" for none).
func LoadTheme(colour, logoFile string) (Theme, error) {
	t := Theme{Colour: colour}
	if colour != "" {
		if !hexColour.MatchString(colour) {
			return t, fmt.Errorf("colour %q: want the form #rrggbb", colour)
		}
		if ratio := contrastWithWhite(colour); ratio < 4.5 {
			return t, fmt.Errorf("colour %s: white text on it has a contrast of %.1f:1, 4.5:1 is needed (WCAG AA)", colour, ratio)
		}
	}
	if logoFile != "" {
		info, err := os.Stat(logoFile)
		if err != nil {
			return t, fmt.Errorf("logo: %w", err)
		}
		if info.Size() > MaxLogoBytes {
			return t, fmt.Errorf("logo %s: %d bytes, %d at most", logoFile, info.Size(), MaxLogoBytes)
		}
		if t.Logo, err = os.ReadFile(logoFile); err != nil {
			return t, fmt.Errorf("logo: %w", err)
		}
		switch http.DetectContentType(t.Logo) {
		case "image/png", "image/jpeg", "image/webp":
		default:
			return t, errors.New("logo: want a PNG, JPEG or WebP image")
		}
	}
	return t, nil
}

// contrastWithWhite is the WCAG contrast ratio of white on colour.
func contrastWithWhite(colour string) float64 {
	var lum float64
	for i, weight := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(colour[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		lum += weight * c
	}
	return 1.05 / (lum + 0.05)
}

// Handler serves /theme.css, which sets the main colour, and /logo.
func (t Theme) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /theme.css", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=300")
		if t.Colour != "" {
			fmt.Fprintf(w, ":root { --primary: %s; --link: %s; }\n", t.Colour, t.Colour)
		}
	})
	mux.HandleFunc("GET /logo", func(w http.ResponseWriter, r *http.Request) {
		if len(t.Logo) == 0 {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", http.DetectContentType(t.Logo))
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		_, _ = w.Write(t.Logo)
	})
	return mux
}
