package web

import "testing"

// A redirect target is kept only if it is a path on this site.
func TestLocalPath(t *testing.T) {
	for next, want := range map[string]string{
		"/inbox":                    "/inbox",
		"/dossiers/2026-AAAA?x=1#h": "/dossiers/2026-AAAA?x=1#h",
		"/":                         "/",
		"":                          "/me",
		"inbox":                     "/me",
		"//evil.example/x":          "/me",
		"/\\evil.example/x":         "/me",
		"/\t/evil.example/x":        "/me",
		"/\n/evil.example/x":        "/me",
		"/\r\n/evil.example":        "/me",
		"/\x00/evil.example":        "/me",
		"/\x7f/evil.example":        "/me",
		"/a\\b":                     "/me",
		"/%2F/evil.example":         "/me",
		"/%zz":                      "/me",
		"https://evil.example/":     "/me",
		"/\u0085/evil.example":      "/me",
		"javascript:alert(1)":       "/me",
	} {
		if got := LocalPath(next, "/me"); got != want {
			t.Errorf("LocalPath(%q) = %q, want %q", next, got, want)
		}
	}
}
