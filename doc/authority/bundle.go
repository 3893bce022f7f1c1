package authority

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"slices"
	"time"
)

// Found makes a plan: the genesis statement signed by the founder's device,
// and the plan ID derived from it.
func Found(priv ed25519.PrivateKey, name, org string, side Side, upgradedFrom string, at time.Time) (planID string, genesis []byte, err error) {
	genesis, err = Sign(priv, "", Links{}, at, NewGenesis(name, org, side, upgradedFrom))
	if err != nil {
		return "", nil, err
	}
	return PlanIDOf(StatementID(genesis)), genesis, nil
}

// Make is the usual way to make a statement: Check it (so a statement every
// peer would reject is refused where it is made), then Sign it on the links
// LinksFor gives the signing device.
func (s *State) Make(priv ed25519.PrivateKey, body Body, at time.Time) ([]byte, error) {
	d, err := DeviceOfKey(priv)
	if err != nil {
		return nil, err
	}
	if err := s.Check(d, body, at); err != nil {
		return nil, err
	}
	return Sign(priv, s.PlanID, s.LinksFor(d, body.Kind()), at, body)
}

// A proof bundle carries what decides a release's verdict, so that anyone
// holding only the plan ID can check that the minister signed it:
//
//	"coplan-proof-v1\n" | release ID (32 bytes) | uvarint count |
//	count × (uvarint length | statement bytes), by statement ID
//
// It holds every statement of the plan that changes authority (so no
// concurrent revocation is left out), the release, the endorsements of its
// label, and the causal pasts of all of these; not the change attestations,
// named drafts or meetings, which cannot change the verdict.
const bundleMagic = "coplan-proof-v1\n"

// Bundle limits.
const (
	MaxBundleStatements = 100_000
	MaxBundleSize       = 32 << 20
)

// Bundle is the proof bundle of the release statement id, which must be
// valid.
func (s *State) Bundle(release ID) ([]byte, error) {
	r, err := s.Release(release)
	if err != nil {
		return nil, err
	}
	in := map[*node]bool{}
	var stack []*node
	add := func(n *node) {
		if !in[n] {
			in[n] = true
			stack = append(stack, n)
		}
	}
	add(s.e.nodes[release])
	for _, n := range s.e.order {
		switch n.st.Kind {
		case KindNamedDraft, KindMeetingStart, KindMeetingEnd, KindRelease:
		case KindEndorsement:
			if n.valid && n.st.Body.(Endorsement).Label == r.Label {
				add(n)
			}
		default:
			add(n)
		}
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, p := range n.par {
			add(p)
		}
	}
	list := make([]*node, 0, len(in))
	for n := range in {
		list = append(list, n)
	}
	slices.SortFunc(list, func(a, b *node) int { return bytes.Compare(a.id[:], b.id[:]) })
	var e enc
	e.fixed([]byte(bundleMagic))
	e.id(release)
	e.uvarint(uint64(len(list)))
	for _, n := range list {
		e.bytes(n.raw)
	}
	return e.b, nil
}

// ParseBundle reads a proof bundle: the release it proves and its
// statements (not yet checked: VerifyBundle does that).
func ParseBundle(b []byte) (release ID, stmts [][]byte, err error) {
	if len(b) > MaxBundleSize {
		return ID{}, nil, fmt.Errorf("%w: %d bytes", ErrBadBundle, len(b))
	}
	if !bytes.HasPrefix(b, []byte(bundleMagic)) {
		return ID{}, nil, fmt.Errorf("%w: not a Coplan proof bundle", ErrBadBundle)
	}
	d := dec{b: b[len(bundleMagic):]}
	release = d.id()
	n := d.uvarint()
	if n > MaxBundleStatements {
		return ID{}, nil, fmt.Errorf("%w: %d statements", ErrBadBundle, n)
	}
	var prev ID
	for i := uint64(0); i < n && d.err == nil; i++ {
		raw := d.bytes(MaxStatementSize)
		id := idOf(raw)
		if i > 0 && bytes.Compare(prev[:], id[:]) >= 0 {
			return ID{}, nil, fmt.Errorf("%w: statements not a sorted set", ErrBadBundle)
		}
		prev = id
		stmts = append(stmts, raw)
	}
	if d.err != nil {
		return ID{}, nil, fmt.Errorf("%w: %w", ErrBadBundle, d.err)
	}
	if len(d.b) != 0 {
		return ID{}, nil, fmt.Errorf("%w: trailing bytes", ErrBadBundle)
	}
	return release, stmts, nil
}

// Proof is a verified proof bundle.
type Proof struct {
	Release      SignedRelease
	Endorsements []SignedEndorsement // valid endorsements of the release's label
	State        *State              // the authority the bundle establishes
}

// VerifyBundle checks a proof bundle from the plan ID alone: the plan's
// genesis must be in it (the plan ID is derived from it), and the release
// must be valid under the rules. Errors name why.
func VerifyBundle(planID string, bundle []byte) (*Proof, error) {
	id, stmts, err := ParseBundle(bundle)
	if err != nil {
		return nil, err
	}
	st, err := Evaluate(planID, stmts)
	if err != nil {
		return nil, err
	}
	r, err := st.Release(id)
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", id.Short(), err)
	}
	p := &Proof{Release: r, State: st}
	for _, e := range st.Endorsements() {
		if e.Label == r.Label {
			p.Endorsements = append(p.Endorsements, e)
		}
	}
	return p, nil
}
