package webhooks

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"code.dny.dev/ssrf"
)

// Config is what the webhooks may be given; its zero value delivers to
// public addresses only.
type Config struct {
	// Allow opens these networks to deliveries on purpose: an internal
	// system the council runs, for example 10.20.0.0/16.
	Allow []netip.Prefix
}

// Limits of a delivery.
const (
	// deliveryTimeout bounds a delivery from the connection to the end of
	// the answer read.
	deliveryTimeout = 10 * time.Second
	// connectTimeout bounds the connection alone.
	connectTimeout = 5 * time.Second
	// answerLimit is the most of an answer that is read: a receiver's
	// answer is not used, only its status.
	answerLimit = 64 << 10
)

// guardian refuses, when connecting, every address that is not public:
// loopback, private, link-local, unique-local, multicast, unspecified and
// the other special-purpose ranges of IANA's registries, IPv4 and IPv6,
// IPv4-mapped included; allow opens named networks. ssrf keeps its lists
// in step with IANA's registries, which a hand-written list would not.
func guardian(allow []netip.Prefix) *ssrf.Guardian {
	var v4, v6 []netip.Prefix
	for _, p := range allow {
		if p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	return ssrf.New(ssrf.WithAnyPort(), ssrf.WithAllowedV4Prefixes(v4...), ssrf.WithAllowedV6Prefixes(v6...))
}

// deliveryClient posts deliveries through guard. The check is made on the
// address each connection is about to reach, after name resolution, so
// that neither a name that resolves inside the network nor one whose
// address changes between two deliveries gets round it; no proxy from the
// environment is used, since the guard would then check the proxy's
// address; and a redirect is never followed: it would carry the signed
// body where the admin did not point.
func deliveryClient(guard *ssrf.Guardian) *http.Client {
	dialer := &net.Dialer{Timeout: connectTimeout, Control: guard.Safe}
	return &http.Client{
		Timeout: deliveryTimeout,
		Transport: &http.Transport{
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   connectTimeout,
			ResponseHeaderTimeout: deliveryTimeout,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       time.Minute,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// literalAllowed reports whether a webhook's URL may be registered: a
// host given as an address must be one the guard lets through. A name is
// checked when a delivery connects, as names change.
func literalAllowed(guard *ssrf.Guardian, u *url.URL) bool {
	addr, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		return true
	}
	return guard.SafeAddr(addr) == nil
}
