package submit

import (
	"regexp"
	"testing"
	"time"
)

func TestNewReference(t *testing.T) {
	at := time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC)
	shape := regexp.MustCompile(`^2026(-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{4}){3}$`)
	seen := map[string]bool{}
	for range 10000 {
		ref := NewReference(at)
		if !shape.MatchString(ref) {
			t.Fatalf("reference %q has the wrong shape", ref)
		}
		if seen[ref] {
			t.Fatalf("reference %q drawn twice in 10,000", ref)
		}
		seen[ref] = true
	}
}

func TestReceiptTokens(t *testing.T) {
	token := NewToken()
	if len(token) != 22 {
		t.Errorf("token %q: want 22 base64url characters (128 bits)", token)
	}
	if token == NewToken() {
		t.Error("two tokens are equal")
	}
	hash := HashToken(token)
	if !TokenMatches(token, hash) {
		t.Error("a token does not match its own hash")
	}
	for _, wrong := range []string{"", token[:21], NewToken(), hash} {
		if TokenMatches(wrong, hash) {
			t.Errorf("token %q matches", wrong)
		}
	}
	if TokenMatches(token, "") {
		t.Error("a token matches an empty hash")
	}
}
