// Package requestid gives each HTTP request an identifier that follows it
// into the logs, and through NATS headers into the processors' logs, so
// that one submission can be traced from its request to its processing.
//
// Foundation layer (internal/test/layering).
package requestid

import (
	"context"
	"crypto/rand"
	"net/http"
	"regexp"
)

// HTTPHeader carries the identifier on requests (from a proxy that set
// one) and on every response.
const HTTPHeader = "X-Request-Id"

// NATSHeader carries the identifier on the messages a request published.
const NATSHeader = "Guichet-Request-Id"

// valid is what an identifier received from a client may look like; any
// other is replaced, so that nothing a client sends reaches the logs raw.
var valid = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

type key struct{}

// From returns the identifier of the request ctx belongs to, or "".
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

// With returns ctx carrying the identifier id, for work a request caused
// elsewhere, such as the processing of a message it published.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// Middleware gives each request the identifier it came with, when it is
// well formed, or a new one, and returns it in the response's headers.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(HTTPHeader)
		if !valid.MatchString(id) {
			id = rand.Text()[:16]
		}
		w.Header().Set(HTTPHeader, id)
		next.ServeHTTP(w, r.WithContext(With(r.Context(), id)))
	})
}
