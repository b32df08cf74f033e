package receipts

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The procedure of docs/receipts.md checks a receipt with OpenSSL alone:
// the test runs the document's own block, on a good receipt and on an
// altered one.
func TestOpenSSLCheck(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl not found")
	}
	doc, err := os.ReadFile("../docs/receipts.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, found := strings.Cut(string(doc), "<!-- openssl-check")
	_, block, _ := strings.Cut(after, "```sh\n")
	script, _, closed := strings.Cut(block, "```")
	if !found || !closed {
		t.Fatal("no openssl block in docs/receipts.md")
	}
	s := newSigner(t)
	good, err := Sign(sample(), s.Key())
	if err != nil {
		t.Fatal(err)
	}
	altered := good
	altered.Sequence++
	public := s.Keyring()[good.Key].Key
	for _, c := range []struct {
		receipt Receipt
		ok      bool
	}{{good, true}, {altered, false}} {
		encoded, err := Encode(c.receipt)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("bash", "-e", "-c", script)
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), "R="+encoded, "K="+public)
		out, err := cmd.CombinedOutput()
		verified := err == nil && strings.Contains(string(out), "Signature Verified Successfully")
		if verified != c.ok {
			t.Errorf("sequence %d: verified %v, want %v:\n%s", c.receipt.Sequence, verified, c.ok, out)
		}
	}
}
