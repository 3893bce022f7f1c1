// Package spake2 is the password-authenticated key exchange behind Coplan's
// short invite codes: SPAKE2 as RFC 9382 defines it, ciphersuite
// SPAKE2-P256-SHA256-HKDF-HMAC, on filippo.io/nistec's P-256.
//
// Two devices that know the same short code each send one share, derive the
// same key, and prove it to each other with confirmation MACs. The code never
// crosses the wire, and a listener on the link learns nothing to guess the
// code offline with: each guess costs an attacker one online attempt, which
// the caller limits.
package spake2

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"

	"filippo.io/nistec"
	"golang.org/x/crypto/scrypt"
)

// Errors; match with errors.Is.
var (
	ErrBadShare     = errors.New("spake2: peer share is not a valid P-256 point")
	ErrDegenerate   = errors.New("spake2: degenerate shared point")
	ErrConfirmation = errors.New("spake2: confirmation failed (wrong code?)")
)

// Role says which side of the exchange this is. A and B must differ.
type Role int

const (
	RoleA Role = iota
	RoleB
)

// The fixed points of RFC 9382 section 6 for P-256, compressed.
const (
	mHex = "02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f"
	nHex = "03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49"
)

var (
	order  = mustBig("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
	pointM = mustPoint(mHex)
	pointN = mustPoint(nHex)
)

func mustBig(h string) *big.Int {
	v, ok := new(big.Int).SetString(h, 16)
	if !ok {
		panic("spake2: bad constant")
	}
	return v
}

func mustPoint(h string) *nistec.P256Point {
	b, err := hex.DecodeString(h)
	if err != nil {
		panic(err)
	}
	p, err := nistec.NewP256Point().SetBytes(b)
	if err != nil {
		panic(err)
	}
	return p
}

// scalar encodes v mod the group order as 32 big-endian bytes.
func scalar(v *big.Int) []byte {
	out := make([]byte, 32)
	new(big.Int).Mod(v, order).FillBytes(out)
	return out
}

// PasswordScalar turns a code into the scalar w with a memory-hard function
// (scrypt), as RFC 9382 section 3.2 asks, reduced mod the order from 40
// bytes so the bias is negligible. salt separates uses (a plan, a protocol).
func PasswordScalar(code, salt []byte) ([]byte, error) {
	k, err := scrypt.Key(code, salt, 1<<15, 8, 1, 40)
	if err != nil {
		return nil, err
	}
	w := new(big.Int).Mod(new(big.Int).SetBytes(k), order)
	if w.Sign() == 0 {
		w.SetInt64(1) // probability 2^-256; keeps w a valid scalar
	}
	return scalar(w), nil
}

// Exchange is one side of one SPAKE2 run. Use it once.
type Exchange struct {
	role     Role
	w, x     []byte
	idA, idB []byte
	aad      []byte
	share    []byte
}

// New starts an exchange for role with the password scalar w (from
// PasswordScalar), the two parties' identities and additional data bound
// into the confirmation keys.
func New(role Role, w, idA, idB, aad []byte) (*Exchange, error) {
	var seed [48]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, err
	}
	x := new(big.Int).Mod(new(big.Int).SetBytes(seed[:]), order)
	if x.Sign() == 0 {
		x.SetInt64(1)
	}
	return newWithScalar(role, w, scalar(x), idA, idB, aad)
}

func newWithScalar(role Role, w, x, idA, idB, aad []byte) (*Exchange, error) {
	if len(w) != 32 || len(x) != 32 {
		return nil, errors.New("spake2: scalars must be 32 bytes")
	}
	blind := pointM
	if role == RoleB {
		blind = pointN
	}
	xP, err := nistec.NewP256Point().ScalarBaseMult(x)
	if err != nil {
		return nil, err
	}
	wB, err := nistec.NewP256Point().ScalarMult(blind, w)
	if err != nil {
		return nil, err
	}
	share := nistec.NewP256Point().Add(xP, wB).Bytes()
	return &Exchange{role: role, w: w, x: x, idA: idA, idB: idB, aad: aad, share: share}, nil
}

// Share is the message to send to the peer: an uncompressed point.
func (e *Exchange) Share() []byte { return append([]byte(nil), e.share...) }

// Keys is what a finished exchange yields.
type Keys struct {
	// Shared is Ke, the key both sides now hold (16 bytes).
	Shared []byte
	// Confirm is this side's confirmation MAC, to send to the peer.
	Confirm []byte
	expect  []byte
	tt      []byte
}

// Verify checks the peer's confirmation MAC in constant time. Only after
// it succeeds may Shared be used.
func (k *Keys) Verify(peerConfirm []byte) error {
	if subtle.ConstantTimeCompare(k.expect, peerConfirm) != 1 {
		return ErrConfirmation
	}
	return nil
}

// Finish takes the peer's share and derives the keys.
func (e *Exchange) Finish(peerShare []byte) (*Keys, error) {
	if len(peerShare) != 65 || peerShare[0] != 4 {
		return nil, ErrBadShare
	}
	peer, err := nistec.NewP256Point().SetBytes(peerShare)
	if err != nil || peer.IsInfinity() == 1 {
		return nil, ErrBadShare
	}
	unblind := pointN
	if e.role == RoleB {
		unblind = pointM
	}
	wU, err := nistec.NewP256Point().ScalarMult(unblind, e.w)
	if err != nil {
		return nil, err
	}
	diff := nistec.NewP256Point().Add(peer, nistec.NewP256Point().Negate(wU))
	// P-256 has cofactor 1, so K = x * (peer - w*blind).
	k, err := nistec.NewP256Point().ScalarMult(diff, e.x)
	if err != nil {
		return nil, err
	}
	if k.IsInfinity() == 1 {
		return nil, ErrDegenerate
	}
	pA, pB := e.share, peerShare
	if e.role == RoleB {
		pA, pB = peerShare, e.share
	}
	tt := transcript(e.idA, e.idB, pA, pB, k.Bytes(), e.w)
	sum := sha256.Sum256(tt)
	ke, ka := sum[:16], sum[16:]
	kc, err := hkdf.Key(sha256.New, ka, nil, "ConfirmationKeys"+string(e.aad), 32)
	if err != nil {
		return nil, fmt.Errorf("spake2: %w", err)
	}
	cA, cB := mac(kc[:16], tt), mac(kc[16:], tt)
	out := &Keys{Shared: append([]byte(nil), ke...), Confirm: cA, expect: cB, tt: tt}
	if e.role == RoleB {
		out.Confirm, out.expect = cB, cA
	}
	return out, nil
}

func mac(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}

// transcript is RFC 9382's TT: each part prefixed with its length as eight
// little-endian bytes.
func transcript(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = binary.LittleEndian.AppendUint64(out, uint64(len(p)))
		out = append(out, p...)
	}
	return out
}
