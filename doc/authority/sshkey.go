package authority

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
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
	read := func() ([]byte, bool) {
		if len(blob) < 4 {
			return nil, false
		}
		n := binary.BigEndian.Uint32(blob)
		if uint64(n) > uint64(len(blob)-4) {
			return nil, false
		}
		s := blob[4 : 4+n]
		blob = blob[4+n:]
		return s, true
	}
	typ, ok := read()
	if !ok {
		return "", fmt.Errorf("%w: truncated OpenSSH key", ErrInvalid)
	}
	if string(typ) != keyTypeEd25519 && string(typ) != keyTypeSKEd25519 {
		return "", fmt.Errorf("%w: %q key (want an Ed25519 key)", ErrInvalid, typ)
	}
	pub, ok := read()
	if !ok || len(pub) != 32 {
		return "", fmt.Errorf("%w: bad Ed25519 key in OpenSSH key", ErrInvalid)
	}
	if string(typ) == keyTypeSKEd25519 {
		if app, ok := read(); !ok || len(app) == 0 {
			return "", fmt.Errorf("%w: security key without application", ErrInvalid)
		}
	}
	if len(blob) != 0 {
		return "", fmt.Errorf("%w: trailing bytes in OpenSSH key", ErrInvalid)
	}
	return string(typ), nil
}
