package release

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/text/unicode/norm"

	"github.com/coplan/coplan/doc"
)

// Key errors.
var (
	ErrNeedPassphrase  = errors.New("the key is protected by a passphrase")
	ErrWrongPassphrase = errors.New("wrong passphrase for the key")
	ErrNoAgent         = errors.New("no ssh-agent (SSH_AUTH_SOCK is not set)")
	ErrNotInAgent      = errors.New("the key is not in ssh-agent")
	ErrNoPrivateKey    = errors.New("the private key is not at hand")
)

// NewKey makes an Ed25519 signing key in OpenSSH format: the private key
// file's bytes (encrypted when passphrase is not empty) and the public key
// as an authorized_keys line ending in the comment.
func NewKey(comment string, passphrase []byte) (private, public []byte, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	var block *pem.Block
	if len(passphrase) > 0 {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, comment, passphrase)
	} else {
		block, err = ssh.MarshalPrivateKey(priv, comment)
	}
	if err != nil {
		return nil, nil, err
	}
	spub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, nil, err
	}
	line := AuthorizedKey(spub)
	if comment = strings.TrimSpace(comment); comment != "" {
		line += " " + comment
	}
	return pem.EncodeToMemory(block), []byte(line + "\n"), nil
}

// LoadSigner returns a signer for the key at path. A private key file is
// read directly (asking passphrase() when it is encrypted); a public key file
// (FILE.pub) means "the matching key held by ssh-agent". The closer releases
// the agent connection.
func LoadSigner(path string, passphrase func() ([]byte, error)) (ssh.Signer, func(), error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if pub, _, _, _, err := ssh.ParseAuthorizedKey(raw); err == nil {
		return AgentSigner(pub)
	}
	s, err := ssh.ParsePrivateKey(raw)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		if passphrase == nil {
			return nil, nil, fmt.Errorf("%s: %w", path, ErrNeedPassphrase)
		}
		pp, perr := passphrase()
		if perr != nil {
			return nil, nil, perr
		}
		s, err = ssh.ParsePrivateKeyWithPassphrase(raw, pp)
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, nil, fmt.Errorf("%s: %w", path, ErrWrongPassphrase)
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, func() {}, nil
}

// LoadKeySigner is LoadSigner, except that a public key file FILE.pub whose
// key ssh-agent does not hold (or with no agent running) falls back to the
// private key FILE beside it, which must be that key's private half.
// Registering a key needs the private half (to prove it is yours), and
// most people have the pair side by side in ~/.ssh.
func LoadKeySigner(path string, passphrase func() ([]byte, error)) (ssh.Signer, func(), error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	want, _, _, _, perr := ssh.ParseAuthorizedKey(raw)
	if perr != nil || !strings.HasSuffix(path, ".pub") {
		return LoadSigner(path, passphrase)
	}
	s, done, agentErr := AgentSigner(want)
	if agentErr == nil {
		return s, done, nil
	}
	beside := strings.TrimSuffix(path, ".pub")
	if _, err := os.Stat(beside); err != nil {
		return nil, nil, fmt.Errorf("%s: %w: %v, and there is no private key %s beside it", path, ErrNoPrivateKey, agentErr, filepath.Base(beside))
	}
	if s, done, err = LoadSigner(beside, passphrase); err != nil {
		return nil, nil, err
	}
	if !bytes.Equal(s.PublicKey().Marshal(), want.Marshal()) {
		done()
		return nil, nil, fmt.Errorf("%s: %w: the private key beside it (%s) is another key", path, ErrNoPrivateKey, filepath.Base(beside))
	}
	return s, done, nil
}

// AgentSigner finds pub among ssh-agent's keys (SSH_AUTH_SOCK).
func AgentSigner(pub ssh.PublicKey) (ssh.Signer, func(), error) {
	sock := os.Getenv("SSH_AUTH_SOCK")
	if sock == "" {
		return nil, nil, ErrNoAgent
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		return nil, nil, fmt.Errorf("ssh-agent: %w", err)
	}
	signers, err := agent.NewClient(conn).Signers()
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("ssh-agent: %w", err)
	}
	for _, s := range signers {
		if bytes.Equal(s.PublicKey().Marshal(), pub.Marshal()) {
			return s, func() { conn.Close() }, nil
		}
	}
	conn.Close()
	return nil, nil, fmt.Errorf("%w: %s", ErrNotInAgent, ssh.FingerprintSHA256(pub))
}

// ParsePublicKey reads an authorized_keys line (as in FILE.pub).
func ParsePublicKey(line []byte) (ssh.PublicKey, string, error) {
	pub, comment, _, _, err := ssh.ParseAuthorizedKey(line)
	if err != nil {
		return nil, "", fmt.Errorf("%w: not an OpenSSH public key: %v", doc.ErrInvalid, err)
	}
	return pub, comment, nil
}

// AuthorizedKey is pub as "TYPE BASE64", with no comment or newline.
func AuthorizedKey(pub ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

// Fingerprint is OpenSSH's SHA256 fingerprint of pub.
func Fingerprint(pub ssh.PublicKey) string { return ssh.FingerprintSHA256(pub) }

// memberHasKey reports whether one of m's registered keys is pub.
func memberHasKey(m doc.Member, pub ssh.PublicKey) bool {
	want := pub.Marshal()
	for _, k := range m.Keys {
		if p, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k)); err == nil && bytes.Equal(p.Marshal(), want) {
			return true
		}
	}
	return false
}

// keyHolder finds the current member who holds role and has pub registered.
// It tells a key nobody registered (ErrKeyNotRegistered) from one whose
// holder lacks the role (notRole).
func keyHolder(members []doc.Member, pub ssh.PublicKey, role string, notRole error) (doc.Member, error) {
	var holders []doc.Member
	for _, m := range members {
		if !m.Removed && memberHasKey(m, pub) {
			if m.HasRole(role) {
				return m, nil
			}
			holders = append(holders, m)
		}
	}
	if len(holders) == 0 {
		return doc.Member{}, fmt.Errorf("%w (key %s)", ErrKeyNotRegistered, Fingerprint(pub))
	}
	return doc.Member{}, fmt.Errorf("%w: %s (key %s)", notRole, holders[0].Name, Fingerprint(pub))
}

// Identity turns a name into an allowed_signers principal: an email-like
// word without spaces ("Ana María Pérez" → "ana.maria.perez@coplan").
func Identity(name string) string {
	var b strings.Builder
	dot := false
	for _, r := range norm.NFD.String(strings.ToLower(name)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if dot && b.Len() > 0 {
				b.WriteByte('.')
			}
			dot = false
			b.WriteRune(r)
		default:
			dot = true
		}
	}
	if b.Len() == 0 {
		return "minister@coplan"
	}
	return b.String() + "@coplan"
}

// AllowedSigners is the allowed_signers line for a signer.
func AllowedSigners(identity string, pub ssh.PublicKey) []byte {
	return []byte(fmt.Sprintf("%s namespaces=%q %s\n", identity, Namespace, AuthorizedKey(pub)))
}
