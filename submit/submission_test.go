package submit

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestReferences(t *testing.T) {
	at := time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC)
	shape := regexp.MustCompile(`^2026-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{4}-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{4}$`)
	seen := map[string]bool{}
	for _, seq := range []uint64{1, 2, 31, 32, 1000, 99999, 1<<35 - 1} {
		ref := ReferenceOf(seq, at)
		if !shape.MatchString(ref) {
			t.Errorf("reference %q of %d has the wrong shape", ref, seq)
		}
		if seen[ref] {
			t.Errorf("reference %q given twice", ref)
		}
		seen[ref] = true
		if got, ok := SequenceOf(ref); !ok || got != seq {
			t.Errorf("SequenceOf(%q) = %d, %v; want %d", ref, got, ok, seq)
		}
		if got, ok := SequenceOf(" " + strings.ToLower(ref) + " "); !ok || got != seq {
			t.Errorf("%q typed in small letters: %d, %v", ref, got, ok)
		}
		if !IsReference(ref) {
			t.Errorf("IsReference(%q) is false", ref)
		}
		// Any one digit changed, and any two neighbours swapped, are caught.
		digits := []byte(ref)
		for i := 5; i < len(digits); i++ {
			if digits[i] == '-' {
				continue
			}
			for _, c := range []byte(crockford) {
				if c == digits[i] {
					continue
				}
				typo := slices.Clone(digits)
				typo[i] = c
				if _, ok := SequenceOf(string(typo)); ok {
					t.Errorf("%s mistyped as %s is taken for a reference", ref, typo)
				}
			}
			if j := i + 1; j < len(digits) && digits[j] != '-' && digits[j] != digits[i] {
				swapped := slices.Clone(digits)
				swapped[i], swapped[j] = swapped[j], swapped[i]
				if _, ok := SequenceOf(string(swapped)); ok {
					t.Errorf("%s with two digits swapped, %s, is taken for a reference", ref, swapped)
				}
			}
		}
	}
	if ref := ReferenceOf(1<<35, at); len(ref) != len("2026-0000-00000") {
		t.Errorf("past 32^7 the reference grows by a digit: %q", ref)
	} else if got, ok := SequenceOf(ref); !ok || got != 1<<35 {
		t.Errorf("SequenceOf(%q) = %d, %v", ref, got, ok)
	}
	for _, ref := range []string{"2026-K7QM-4XPA-9DXR", " 2026-k7qm-4xpa-9dxr "} {
		if !IsReference(ref) {
			t.Errorf("the reference of before, %q, is not recognised", ref)
		}
		if _, ok := SequenceOf(ref); ok {
			t.Errorf("the reference of before, %q, is taken for a sequence", ref)
		}
	}
	for _, bad := range []string{"", "2026", "2026-0000", "2026-0000-0000", "2026-IIII-LLLL", "26-0000-01AX", "2026-0001-F2N0-0000-0"} {
		if _, ok := SequenceOf(bad); ok {
			t.Errorf("SequenceOf(%q) accepted", bad)
		}
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
