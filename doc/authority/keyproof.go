package authority

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
)

// Proof of possession. Public keys are public (the government publishes the
// minister's fingerprint), so naming a key proves nothing: a member could
// register someone else's key on its own record, and since a key is never
// another member's afterwards, block its owner's sign-off. A registration
// therefore carries a signature made with the signing key itself over a
// message naming the plan, the member, the registering device and the key.
//
// The signature is what OpenSSH's SSHSIG signs (namespace
// KeyProofNamespace, SHA-512): ssh-keygen -Y sign -n coplan-key-register
// over KeyProofMessage gives a valid proof, and any ssh.Signer (a private
// key file or ssh-agent) makes one. It is checked here by hand, with the
// package's own Ed25519 check (verify.go), so no SSH library is needed.

// KeyProofNamespace is the SSHSIG namespace of a key registration's proof.
const KeyProofNamespace = "coplan-key-register"

// MaxKeyProof bounds the proof's bytes (an Ed25519 one is about 100).
const MaxKeyProof = 512

// KeySigner signs data with the private half of a signing key and returns
// the SSH signature in its wire form (string format, string signature,
// then, for a security key, its flags and counter), as
// golang.org/x/crypto/ssh's ssh.Marshal(signer.Sign(rand, data)) gives it.
type KeySigner func(data []byte) ([]byte, error)

// KeyProofMessage is the text a key registration's proof signs: the plan,
// the member the key is registered to, the device registering it and the
// key ("TYPE BASE64", as ParseSigningKey writes it).
func KeyProofMessage(planID string, member, device Device, key string) []byte {
	return []byte("Coplan: register this signing key\nplan " + planID + "\nmember " + member.PeerID() +
		"\ndevice " + device.PeerID() + "\nkey " + key + "\n")
}

// KeyProofData is what the signing key signs: SSHSIG's signed data for
// KeyProofMessage in KeyProofNamespace with SHA-512.
func KeyProofData(planID string, member, device Device, key string) []byte {
	h := sha512.Sum512(KeyProofMessage(planID, member, device, key))
	out := []byte("SSHSIG")
	for _, f := range [][]byte{[]byte(KeyProofNamespace), nil, []byte("sha512"), h[:]} {
		out = appendSSHString(out, f)
	}
	return out
}

// NewRegisterKey registers the OpenSSH public key line (as in FILE.pub) to
// member, made by device in plan planID; sign is the key's private half,
// which signs the proof that whoever registers the key holds it.
func NewRegisterKey(planID string, member, device Device, publicKeyLine string, sign KeySigner) (RegisterKey, error) {
	key, fp, err := ParseSigningKey(publicKeyLine)
	if err != nil {
		return RegisterKey{}, err
	}
	if _, err := planIDBytes(planID); err != nil {
		return RegisterKey{}, err
	}
	if sign == nil {
		return RegisterKey{}, fmt.Errorf("%w: %s", ErrKeyProof, "no private key to sign the proof with")
	}
	proof, err := sign(KeyProofData(planID, member, device, key))
	if err != nil {
		return RegisterKey{}, fmt.Errorf("%w: signing with %s: %w", ErrKeyProof, fp, err)
	}
	b := RegisterKey{Member: member, Key: key, Fingerprint: fp, Proof: proof}
	if err := verifyKeyProof(planID, device, b); err != nil {
		return RegisterKey{}, err
	}
	return b, nil
}

// verifyKeyProof checks b's proof for a registration by signer in planID.
// It depends only on these bytes, so every peer gets the same answer.
func verifyKeyProof(planID string, signer Device, b RegisterKey) error {
	if len(b.Proof) == 0 {
		return fmt.Errorf("%w: the registration of %s carries no signature made with the key", ErrKeyProof, b.Fingerprint)
	}
	f := strings.Fields(b.Key)
	if len(f) != 2 {
		return fmt.Errorf("%w: key not written as \"TYPE BASE64\"", ErrKeyProof)
	}
	blob, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil {
		return fmt.Errorf("%w: %v", ErrKeyProof, err)
	}
	typ, pub, app, err := sshKeyParts(blob)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKeyProof, err)
	}
	r := sshReader{b: b.Proof}
	format, sig := r.str(), r.str()
	if r.bad {
		return fmt.Errorf("%w: the proof is not an SSH signature", ErrKeyProof)
	}
	if string(format) != typ {
		return fmt.Errorf("%w: the proof is a %q signature of a %s key", ErrKeyProof, format, typ)
	}
	data := KeyProofData(planID, b.Member, signer, b.Key)
	switch typ {
	case keyTypeEd25519:
		if len(r.b) != 0 {
			return fmt.Errorf("%w: trailing bytes in the proof", ErrKeyProof)
		}
	case keyTypeSKEd25519:
		// A security key signs SHA-256(application) | flags | counter |
		// SHA-256(data) and appends flags and counter to the signature.
		if len(r.b) != 5 {
			return fmt.Errorf("%w: security key proof without flags and counter", ErrKeyProof)
		}
		ah, dh := sha256.Sum256(app), sha256.Sum256(data)
		data = append(append(ah[:], r.b...), dh[:]...)
	}
	if !verifySig(pub, data, sig) {
		return fmt.Errorf("%w: the proof for %s does not verify: it was not made with this key for this plan, member %s and device %s",
			ErrKeyProof, b.Fingerprint, b.Member.Short(), signer.Short())
	}
	return nil
}

// checkKeyProof is verifyKeyProof for a parsed statement of any kind.
func checkKeyProof(st *Statement) error {
	if b, ok := st.Body.(RegisterKey); ok {
		return verifyKeyProof(st.PlanID, st.Signer, b)
	}
	return nil
}

func appendSSHString(out, s []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(s)))
	return append(out, s...)
}

// sshReader reads SSH wire strings; bad turns true for good on a short read.
type sshReader struct {
	b   []byte
	bad bool
}

func (r *sshReader) str() []byte {
	if r.bad || len(r.b) < 4 {
		r.bad = true
		return nil
	}
	n := binary.BigEndian.Uint32(r.b)
	if uint64(n) > uint64(len(r.b)-4) {
		r.bad = true
		return nil
	}
	s := r.b[4 : 4+n : 4+n]
	r.b = r.b[4+n:]
	return s
}
