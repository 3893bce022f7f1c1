package authority

import (
	"crypto/ed25519"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/crypto/ssh"
)

// TestPeerIDMatchesLibp2p: the peer ID computed by hand is libp2p's.
func TestPeerIDMatchesLibp2p(t *testing.T) {
	for i := range 20 {
		priv, pub, err := crypto.GenerateEd25519Key(nil)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 { // also a key from its seed, as sync's identity files hold
			d := newDev("fixed")
			if pub, err = crypto.UnmarshalEd25519PublicKey(d.d[:]); err != nil {
				t.Fatal(err)
			}
		}
		want, err := peer.IDFromPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := pub.Raw()
		d, err := DeviceOf(ed25519.PublicKey(raw))
		if err != nil {
			t.Fatal(err)
		}
		if got := d.PeerID(); got != want.String() {
			t.Fatalf("peer ID %s, libp2p says %s", got, want)
		}
		back, err := ParsePeerID(want.String())
		if err != nil || back != d {
			t.Fatalf("ParsePeerID(%s) = %v, %v", want, back.Short(), err)
		}
		if i > 0 {
			// libp2p's private key bytes are an ed25519.PrivateKey
			rawPriv, _ := priv.Raw()
			if dd, err := DeviceOfKey(ed25519.PrivateKey(rawPriv)); err != nil || dd != d {
				t.Fatalf("device of libp2p private key: %v", err)
			}
		}
	}
	for _, bad := range []string{"", "0OIl", "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N" /* an RSA-era peer ID */, "12D3KooW"} {
		if _, err := ParsePeerID(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParsePeerID(%q) = %v", bad, err)
		}
	}
}

// TestSigningKeysAsSSHSeesThem: keys made by ssh-keygen parse, with the
// fingerprint ssh-keygen -l and x/crypto/ssh print; other key types are
// refused.
func TestSigningKeysAsSSHSeesThem(t *testing.T) {
	keygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		t.Skip("ssh-keygen not installed (make test-deps installs openssh-client)")
	}
	dir := t.TempDir()
	for _, typ := range []string{"ed25519", "ecdsa"} {
		path := filepath.Join(dir, typ)
		if out, err := exec.Command(keygen, "-q", "-t", typ, "-N", "", "-C", "minister@example", "-f", path).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v: %s", err, out)
		}
		line, err := os.ReadFile(path + ".pub")
		if err != nil {
			t.Fatal(err)
		}
		key, fp, err := ParseSigningKey(string(line))
		if typ != "ed25519" {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%s key accepted: %v", typ, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(keygen, "-l", "-E", "sha256", "-f", path+".pub").Output()
		if err != nil {
			t.Fatal(err)
		}
		if f := strings.Fields(string(out)); len(f) < 2 || f[1] != fp {
			t.Fatalf("fingerprint %s, ssh-keygen says %s", fp, out)
		}
		pub, _, _, _, err := ssh.ParseAuthorizedKey(line)
		if err != nil {
			t.Fatal(err)
		}
		if ssh.FingerprintSHA256(pub) != fp || strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) != key {
			t.Fatalf("x/crypto/ssh disagrees: %s %s", ssh.FingerprintSHA256(pub), key)
		}
	}
}

// TestImportRules: the rules are pure Go on the standard library and one
// pure-Go curve package, so doc imports neither libp2p nor anything else
// through them.
func TestImportRules(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	cmd := exec.Command(gobin, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}} {{.CgoFiles}}{{end}}", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	// filippo.io/edwards25519 is pure Go, the code the standard library's
	// own crypto/internal/fips140/edwards25519 comes from; the batch
	// signature check (verify.go) needs its multi-scalar multiplication.
	want := "filippo.io/edwards25519/field []\nfilippo.io/edwards25519 []\ngithub.com/coplan/coplan/doc/authority []"
	if got := strings.TrimSpace(string(out)); got != want {
		t.Fatalf("non-standard dependencies or cgo:\n%s", got)
	}
}
