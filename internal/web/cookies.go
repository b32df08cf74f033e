package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/guichet/guichet/internal/platform/locale"
)

// CookiePolicy says when cookies are marked Secure.
type CookiePolicy string

// The cookie policies.
const (
	// CookiesAuto marks cookies Secure when the request came over TLS, or
	// through a proxy that says so with X-Forwarded-Proto: https.
	CookiesAuto CookiePolicy = "auto"
	// CookiesSecure always marks them Secure.
	CookiesSecure CookiePolicy = "always"
	// CookiesInsecure never does: for plain-HTTP development only.
	CookiesInsecure CookiePolicy = "never"
)

// ParseCookiePolicy reads a policy from configuration.
func ParseCookiePolicy(s string) (CookiePolicy, error) {
	switch p := CookiePolicy(s); p {
	case CookiesAuto, CookiesSecure, CookiesInsecure:
		return p, nil
	case "":
		return CookiesAuto, nil
	}
	return "", fmt.Errorf("cookie policy %q: auto, always or never", s)
}

// Secure reports whether a cookie set in answer to r is marked Secure.
func (p CookiePolicy) Secure(r *http.Request) bool {
	switch p {
	case CookiesSecure:
		return true
	case CookiesInsecure:
		return false
	}
	// Trusting the header can only make the cookie stricter.
	return OverHTTPS(r)
}

// OverHTTPS reports whether a request came over HTTPS, directly or
// through a proxy that says so with X-Forwarded-Proto. A client may claim
// it falsely, so it only ever makes an answer stricter.
func OverHTTPS(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

// SiteAddress is the site's address: the public one configured, or else
// the one the request reached it by.
func SiteAddress(r *http.Request, configured string) string {
	if configured != "" {
		return strings.TrimSuffix(configured, "/")
	}
	scheme := "http"
	if OverHTTPS(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// SessionCookie is the session cookie's name over plain HTTP; over HTTPS
// it carries the __Host- prefix, which browsers bind to this host.
const SessionCookie = "guichet_session"

const secureSessionCookie = "__Host-" + SessionCookie

// SessionID returns the session id a request carries, if any.
func SessionID(r *http.Request) string {
	if id := cookieValue(r, secureSessionCookie); id != "" {
		return id
	}
	return cookieValue(r, SessionCookie)
}

// SetSession gives the browser its session cookie: HttpOnly, SameSite=Lax,
// Secure as the policy says, for maxAge.
func SetSession(w http.ResponseWriter, r *http.Request, id string, p CookiePolicy, maxAge time.Duration) {
	name := SessionCookie
	secure := p.Secure(r)
	if secure {
		name = secureSessionCookie
	}
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: id, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
}

// ClearSession removes the session cookie.
func ClearSession(w http.ResponseWriter, r *http.Request, p CookiePolicy) {
	for _, name := range []string{SessionCookie, secureSessionCookie} {
		if cookieValue(r, name) != "" {
			http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
				HttpOnly: true, Secure: name == secureSessionCookie || p.Secure(r), SameSite: http.SameSiteLaxMode})
		}
	}
}

// RememberLang keeps a language chosen with ?lang= for the next pages.
func RememberLang(w http.ResponseWriter, r *http.Request, lang locale.Lang, p CookiePolicy) {
	http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: string(lang), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: p.Secure(r), SameSite: http.SameSiteLaxMode})
}
