package receipts

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

var accepted = time.Date(2026, 11, 28, 10, 30, 0, 123456789, time.UTC)

func sample() Receipt {
	return Receipt{Reference: "2026-K7QM-4XPA-9DXR", Form: "transport-scolaire", FormVersion: 3, AcceptedAt: accepted,
		Sequence: 4812, DataSHA256: strings.Repeat("ab", 32), Attachments: []string{strings.Repeat("cd", 32)}}
}

func newSigner(t *testing.T) *Signer {
	t.Helper()
	s, err := LoadOrCreate(t.TempDir(), accepted.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSignThenVerify(t *testing.T) {
	s := newSigner(t)
	r, err := Sign(sample(), s.Key())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Keyring().Verify(r); err != nil {
		t.Fatalf("a fresh receipt: %v", err)
	}
	encoded, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(encoded)
	if err != nil || s.Keyring().Verify(back) != nil {
		t.Fatalf("after Encode and Decode: %v, %v", err, s.Keyring().Verify(back))
	}
	// Anyone can check it with the public key alone: the signed bytes are
	// the receipt without its signature, in JCS form.
	signed, _ := r.Signed()
	public, _ := base64.StdEncoding.DecodeString(s.Keyring()[r.Key].Key)
	signature, _ := base64.RawURLEncoding.DecodeString(r.Signature)
	if !ed25519.Verify(public, signed, signature) || strings.Contains(string(signed), "signature") {
		t.Errorf("signed bytes: %s", signed)
	}
}

// Every kind of tampering is detected, each with its own answer.
func TestTamperingIsDetected(t *testing.T) {
	s := newSigner(t)
	good, err := Sign(sample(), s.Key())
	if err != nil {
		t.Fatal(err)
	}
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	byStranger, _ := Sign(sample(), stranger)
	cases := map[string]struct {
		change func(*Receipt)
		want   error
	}{
		"reference":       {func(r *Receipt) { r.Reference = "2026-K7QM-4XPA-9DXS" }, ErrBadSignature},
		"form":            {func(r *Receipt) { r.Form = "subvention-association" }, ErrBadSignature},
		"form version":    {func(r *Receipt) { r.FormVersion = 2 }, ErrBadSignature},
		"time":            {func(r *Receipt) { r.AcceptedAt = r.AcceptedAt.Add(time.Second) }, ErrBadSignature},
		"sequence":        {func(r *Receipt) { r.Sequence++ }, ErrBadSignature},
		"data hash":       {func(r *Receipt) { r.DataSHA256 = strings.Repeat("ab", 31) + "ac" }, ErrBadSignature},
		"attachment hash": {func(r *Receipt) { r.Attachments = nil }, ErrBadSignature},
		"previous":        {func(r *Receipt) { r.Previous = strings.Repeat("00", 32) }, ErrBadSignature},
		"forged signature": {func(r *Receipt) {
			sig := make([]byte, ed25519.SignatureSize)
			_, _ = rand.Read(sig)
			r.Signature = base64.RawURLEncoding.EncodeToString(sig)
		}, ErrBadSignature},
		"signature not base64": {func(r *Receipt) { r.Signature = "pas une signature !" }, ErrBadSignature},
		"unknown key":          {func(r *Receipt) { *r = byStranger }, ErrUnknownKey},
		"key renamed":          {func(r *Receipt) { r.Key = "0123456789abcdef" }, ErrUnknownKey},
	}
	for name, c := range cases {
		r := good
		r.Attachments = append([]string(nil), good.Attachments...)
		c.change(&r)
		if err := s.Keyring().Verify(r); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	for _, encoded := range []string{
		"",
		"!!!",
		base64.RawURLEncoding.EncodeToString([]byte(`{"a":1}`)),
		strings.Repeat("A", MaxEncodedLength+1),
	} {
		if _, err := Decode(encoded); !errors.Is(err, ErrMalformed) {
			t.Errorf("Decode(%.20q): %v", encoded, err)
		}
	}
}

// After a rotation, receipts signed by the old key still verify, new ones
// are signed by the new key, and the old key cannot sign for a time after
// it was replaced.
func TestRotationKeepsOldReceiptsValid(t *testing.T) {
	dir := t.TempDir()
	first, err := LoadOrCreate(dir, accepted.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	old, _ := Sign(sample(), first.Key())
	second, err := Rotate(dir, accepted.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	reopened, err := LoadOrCreate(dir, accepted.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if KeyID(reopened.Key().Public().(ed25519.PublicKey)) != KeyID(second.Key().Public().(ed25519.PublicKey)) {
		t.Fatal("the directory does not open on the new key")
	}
	if err := reopened.Keyring().Verify(old); err != nil {
		t.Errorf("a receipt of the old key after rotation: %v", err)
	}
	later := sample()
	later.AcceptedAt = accepted.Add(2 * time.Hour)
	signedNew, _ := Sign(later, reopened.Key())
	if err := reopened.Keyring().Verify(signedNew); err != nil || signedNew.Key == old.Key {
		t.Errorf("a receipt of the new key: %v (key %s, old %s)", err, signedNew.Key, old.Key)
	}
	signedLate, _ := Sign(later, first.Key())
	if err := reopened.Keyring().Verify(signedLate); !errors.Is(err, ErrOutsideValidity) {
		t.Errorf("the old key signing after its end: %v", err)
	}
	if len(reopened.Keyring()) != 2 {
		t.Errorf("keyring: %v", reopened.Keyring())
	}
}

// Test vectors of the canonical form (RFC 8785): keys sorted by UTF-16
// code units, strings with the minimal escapes, numbers as ECMAScript
// writes them.
func TestCanonicalDataHash(t *testing.T) {
	for input, canonical := range map[string]string{
		`{"b": 2, "a": 1, "c": {"z": true, "y": null}}`: `{"a":1,"b":2,"c":{"y":null,"z":true}}`,
		`{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": ` +
			`"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}`: `{"literals":[null,` +
			`true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
		`{"\u20ac": "euro", "\r": "cr", "1": "one", "\ud83d\ude00": "smile", "\u00e9": "é"}`: `{"\r":"cr",` +
			`"1":"one","é":"é","€":"euro","😀":"smile"}`,
		`{"nom": "Yılmaz-Lefèvre", "montant": 1234.50, "enfants": 3.0}`: `{"enfants":3,` +
			`"montant":1234.5,"nom":"Yılmaz-Lefèvre"}`,
	} {
		got, err := DataHash(json.RawMessage(input))
		if err != nil {
			t.Fatalf("%s: %v", input, err)
		}
		sum := sha256.Sum256([]byte(canonical))
		if got != hex.EncodeToString(sum[:]) {
			t.Errorf("hash of %s is not that of %s", input, canonical)
		}
	}
	if _, err := DataHash(json.RawMessage(`{"a":`)); err == nil {
		t.Error("a broken document has a hash")
	}
}

// The chain finds a removed receipt, and one moved.
func TestChainFindsAGap(t *testing.T) {
	s := newSigner(t)
	var chain []Receipt
	previous := ""
	for i := range 5 {
		r := sample()
		r.Reference = "2026-AAAA-BBBB-000" + string(rune('0'+i))
		r.Sequence = uint64(10 + i)
		r.Previous = previous
		signed, err := Sign(r, s.Key())
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, signed)
		previous, _ = signed.Hash()
	}
	if b := CheckChain(chain, s.Keyring(), ""); b != nil {
		t.Fatalf("a whole chain: %v", b)
	}
	removed := append(append([]Receipt{}, chain[:2]...), chain[3:]...)
	if b := CheckChain(removed, s.Keyring(), ""); b == nil || b.Index != 2 || b.Reference != chain[3].Reference {
		t.Errorf("a removed receipt: %v", b)
	}
	moved := []Receipt{chain[0], chain[2], chain[1], chain[3], chain[4]}
	if b := CheckChain(moved, s.Keyring(), ""); b == nil || b.Index != 1 {
		t.Errorf("a moved receipt: %v", b)
	}
	if b := CheckChain(chain[1:], s.Keyring(), ""); b == nil || b.Index != 0 {
		t.Errorf("the first receipt removed: %v", b)
	}
}

// A genuine receipt with a member added, a name in other letter case, a
// member twice, or spelled otherwise than its canonical form is not a
// receipt: another verifier could read it otherwise.
func TestOnlyTheCanonicalFormDecodes(t *testing.T) {
	s := newSigner(t)
	r, err := Sign(sample(), s.Key())
	if err != nil {
		t.Fatal(err)
	}
	encoded, _ := Encode(r)
	raw, _ := base64.RawURLEncoding.DecodeString(encoded)
	canonicalText := string(raw)
	for name, text := range map[string]string{
		"an unknown member":      strings.Replace(canonicalText, `{`, `{"accepte":true,`, 1),
		"a member in upper case": strings.Replace(canonicalText, `"reference"`, `"Reference"`, 1),
		"a member twice":         strings.Replace(canonicalText, `"form":`, `"form":"autre","form":`, 1),
		"spaces between members": strings.ReplaceAll(canonicalText, `,"`, `, "`),
		"members in another order": `{"signature":"` + r.Signature + `",` +
			strings.TrimPrefix(strings.Replace(canonicalText, `,"signature":"`+r.Signature+`"`, "", 1), "{"),
	} {
		if text == canonicalText {
			t.Fatalf("%s: the test changed nothing", name)
		}
		if _, err := Decode(base64.RawURLEncoding.EncodeToString([]byte(text))); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	if _, err := Decode(encoded); err != nil {
		t.Errorf("the canonical form: %v", err)
	}
}
