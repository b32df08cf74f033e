package web

import (
	"io/fs"
	"net/http"
	"strings"
)

// SecurityHeaders sets, on every answer, the headers that keep a browser
// from reading it as anything but what it says: no type sniffing, no
// referrer sent to other sites, and, over HTTPS, HTTPS only for a year.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if OverHTTPS(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// noListing serves the files of fsys, but never a folder's listing.
func noListing(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		if info, err := fs.Stat(fsys, strings.TrimPrefix(r.URL.Path, "/")); err == nil && info.IsDir() {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}
