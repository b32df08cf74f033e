package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
)

// Before signing in, or for a citizen who never does, there is no session
// to bind a CSRF token to. Such forms carry a token that must match a
// cookie the page set (the double-submit pattern); a cross-site page can
// neither read the cookie nor set it.

// FormTokenField is the form field of that token.
const FormTokenField = "form_csrf"

const formTokenCookie = "guichet_form_csrf"

// FormToken returns the token for the forms of a page, setting its cookie
// if the browser does not have one yet.
func FormToken(w http.ResponseWriter, r *http.Request, p CookiePolicy) string {
	if c, err := r.Cookie(formTokenCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: formTokenCookie, Value: token, Path: "/", MaxAge: 24 * 3600,
		HttpOnly: true, Secure: p.Secure(r), SameSite: http.SameSiteStrictMode})
	return token
}

// FormTokenValid reports whether a posted form carries the token of its
// cookie. A form shown in a frame on another site gets no cookie, the
// browser keeping a site's cookies from the frames other sites show: its
// post is valid when the browser says it comes from a page of this site
// (Sec-Fetch-Site, or else Origin), which a cross-site page cannot forge.
func FormTokenValid(r *http.Request) bool {
	c, err := r.Cookie(formTokenCookie)
	if err != nil || c.Value == "" {
		return fromThisSite(r)
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue(FormTokenField))) == 1
}

// fromThisSite reports whether the browser says that a request comes from
// a page of this site; a request that says nothing does not.
func fromThisSite(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	origin, err := url.Parse(r.Header.Get("Origin"))
	return err == nil && origin.Host != "" && origin.Host == r.Host
}
