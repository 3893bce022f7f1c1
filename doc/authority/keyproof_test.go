package authority

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// forgedKey is by's registration of the test key line to member with a
// proof made by the test key signerName (the one a squatter holds), built
// by hand since NewRegisterKey refuses a proof that does not verify.
func forgedKey(w *world, by *dev, member Device, line, signerName string) RegisterKey {
	w.t.Helper()
	key, fp, err := ParseSigningKey(line)
	if err != nil {
		w.t.Fatal(err)
	}
	proof, _ := keySigner(signerName)(KeyProofData(w.planID, member, by.d, key))
	return RegisterKey{Member: member, Key: key, Fingerprint: fp, Proof: proof}
}

// TestKeySquattingRefused: a member registering the minister's published
// key on its own record, with every proof it could come up with, is
// refused where it is made and, forced into the plan, counts for nothing:
// the minister still registers the key and signs with it.
func TestKeySquattingRefused(t *testing.T) {
	f := newFx(t)
	pub, pubFP := sshKey("minister published")
	genuine := f.registerKey(f.min, f.min.d, pub) // made, not yet stored
	other := newWorld(t, f.min, Government)
	inOtherPlan := other.registerKey(f.min, f.min.d, pub)
	cases := []struct {
		name string
		body func() RegisterKey
	}{
		{"no proof", func() RegisterKey {
			b := forgedKey(f.world, f.bob, f.bob.d, pub, "bob")
			b.Proof = nil
			return b
		}},
		{"proof made with the squatter's own key", func() RegisterKey {
			return forgedKey(f.world, f.bob, f.bob.d, pub, "bob")
		}},
		{"random bytes", func() RegisterKey {
			b := forgedKey(f.world, f.bob, f.bob.d, pub, "bob")
			b.Proof = bytes.Repeat([]byte{7}, 80)
			return b
		}},
		{"the minister's proof for the minister's record", func() RegisterKey {
			b := genuine
			b.Member = f.bob.d
			return b
		}},
		{"the minister's proof from another plan", func() RegisterKey {
			b := inOtherPlan
			b.Member = f.bob.d
			return b
		}},
		{"the minister's proof, sent by the squatter for the minister's record", func() RegisterKey {
			return genuine
		}},
	}
	var forced []ID
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.body()
			err := f.state().Check(f.bob.d, b, f.now)
			if !errors.Is(err, ErrKeyProof) {
				t.Fatalf("Check = %v, want %v", err, ErrKeyProof)
			}
			id := f.force(f.bob, b)
			f.mustReject(id, ErrKeyProof)
			r, _ := f.state().Rejection(id)
			if r.Kind != KindRegisterKey || r.Signer != f.bob.d {
				t.Errorf("rejection says kind %s by %s, want the squatter's key registration", r.Kind, r.Signer.Short())
			}
			forced = append(forced, id)
		})
	}
	if _, ok := f.state().SigningKey(pubFP); ok {
		t.Fatal("a squatted key counts as registered")
	}
	f.make(f.min, genuine)
	rel := f.make(f.min, f.release("1.0", pubFP))
	if k, ok := f.state().SigningKey(pubFP); !ok || k.Member != f.min.d {
		t.Fatalf("key %+v after the minister registered it", k)
	}
	if r, err := f.state().Release(rel); err != nil || r.Member != f.min.d {
		t.Fatalf("release %+v: %v", r, err)
	}
	for _, id := range forced {
		f.mustReject(id, ErrKeyProof)
	}
}

