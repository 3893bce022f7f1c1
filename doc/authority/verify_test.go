package authority

import (
	"crypto/ed25519"
	"crypto/sha512"
	"fmt"
	"testing"

	"filippo.io/edwards25519"
)

func signedJobs(n, keys int) []sigJob {
	var jobs []sigJob
	for i := range n {
		d := newDev(fmt.Sprintf("verify %d", i%keys))
		msg := []byte(fmt.Sprintf("message %d", i))
		jobs = append(jobs, sigJob{pub: d.d[:], msg: msg, sig: ed25519.Sign(d.priv, msg)})
	}
	return jobs
}

// Honest signatures pass one by one and in batches exactly as
// crypto/ed25519 judges them; in a batch with bad ones, exactly the bad
// ones fail.
func TestVerifyAgreesWithStdlib(t *testing.T) {
	jobs := signedJobs(300, 7)
	bad := map[int]string{}
	for i, how := range map[int]string{3: "signature", 77: "message", 150: "key", 151: "s not reduced", 299: "signature"} {
		j := &jobs[i]
		switch how {
		case "signature":
			j.sig = append([]byte(nil), j.sig...)
			j.sig[5] ^= 0x10
		case "message":
			j.msg = append([]byte("x"), j.msg...)
		case "key":
			orig := j.pub
			j.pub = jobs[i+1].pub
			if string(j.pub) == string(orig) {
				t.Fatal("same key")
			}
		case "s not reduced":
			j.sig = append([]byte(nil), j.sig...)
			j.sig[63] |= 0xf0
		}
		bad[i] = how
	}
	verifyBatch(jobs)
	for i, j := range jobs {
		std := ed25519.Verify(j.pub, j.msg, j.sig)
		if _, isBad := bad[i]; std == isBad {
			t.Fatalf("job %d: stdlib says %v, bad %q", i, std, bad[i])
		}
		if j.ok != std || verifySig(j.pub, j.msg, j.sig) != std {
			t.Errorf("job %d (%s): batch %v, one %v, stdlib %v", i, bad[i], j.ok, verifySig(j.pub, j.msg, j.sig), std)
		}
	}
}

// A signature whose R carries a small-order component fails
// crypto/ed25519's cofactorless check but passes the cofactored rule, and
// passes it the same way alone and inside any batch: no peer can judge it
// differently by checking it among others.
func TestVerifyTorsionDeterministic(t *testing.T) {
	d := newDev("torsion")
	h := sha512.Sum512(d.priv.Seed())
	a, err := new(edwards25519.Scalar).SetBytesWithClamping(h[:32])
	if err != nil {
		t.Fatal(err)
	}
	// T: the point of order 2, (0, -1).
	tEnc := make([]byte, 32)
	tEnc[0] = 0xec
	for i := 1; i < 31; i++ {
		tEnc[i] = 0xff
	}
	tEnc[31] = 0x7f
	torsion, err := new(edwards25519.Point).SetBytes(tEnc)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("crafted")
	nonce, _ := new(edwards25519.Scalar).SetUniformBytes(make([]byte, 64))
	nonce.Add(nonce, a) // any nonce will do
	r := new(edwards25519.Point).ScalarBaseMult(nonce)
	r.Add(r, torsion)
	kh := sha512.New()
	kh.Write(r.Bytes())
	kh.Write(d.d[:])
	kh.Write(msg)
	k, _ := new(edwards25519.Scalar).SetUniformBytes(kh.Sum(nil))
	s := new(edwards25519.Scalar).MultiplyAdd(k, a, nonce)
	sig := append(r.Bytes(), s.Bytes()...)

	if ed25519.Verify(d.d[:], msg, sig) {
		t.Fatal("the crafted signature passes the cofactorless check: it tests nothing")
	}
	if !verifySig(d.d[:], msg, sig) {
		t.Fatal("the cofactored rule refuses a signature valid up to torsion")
	}
	for size := 1; size <= 64; size *= 2 {
		for trial := range 8 {
			jobs := signedJobs(size, 3)
			jobs[trial%size] = sigJob{pub: d.d[:], msg: msg, sig: sig}
			verifyBatch(jobs)
			for i, j := range jobs {
				if !j.ok {
					t.Fatalf("batch of %d, trial %d: job %d refused", size, trial, i)
				}
			}
		}
	}
}

// FuzzCanonicalPoint: canonicalPoint says exactly whether a decodable
// encoding is the one the point encodes to.
func FuzzCanonicalPoint(f *testing.F) {
	f.Add(make([]byte, 32))
	one := make([]byte, 32)
	one[0] = 1
	f.Add(one)
	for _, b := range []byte{0xec, 0xed, 0xee} {
		e := make([]byte, 32)
		e[0] = b
		for i := 1; i < 31; i++ {
			e[i] = 0xff
		}
		e[31] = 0x7f
		f.Add(e)
		e2 := append([]byte(nil), e...)
		e2[31] = 0xff
		f.Add(e2)
	}
	one2 := append([]byte(nil), one...)
	one2[31] = 0x80
	f.Add(one2)
	f.Add(newDev("fuzz").d[:])
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) != 32 {
			return
		}
		p, err := new(edwards25519.Point).SetBytes(b)
		if err != nil {
			return
		}
		if got, want := canonicalPoint(b), string(p.Bytes()) == string(b); got != want {
			t.Fatalf("%x: canonicalPoint %v, re-encoding says %v", b, got, want)
		}
	})
}

// BenchmarkSignatures: the signature checks of the 1,000-statement plan,
// with crypto/ed25519 one by one (the check before batching), with the
// cofactored rule one by one, and in one batch.
func BenchmarkSignatures(b *testing.B) {
	_, stmts := benchPlan(b)
	var jobs []sigJob
	for _, raw := range stmts {
		st, err := parseUnverified(raw, idOf(raw))
		if err != nil {
			b.Fatal(err)
		}
		unsigned := raw[:len(raw)-ed25519.SignatureSize]
		jobs = append(jobs, sigJob{pub: st.Signer[:], msg: signedMessage(unsigned), sig: raw[len(unsigned):]})
	}
	run := func(name string, f func()) {
		b.Run(name, func(b *testing.B) {
			c0 := cpuTime()
			for b.Loop() {
				f()
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
	run("stdlib-each", func() {
		for _, j := range jobs {
			if !ed25519.Verify(j.pub, j.msg, j.sig) {
				b.Fatal("refused")
			}
		}
	})
	run("cofactored-each", func() {
		for _, j := range jobs {
			if !verifySig(j.pub, j.msg, j.sig) {
				b.Fatal("refused")
			}
		}
	})
	run("batch", func() {
		verifyBatch(jobs)
		for _, j := range jobs {
			if !j.ok {
				b.Fatal("refused")
			}
		}
	})
}
