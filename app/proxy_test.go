package app_test

import (
	"net/netip"
	"testing"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/submit"
)

// Behind a trusted reverse proxy, each client has its own submission
// allowance, named by X-Forwarded-For; a client that is not a trusted
// proxy cannot choose its address with the header.
func TestLimitsBehindATrustedProxy(t *testing.T) {
	limit := submit.RateLimit{PerMinute: 1, Burst: 1}
	behind := startWith(t, app.Config{DataDir: t.TempDir(), Demo: true, SubmitRate: limit,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	const path = "/api/forms/subvention-association/submissions"
	behind.Must(201, "POST", path, "", association, "X-Forwarded-For", "203.0.113.5")
	behind.Must(429, "POST", path, "", association, "X-Forwarded-For", "203.0.113.5")
	behind.Must(201, "POST", path, "", association, "X-Forwarded-For", "198.51.100.7")

	direct := startWith(t, app.Config{DataDir: t.TempDir(), Demo: true, SubmitRate: limit})
	direct.Must(201, "POST", path, "", association, "X-Forwarded-For", "203.0.113.5")
	direct.Must(429, "POST", path, "", association, "X-Forwarded-For", "198.51.100.7")
}
