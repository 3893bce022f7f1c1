package authority

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// dev is a test device with a deterministic key.
type dev struct {
	name string
	priv ed25519.PrivateKey
	d    Device
}

func newDev(name string) *dev {
	seed := sha256.Sum256([]byte("device " + name))
	priv := ed25519.NewKeyFromSeed(seed[:])
	d, _ := DeviceOfKey(priv)
	return &dev{name: name, priv: priv, d: d}
}

// keySigner is the private half of sshKey(name): it signs a key proof as
// an ssh.Signer would, in SSH wire form.
func keySigner(name string) KeySigner {
	seed := sha256.Sum256([]byte("ssh key " + name))
	priv := ed25519.NewKeyFromSeed(seed[:])
	return func(data []byte) ([]byte, error) {
		return appendSSHString(appendSSHString(nil, []byte("ssh-ed25519")), ed25519.Sign(priv, data)), nil
	}
}

// registerKey is by's registration of the test key line (sshKey's, whose
// comment names it) to member, proved with that key.
func (w *world) registerKey(by *dev, member Device, line string) RegisterKey {
	w.t.Helper()
	f := strings.Fields(line)
	rk, err := NewRegisterKey(w.planID, member, by.d, line, keySigner(strings.Join(f[2:], " ")))
	if err != nil {
		w.t.Fatal(err)
	}
	return rk
}

// sshKey is an OpenSSH public key line for a test signing key.
func sshKey(name string) (line, fingerprint string) {
	seed := sha256.Sum256([]byte("ssh key " + name))
	pub := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
	var blob []byte
	for _, f := range [][]byte{[]byte("ssh-ed25519"), pub} {
		blob = binary.BigEndian.AppendUint32(blob, uint32(len(f)))
		blob = append(blob, f...)
	}
	sum := sha256.Sum256(blob)
	return "ssh-ed25519 " + base64.StdEncoding.EncodeToString(blob) + " " + name,
		"SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

func heads(s string) []string {
	h := sha256.Sum256([]byte(s))
	return []string{hex.EncodeToString(h[:])}
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// world is one plan's statements, made by test devices.
type world struct {
	t      testing.TB
	planID string
	stmts  [][]byte
	now    time.Time
	ev     *Evaluator
}

func newWorld(t testing.TB, founder *dev, side Side) *world {
	t.Helper()
	id, g, err := Found(founder.priv, founder.name, "Org of "+founder.name, side, "", t0)
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, planID: id, stmts: [][]byte{g}, now: t0, ev: NewEvaluator()}
}

func (w *world) tick() time.Time {
	w.now = w.now.Add(time.Minute)
	return w.now
}

func (w *world) state() *State {
	w.t.Helper()
	s, err := w.ev.Evaluate(w.planID, w.stmts)
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// make is a statement made the normal way; it must be accepted.
func (w *world) make(d *dev, body Body) ID {
	w.t.Helper()
	raw, err := w.state().Make(d.priv, body, w.tick())
	if err != nil {
		w.t.Fatalf("%s: %s: %v", d.name, body.Kind(), err)
	}
	w.stmts = append(w.stmts, raw)
	id := StatementID(raw)
	if !w.state().Valid(id) {
		r, _ := w.state().Rejection(id)
		w.t.Fatalf("%s: %s accepted by Check but rejected: %s", d.name, body.Kind(), r.Reason)
	}
	return id
}

// force is a statement signed on the current links without any check, as a
// hostile client would write it.
func (w *world) force(d *dev, body Body) ID {
	w.t.Helper()
	return w.forceOn(d, w.state().LinksFor(d.d, body.Kind()), body)
}

func (w *world) forceOn(d *dev, l Links, body Body) ID {
	w.t.Helper()
	raw, err := Sign(d.priv, w.planID, l, w.tick(), body)
	if err != nil {
		w.t.Fatalf("%s: %s: %v", d.name, body.Kind(), err)
	}
	w.stmts = append(w.stmts, raw)
	return StatementID(raw)
}

// links is a snapshot of the current links, to make concurrent statements.
func (w *world) links(d *dev, k Kind) Links { return w.state().LinksFor(d.d, k) }

func (w *world) mustReject(id ID, want error) {
	w.t.Helper()
	s := w.state()
	r, ok := s.Rejection(id)
	if !ok {
		w.t.Fatalf("statement %s was not rejected (valid=%v)", id.Short(), s.Valid(id))
	}
	if !errors.Is(r.Err, want) {
		w.t.Fatalf("rejected for %q, want %v", r.Reason, want)
	}
}

func (w *world) mustValid(id ID) {
	w.t.Helper()
	s := w.state()
	if !s.Valid(id) {
		r, _ := s.Rejection(id)
		w.t.Fatalf("statement %s not valid: %s", id.Short(), r.Reason)
	}
}

func (d *dev) String() string { return fmt.Sprintf("%s(%s)", d.name, d.d.Short()) }
