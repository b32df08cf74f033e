package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestTrustProxies(t *testing.T) {
	trusted, err := ParseNetworks("127.0.0.1, 10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	var seen string
	handler := TrustProxies(trusted, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = ClientAddress(r) }))
	for _, c := range []struct{ peer, forwarded, want string }{
		{"127.0.0.1:5000", "203.0.113.5", "203.0.113.5"},
		{"127.0.0.1:5000", "198.51.100.7, 203.0.113.5, 10.1.2.3", "203.0.113.5"}, // a client's own header comes first
		{"198.51.100.9:5000", "203.0.113.5", "198.51.100.9"},                     // not a trusted proxy
		{"127.0.0.1:5000", "", "127.0.0.1"},
		{"127.0.0.1:5000", "n'importe quoi", "127.0.0.1"},
		{"[::ffff:10.0.0.4]:5000", "2001:db8::1", "2001:db8::1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.forwarded != "" {
			r.Header.Set("X-Forwarded-For", c.forwarded)
		}
		handler.ServeHTTP(httptest.NewRecorder(), r)
		if seen != c.want {
			t.Errorf("from %s with %q: %s, want %s", c.peer, c.forwarded, seen, c.want)
		}
	}
	if _, err := ParseNetworks("10.0.0.0/33"); err == nil {
		t.Error("a bad network is accepted")
	}
}