// TestKeyProofBindsPlanMemberDevice: a proof holds only for the plan, the
// member and the device it names, and for the key that made it.
func TestKeyProofBindsPlanMemberDevice(t *testing.T) {
	f := newFx(t)
	line, _ := sshKey("cat")
	good := f.registerKey(f.cat, f.cat.d, line)
	key, _, _ := ParseSigningKey(line)
	if err := verifyKeyProof(f.planID, f.cat.d, good); err != nil {
		t.Fatalf("genuine proof: %v", err)
	}
	withMember := good
	withMember.Member = f.dan.d
	otherKeyLine, otherFP := sshKey("dan")
	otherKey, _, _ := ParseSigningKey(otherKeyLine)
	withKey := good
	withKey.Key, withKey.Fingerprint = otherKey, otherFP
	flipped := good
	flipped.Proof = bytes.Clone(good.Proof)
	flipped.Proof[len(flipped.Proof)-1] ^= 1
	trailing := good
	trailing.Proof = append(bytes.Clone(good.Proof), 0)
	wrongFormat := good
	wrongFormat.Proof = appendSSHString(appendSSHString(nil, []byte("rsa-sha2-512")), good.Proof[len(good.Proof)-64:])
	cases := []struct {
		name   string
		plan   string
		signer Device
		b      RegisterKey
	}{
		{"another plan", "ffeeddccbbaa99887766554433221100", f.cat.d, good},
		{"another device", f.planID, f.dan.d, good},
		{"another member", f.planID, f.cat.d, withMember},
		{"another key", f.planID, f.cat.d, withKey},
		{"a flipped bit", f.planID, f.cat.d, flipped},
		{"trailing bytes", f.planID, f.cat.d, trailing},
		{"another signature format", f.planID, f.cat.d, wrongFormat},
		{"truncated", f.planID, f.cat.d, RegisterKey{Member: f.cat.d, Key: key, Fingerprint: good.Fingerprint, Proof: good.Proof[:20]}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := verifyKeyProof(tc.plan, tc.signer, tc.b); !errors.Is(err, ErrKeyProof) {
				t.Fatalf("verify = %v, want %v", err, ErrKeyProof)
			}
		})
	}
	if _, err := NewRegisterKey(f.planID, f.cat.d, f.cat.d, line, keySigner("dan")); !errors.Is(err, ErrKeyProof) {
		t.Errorf("NewRegisterKey with another key's signer = %v, want %v", err, ErrKeyProof)
	}
}

// TestKeyProofFromSSHKeygen: a proof is what ssh-keygen -Y sign makes over
// KeyProofMessage in the key-register namespace, so OpenSSH's own tool
// (and any ssh-agent) can make one.
func TestKeyProofFromSSHKeygen(t *testing.T) {
	keygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		t.Fatal("ssh-keygen is needed: ", err)
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "id_ed25519")
	if out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "min", "-f", keyFile).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pubLine, err := os.ReadFile(keyFile + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	f := newFx(t)
	key, fp, err := ParseSigningKey(string(pubLine))
	if err != nil {
		t.Fatal(err)
	}
	msgFile := filepath.Join(dir, "message")
	if err := os.WriteFile(msgFile, KeyProofMessage(f.planID, f.min.d, f.min.d, key), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(keygen, "-Y", "sign", "-n", KeyProofNamespace, "-f", keyFile, msgFile).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen -Y sign: %v\n%s", err, out)
	}
	armored, err := os.ReadFile(msgFile + ".sig")
	if err != nil {
		t.Fatal(err)
	}
	proof := sshsigSignature(t, armored)
	b, err := NewRegisterKey(f.planID, f.min.d, f.min.d, string(pubLine), func([]byte) ([]byte, error) { return proof, nil })
	if err != nil {
		t.Fatalf("ssh-keygen's signature is not a valid proof: %v", err)
	}
	f.make(f.min, b)
	if k, ok := f.state().SigningKey(fp); !ok || k.Member != f.min.d {
		t.Fatalf("key %+v", k)
	}
	// The same signature made for another member's record is refused.
	if _, err := NewRegisterKey(f.planID, f.bob.d, f.min.d, string(pubLine), func([]byte) ([]byte, error) { return proof, nil }); !errors.Is(err, ErrKeyProof) {
		t.Fatalf("proof for another member = %v, want %v", err, ErrKeyProof)
	}
}

