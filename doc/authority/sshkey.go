package authority

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// Signing keys are OpenSSH Ed25519 public keys (plain or FIDO security-key
// ones), written "TYPE BASE64" as in an authorized_keys line without its
// comment. They are parsed here by hand so the package needs no SSH library.
const (
	keyTypeEd25519   = "ssh-ed25519"
	keyTypeSKEd25519 = "sk-ssh-ed25519@openssh.com"
)

// ParseSigningKey reads an OpenSSH public key line ("ssh-ed25519 AAAA…
// comment", as in FILE.pub) and returns it as "TYPE BASE64" with its SHA256
// fingerprint as ssh-keygen -l prints it.
func ParseSigningKey(line string) (key, fingerprint string, err error) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return "", "", fmt.Errorf("%w: not an OpenSSH public key", ErrInvalid)
	}
	blob, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil {
		return "", "", fmt.Errorf("%w: not an OpenSSH public key: %v", ErrInvalid, err)
	}
	typ, err := sshKeyType(blob)
	if err != nil {
		return "", "", err
	}
	if typ != f[0] {
		return "", "", fmt.Errorf("%w: key says %s inside, %s outside", ErrInvalid, typ, f[0])
	}
	sum := sha256.Sum256(blob)
	return f[0] + " " + base64.StdEncoding.EncodeToString(blob), "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:]), nil
}

// sshKeyType checks the wire form of an Ed25519 key blob and returns its type.
func sshKeyType(blob []byte) (string, error) {
	typ, _, _, err := sshKeyParts(blob)
	return typ, err
}

// sshKeyParts reads an Ed25519 key blob: its type, the 32-byte public key
// and, for a security key, the application it was made for.
func sshKeyParts(blob []byte) (typ string, pub, app []byte, err error) {
	r := sshReader{b: blob}
	t := r.str()
	if r.bad {
		return "", nil, nil, fmt.Errorf("%w: truncated OpenSSH key", ErrInvalid)
	}
	if string(t) != keyTypeEd25519 && string(t) != keyTypeSKEd25519 {
		return "", nil, nil, fmt.Errorf("%w: %q key (want an Ed25519 key)", ErrInvalid, t)
	}
	pub = r.str()
	if r.bad || len(pub) != 32 {
		return "", nil, nil, fmt.Errorf("%w: bad Ed25519 key in OpenSSH key", ErrInvalid)
	}
	if string(t) == keyTypeSKEd25519 {
		if app = r.str(); r.bad || len(app) == 0 {
			return "", nil, nil, fmt.Errorf("%w: security key without application", ErrInvalid)
		}
	}
	if len(r.b) != 0 {
		return "", nil, nil, fmt.Errorf("%w: trailing bytes in OpenSSH key", ErrInvalid)
	}
	return string(t), pub, app, nil
}
