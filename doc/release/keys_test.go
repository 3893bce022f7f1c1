package release

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/coplan/coplan/doc"
)

func writeKey(t *testing.T, comment string, pass []byte) (string, []byte, []byte) {
	t.Helper()
	priv, pub, err := NewKey(comment, pass)
	must(t, err)
	path := filepath.Join(t.TempDir(), "id_ed25519")
	must(t, os.WriteFile(path, priv, 0o600))
	must(t, os.WriteFile(path+".pub", pub, 0o644))
	return path, priv, pub
}

func TestNewKeyIsOpenSSH(t *testing.T) {
	path, _, pub := writeKey(t, "Siân Ŵyn", []byte("s3cret"))
	if !strings.HasPrefix(string(pub), "ssh-ed25519 AAAA") || !strings.HasSuffix(string(pub), " Siân Ŵyn\n") {
		t.Fatalf("public key line %q", pub)
	}
	if _, _, err := LoadSigner(path, nil); !errors.Is(err, ErrNeedPassphrase) {
		t.Fatalf("no passphrase: %v", err)
	}
	if _, _, err := LoadSigner(path, func() ([]byte, error) { return []byte("wrong"), nil }); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	s, done, err := LoadSigner(path, func() ([]byte, error) { return []byte("s3cret"), nil })
	must(t, err)
	done()
	want, _, err := ParsePublicKey(pub)
	must(t, err)
	if Fingerprint(s.PublicKey()) != Fingerprint(want) {
		t.Fatal("loaded key does not match its .pub")
	}
	// OpenSSH itself reads the encrypted key.
	needTool(t, "ssh-keygen")
	out, err := run(t, filepath.Dir(path), nil, "ssh-keygen", "-y", "-P", "s3cret", "-f", path)
	if err != nil {
		t.Fatalf("ssh-keygen -y: %v %s", err, out)
	}
	if !strings.HasPrefix(string(pub), strings.TrimSpace(out)) {
		t.Fatalf("ssh-keygen derived %q, .pub has %q", out, pub)
	}
}

func TestExistingOpenSSHKey(t *testing.T) {
	needTool(t, "ssh-keygen")
	dir := t.TempDir()
	path := filepath.Join(dir, "key")
	if out, err := run(t, dir, nil, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "minister", "-f", path); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	s, _, err := LoadSigner(path, nil)
	must(t, err)
	p, ppl := readyPlan(t, 1)
	must(t, p.AddMemberKey(ministerPeer, s))
	_ = ppl
	_, _, err = Sign(p, "1.0", s, signedAt)
	must(t, err)
	_, err = VerifyDir(exportTo(t, p, "1.0"), p)
	must(t, err)
}

func TestAgentSigner(t *testing.T) {
	path, priv, _ := writeKey(t, "minister", nil)
	raw, err := ssh.ParseRawPrivateKey(priv)
	must(t, err)
	keyring := agent.NewKeyring()
	must(t, keyring.Add(agent.AddedKey{PrivateKey: raw, Comment: "minister"}))
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	must(t, err)
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = agent.ServeAgent(keyring, c)
			}()
		}
	}()
	t.Setenv("SSH_AUTH_SOCK", sock)

	// The .pub names the key; the agent holds it and signs.
	s, done, err := LoadSigner(path+".pub", nil)
	must(t, err)
	defer done()
	p, _ := readyPlan(t, 1)
	must(t, p.AddMemberKey(ministerPeer, s))
	_, _, err = Sign(p, "1.0", s, signedAt)
	must(t, err)
	_, err = VerifyDir(exportTo(t, p, "1.0"), p)
	must(t, err)

	other, _, _ := writeKey(t, "other", nil)
	if _, _, err := LoadSigner(other+".pub", nil); !errors.Is(err, ErrNotInAgent) {
		t.Fatalf("key not in agent: %v", err)
	}
	t.Setenv("SSH_AUTH_SOCK", "")
	if _, _, err := LoadSigner(path+".pub", nil); !errors.Is(err, ErrNoAgent) {
		t.Fatalf("no agent: %v", err)
	}
}

func TestIdentity(t *testing.T) {
	for in, want := range map[string]string{
		"Ana María Pérez":   "ana.maria.perez@coplan",
		"Siân Ffransis-Ŵyn": "sian.ffransis.wyn@coplan",
		"  ":                "minister@coplan",
		"Γιώργος Παπαδόπουλος": "γιωργος.παπαδοπουλος@coplan",
	} {
		if got := Identity(in); got != want {
			t.Errorf("Identity(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNonLatinIdentityWithOpenSSH(t *testing.T) {
	needTool(t, "ssh-keygen")
	p, ppl := readyPlan(t, 1)
	must(t, p.AddMember(doc.Member{PeerID: ministerPeer, Name: "Γιώργος Παπαδόπουλος", Side: doc.Government}))
	_, m, err := Sign(p, "1.0", ppl.minister, signedAt)
	must(t, err)
	dir := exportTo(t, p, "1.0")
	sums, _ := os.ReadFile(filepath.Join(dir, FileSums))
	if out, err := run(t, dir, sums, "ssh-keygen", "-Y", "verify", "-f", FileAllowed, "-I", m.Signer.Identity, "-n", Namespace, "-s", FileSumsSig); err != nil {
		t.Fatalf("ssh-keygen with identity %q: %v %s", m.Signer.Identity, err, out)
	}
}
