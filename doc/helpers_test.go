package doc

import (
	"crypto/ed25519"
	"crypto/sha256"
	"testing"
	"time"
)

var testAuthor = keyedAuthor("Ann Jones", "Cabinet Office", Government)

// keyedAuthor is an author with a device key derived from the name, so a
// test's devices are the same on every run.
func keyedAuthor(name, org string, side Side) Author {
	seed := sha256.Sum256([]byte("coplan test device " + name))
	a := Author{Name: name, Org: org, Side: side, Key: ed25519.NewKeyFromSeed(seed[:])}
	a.PeerID = peerOf(a.Key)
	return a
}

func newTestPlan(t testing.TB) *Plan {
	t.Helper()
	p, err := NewPlan("Open Government NAP 2025–2027", "United Kingdom", "2025", "2027", testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newTestPlanAt is newTestPlan on a fake clock from its first change.
func newTestPlanAt(t testing.TB, clock *fakeClock) *Plan {
	t.Helper()
	p, err := newPlanWith("Open Government NAP 2025–2027", "United Kingdom", "2025", "2027", testAuthor,
		&CommitPolicy{Pause: DefaultPolicy.Pause, Max: DefaultPolicy.Max, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fakeClock drives the commit policy deterministically in replays.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// replica makes an independent copy of p with its own actor, as another
// laptop would hold after receiving the plan.
func replica(t interface {
	Helper()
	Fatal(...any)
}, p *Plan, a Author) *Plan {
	t.Helper()
	saved, err := p.Save()
	if err != nil {
		t.Fatal(err)
	}
	r, err := LoadPlan(saved, a)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func peerOf(k ed25519.PrivateKey) string {
	p := &Plan{author: Author{Key: k}}
	return p.Device().PeerID()
}

// compactNow compacts p's store at once from the live document, due or not.
func compactNow(p *Plan) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.compactNowLocked(true)
}
