package authority

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"

	"filippo.io/edwards25519"
)

// Signatures are Ed25519 (RFC 8032 signing, as crypto/ed25519 signs) checked
// by the cofactored equation [8][s]B = [8]R + [8][k]A, with the signer's
// key A and the R half of the signature in their canonical encodings and s
// reduced. Every honest signature passes it exactly as it passes
// crypto/ed25519.Verify; the two differ only on signatures built with
// small-order components, which the cofactored rule accepts. The rule is
// the cofactored one so that checking many statements at once (a batch,
// below) gives exactly the answer checking each alone does: with the
// cofactorless rule a batch can accept such a crafted signature by chance,
// and two peers could then judge one statement differently. Every check of
// a statement's signature in this package goes through verifySig or
// verifyBatch.

// sigJob is one signature to check.
type sigJob struct {
	pub, msg, sig []byte
	ok            bool
}

// decoded is a job's points and scalars.
type decoded struct {
	a, r *edwards25519.Point
	s, k *edwards25519.Scalar
}

func decodeJob(j *sigJob, keys map[string]*edwards25519.Point) (decoded, bool) {
	if len(j.pub) != ed25519.PublicKeySize || len(j.sig) != ed25519.SignatureSize {
		return decoded{}, false
	}
	a := keys[string(j.pub)]
	if a == nil {
		var err error
		if a, err = new(edwards25519.Point).SetBytes(j.pub); err != nil || !canonicalPoint(j.pub) {
			return decoded{}, false
		}
		if keys != nil {
			keys[string(j.pub)] = a
		}
	}
	r, err := new(edwards25519.Point).SetBytes(j.sig[:32])
	if err != nil || !canonicalPoint(j.sig[:32]) {
		return decoded{}, false
	}
	s, err := new(edwards25519.Scalar).SetCanonicalBytes(j.sig[32:])
	if err != nil {
		return decoded{}, false
	}
	h := sha512.New()
	h.Write(j.sig[:32])
	h.Write(j.pub)
	h.Write(j.msg)
	k, _ := new(edwards25519.Scalar).SetUniformBytes(h.Sum(nil))
	return decoded{a: a, r: r, s: s, k: k}, true
}

// verifySig checks one signature by the package's rule.
func verifySig(pub, msg, sig []byte) bool {
	d, ok := decodeJob(&sigJob{pub: pub, msg: msg, sig: sig}, nil)
	return ok && d.check()
}

// check: [8]([s]B - [k]A - R) is the identity.
func (d decoded) check() bool {
	minusA := new(edwards25519.Point).Negate(d.a)
	p := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(d.k, minusA, d.s)
	p.Subtract(p, d.r)
	p.MultByCofactor(p)
	return p.Equal(edwards25519.NewIdentityPoint()) == 1
}

// verifyBatch sets ok on every job whose signature is valid. It checks
// them together with random 128-bit weights z: [8]([-Σ z·s]B + Σ z·R +
// Σ (Σ z·k)·A) is the identity when every signature is valid, and, when
// one is not, only with probability about 2^-128. Jobs that share a key
// share its term, so a plan's thousand attestations by fifty devices cost
// about one multiplication per signature's R. A batch that fails is split
// in halves until the bad signatures are found.
func verifyBatch(jobs []sigJob) {
	keys := map[string]*edwards25519.Point{}
	ds := make([]decoded, len(jobs))
	var idx []int
	for i := range jobs {
		d, ok := decodeJob(&jobs[i], keys)
		jobs[i].ok = false
		if ok {
			ds[i] = d
			idx = append(idx, i)
		}
	}
	batchCheck(jobs, ds, idx)
}

// batchSmall is the size below which checking one by one is as cheap.
const batchSmall = 4

func batchCheck(jobs []sigJob, ds []decoded, idx []int) {
	if len(idx) == 0 {
		return
	}
	if len(idx) < batchSmall {
		for _, i := range idx {
			jobs[i].ok = ds[i].check()
		}
		return
	}
	if batchHolds(ds, idx) {
		for _, i := range idx {
			jobs[i].ok = true
		}
		return
	}
	h := len(idx) / 2
	batchCheck(jobs, ds, idx[:h])
	batchCheck(jobs, ds, idx[h:])
}

func batchHolds(ds []decoded, idx []int) bool {
	weights := make([]byte, 16*len(idx))
	if _, err := rand.Read(weights); err != nil {
		return false // checked one by one by the caller's split
	}
	bCoef := edwards25519.NewScalar()
	scalars := make([]*edwards25519.Scalar, 0, len(idx)+8)
	points := make([]*edwards25519.Point, 0, len(idx)+8)
	keyAt := map[*edwards25519.Point]int{}
	var keyCoef []*edwards25519.Scalar
	var keyPts []*edwards25519.Point
	var buf [32]byte
	for n, i := range idx {
		d := ds[i]
		copy(buf[:16], weights[16*n:])
		z, _ := new(edwards25519.Scalar).SetCanonicalBytes(buf[:]) // < 2^128: reduced
		bCoef.MultiplyAdd(z, d.s, bCoef)
		scalars = append(scalars, z)
		points = append(points, d.r)
		j, ok := keyAt[d.a]
		if !ok {
			j = len(keyPts)
			keyAt[d.a] = j
			keyPts = append(keyPts, d.a)
			keyCoef = append(keyCoef, edwards25519.NewScalar())
		}
		keyCoef[j].MultiplyAdd(z, d.k, keyCoef[j])
	}
	scalars = append(scalars, keyCoef...)
	points = append(points, keyPts...)
	scalars = append(scalars, bCoef.Negate(bCoef))
	points = append(points, edwards25519.NewGeneratorPoint())
	p := new(edwards25519.Point).VarTimeMultiScalarMult(scalars, points)
	p.MultByCofactor(p)
	return p.Equal(edwards25519.NewIdentityPoint()) == 1
}

// canonicalPoint says whether b, which decodes to a point, is that point's
// one encoding: y reduced below p = 2^255 - 19, and no sign bit on x = 0
// (y = 1 or y = p - 1). The same as encoding the point again and comparing,
// without the inversion that costs.
func canonicalPoint(b []byte) bool {
	sign := b[31] >> 7
	top := b[31] & 0x7f
	all := func(from, to int, v byte) bool {
		for _, c := range b[from:to] {
			if c != v {
				return false
			}
		}
		return true
	}
	if top == 0x7f && all(1, 31, 0xff) && b[0] >= 0xed {
		return false // y >= p
	}
	if sign == 1 {
		if b[0] == 1 && top == 0 && all(1, 31, 0) {
			return false // y = 1
		}
		if b[0] == 0xec && top == 0x7f && all(1, 31, 0xff) {
			return false // y = p - 1
		}
	}
	return true
}