// sshsigSignature is the signature field of an armored SSHSIG.
func sshsigSignature(t *testing.T, armored []byte) []byte {
	t.Helper()
	s := strings.TrimSpace(string(armored))
	s = strings.TrimPrefix(s, "-----BEGIN SSH SIGNATURE-----")
	s = strings.TrimSuffix(s, "-----END SSH SIGNATURE-----")
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil || !bytes.HasPrefix(raw, []byte("SSHSIG")) || len(raw) < 10 {
		t.Fatalf("not an SSHSIG: %v", err)
	}
	r := sshReader{b: raw[10:]} // magic and version
	_, ns, _, hash, sig := r.str(), r.str(), r.str(), r.str(), r.str()
	if r.bad || string(ns) != KeyProofNamespace || string(hash) != "sha512" {
		t.Fatalf("SSHSIG namespace %q hash %q", ns, hash)
	}
	return sig
}

// TestKeyProofSecurityKey: a FIDO (sk-ssh-ed25519) key's proof is the
// authenticator's signature over its application, flags, counter and the
// data's hash, as OpenSSH defines it.
func TestKeyProofSecurityKey(t *testing.T) {
	f := newFx(t)
	seed := sha256.Sum256([]byte("security key"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	app := []byte("ssh:")
	blob := appendSSHString(appendSSHString(appendSSHString(nil, []byte(keyTypeSKEd25519)), priv.Public().(ed25519.PublicKey)), app)
	line := keyTypeSKEd25519 + " " + base64.StdEncoding.EncodeToString(blob)
	flagsCounter := []byte{0x01, 0, 0, 0, 42}
	sign := func(flags []byte) KeySigner {
		return func(data []byte) ([]byte, error) {
			ah, dh := sha256.Sum256(app), sha256.Sum256(data)
			sig := ed25519.Sign(priv, append(append(ah[:], flagsCounter...), dh[:]...))
			return append(appendSSHString(appendSSHString(nil, []byte(keyTypeSKEd25519)), sig), flags...), nil
		}
	}
	b, err := NewRegisterKey(f.planID, f.cat.d, f.cat.d, line, sign(flagsCounter))
	if err != nil {
		t.Fatal(err)
	}
	f.make(f.cat, b)
	if _, err := NewRegisterKey(f.planID, f.dan.d, f.dan.d, line, sign([]byte{0x05, 0, 0, 0, 42})); !errors.Is(err, ErrKeyProof) {
		t.Fatalf("tampered flags = %v, want %v", err, ErrKeyProof)
	}
	if _, err := NewRegisterKey(f.planID, f.dan.d, f.dan.d, line, sign(nil)); !errors.Is(err, ErrKeyProof) {
		t.Fatalf("no flags and counter = %v, want %v", err, ErrKeyProof)
	}
}

// FuzzKeyProof: no proof bytes make a key count for a member, device or
// plan other than the one it was made for, and none make the check panic.
func FuzzKeyProof(f *testing.F) {
	w := seedWorld(f)
	line, _ := sshKey("min")
	good := w.registerKey(w.min, w.min.d, line)
	f.Add(good.Proof)
	f.Add(good.Proof[:len(good.Proof)-1])
	f.Add([]byte{})
	f.Add(appendSSHString(nil, []byte(keyTypeSKEd25519)))
	f.Fuzz(func(t *testing.T, proof []byte) {
		b := good
		b.Proof = proof
		if verifyKeyProof(w.planID, w.min.d, b) != nil {
			return
		}
		if verifyKeyProof(w.planID, w.bob.d, b) == nil {
			t.Fatal("a proof holds for another device")
		}
		b.Member = w.bob.d
		if verifyKeyProof(w.planID, w.min.d, b) == nil {
			t.Fatal("a proof holds for another member")
		}
	})
}
