// Package web holds what every page shares: the layout, the style sheet,
// the language of a request, who makes it, and the route type by which
// each HTML handler declares its access rule.
//
// Front door (internal/test/layering); packages that serve pages import it.
package web

import (
	"context"
	"embed"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
)

//go:embed templates static
var files embed.FS

// Static serves the shared style sheet and scripts under /static/, and
// no listing of their folders.
func Static() http.Handler { return noListing(files) }

// Route is an HTML handler with the access rule it declares. The router
// enforces the rule before the handler runs.
type Route struct {
	Method  string
	Pattern string
	Access  identity.Access
	Handler http.HandlerFunc
}

// MaxPostBytes bounds any form posted to a page, files included; each
// page may bound its own forms more tightly.
const MaxPostBytes = 40 << 20

// Request is what the authentication middleware learns about a request.
type Request struct {
	Principal identity.Principal
	// Session is the browser session the request came with, if any.
	Session *identity.Session
	// SessionID is that session's id, the cookie's value.
	SessionID string
	Lang      locale.Lang
	// Client is the address the request came from, see ClientAddress.
	Client string
	// Errors, when set, lays out the error pages Fail answers with.
	Errors *ErrorPages
}

// ClientAddress is the address limits count a request against: the
// connection's peer. Behind a proxy that is the proxy, which then shares
// one limit.
func ClientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type requestKey struct{}

// WithRequest stores what is known about a request in its context.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestOf returns what is known about a request; an unknown request is
// anonymous and French.
func RequestOf(ctx context.Context) Request {
	r, _ := ctx.Value(requestKey{}).(Request)
	if r.Lang == "" {
		r.Lang = locale.French
	}
	return r
}

// LangCookie remembers a language chosen with ?lang=.
const LangCookie = "guichet_lang"

// Say returns, of a French and an English text, the one in the language
// of r's page.
func Say(r *http.Request, fr, en string) string {
	return locale.Say(RequestOf(r.Context()).Lang, fr, en)
}

// LangOf picks the language of a page: ?lang=, then the remembered
// choice, then Accept-Language.
func LangOf(r *http.Request) locale.Lang {
	for _, choice := range []string{r.URL.Query().Get("lang"), cookieValue(r, LangCookie)} {
		switch locale.Lang(choice) {
		case locale.French, locale.English, locale.German:
			return locale.Lang(choice)
		}
	}
	return locale.FromAcceptLanguage(r.Header.Get("Accept-Language"))
}

func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// LocalPath keeps a redirect target only if it is a path on this site, so
// that ?next= cannot send anyone elsewhere: a path that starts with one
// slash, with no scheme, no host, no backslash (which browsers read as a
// slash) and no control character (which browsers drop, so that
// "/\t/evil.example" would become "//evil.example").
func LocalPath(next, fallback string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') ||
		strings.ContainsFunc(next, unicode.IsControl) {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") ||
		strings.HasPrefix(u.Path, "//") {
		return fallback
	}
	return next
}
