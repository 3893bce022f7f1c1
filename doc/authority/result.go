package authority

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// State is the effective authority of a plan: what Evaluate computed from a
// set of statements. It is immutable; evaluate again when statements arrive.
type State struct {
	PlanID       string
	Genesis      ID
	Founder      Device
	UpgradedFrom string      // the plan this one upgrades, if any
	Rejected     []Rejection // statements that count for nothing, by ID
	Pending      []ID        // statements waiting for parents not yet here, by ID

	e        *eval
	g        *astate
	attrib   map[string]*Attribution
	rejected map[ID]int
}

func (e *eval) state() *State {
	s := &State{PlanID: e.planID, Genesis: e.genesis.id, Founder: e.genesis.st.Signer,
		UpgradedFrom: e.genesis.st.Body.(Genesis).UpgradedFrom, e: e, g: e.g, rejected: map[ID]int{}}
	s.attrib = e.bindActors()
	for _, n := range e.all {
		var err error
		switch {
		case n.st == nil || n.perr != nil:
			err = n.perr
		case n.st.Kind.inDAG() && n.pos < 0, !n.st.Kind.inDAG() && !n.judged:
			s.Pending = append(s.Pending, n.id)
			continue
		case !n.valid:
			err = n.err
		default:
			continue
		}
		r := Rejection{ID: n.id, Reason: err.Error(), Err: err}
		if st := n.st; st != nil {
			r.Kind, r.Signer, r.Claimed = st.Kind, st.Signer, st.Body
		} else if st, err := parseUnverified(n.raw, n.id); err == nil {
			r.Kind, r.Signer, r.Claimed = st.Kind, st.Signer, st.Body
		}
		s.rejected[n.id] = len(s.Rejected)
		s.Rejected = append(s.Rejected, r)
	}
	return s
}

// bindActors binds each attested actor to a device.
func (e *eval) bindActors() map[string]*Attribution {
	groups := map[string][]*node{}
	var actors []string
	for _, n := range e.atts {
		if !n.valid {
			continue
		}
		a := n.st.Body.(Attestation).Actor
		if groups[a] == nil {
			actors = append(actors, a)
		}
		groups[a] = append(groups[a], n)
	}
	slices.Sort(actors)
	out := make(map[string]*Attribution, len(actors))
	for _, actor := range actors {
		list := groups[actor]
		var devs []Device
		for _, n := range list {
			if !slices.Contains(devs, n.st.Signer) {
				devs = append(devs, n.st.Signer)
			}
		}
		slices.SortFunc(devs, func(a, b Device) int { return bytes.Compare(a[:], b[:]) })
		at := &Attribution{Actor: actor}
		var bound []*node
		if len(devs) == 1 {
			bound = list
		} else {
			var winners []Device
			for _, d := range devs {
				if e.sawClaim(list, d) {
					winners = append(winners, d)
				}
			}
			if len(winners) == 1 {
				for _, n := range list {
					if n.st.Signer == winners[0] {
						bound = append(bound, n)
						continue
					}
					n.valid = false
					n.err = fmt.Errorf("%w: actor %s is attested by device %s, whose attestation this one's signer had seen",
						ErrConflict, short(actor), winners[0].Short())
				}
			} else {
				at.Disputed, at.Claimants, bound = true, devs, list
			}
		}
		slices.SortFunc(bound, func(a, b *node) int {
			x, y := a.st.Body.(Attestation), b.st.Body.(Attestation)
			return cmp.Or(cmp.Compare(x.To, y.To), cmp.Compare(x.From, y.From), bytes.Compare(a.id[:], b.id[:]))
		})
		if !at.Disputed {
			at.Device, at.Member = bound[0].st.Signer, bound[0].signer.member
		}
		for i, n := range bound {
			b := n.st.Body.(Attestation)
			if i > 0 {
				if prev := at.Ranges[len(at.Ranges)-1]; prev.To == b.To && prev.Last != b.Last {
					at.Disputed = true // one device, two chains: it equivocated
					if at.Claimants == nil {
						at.Claimants = []Device{n.st.Signer}
					}
				}
			}
			at.Ranges = append(at.Ranges, SeqRange{From: b.From, To: b.To, Last: b.Last, Statement: n.id, AfterRemoval: n.flag})
		}
		out[actor] = at
	}
	return out
}

// sawClaim: every attestation of list by another device than d had one of
// d's in its causal past.
func (e *eval) sawClaim(list []*node, d Device) bool {
	for _, x := range list {
		if x.st.Signer == d {
			continue
		}
		r := e.reachable(x)
		if !slices.ContainsFunc(list, func(y *node) bool { return y.st.Signer == d && r[y] }) {
			return false
		}
	}
	return true
}

func short(hexs string) string {
	if len(hexs) > 16 {
		return hexs[:16]
	}
	return hexs
}

func sortMembers(out []Member) {
	slices.SortFunc(out, func(a, b Member) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), bytes.Compare(a.ID[:], b.ID[:]))
	})
}

// Members are the current members, by name.
func (s *State) Members() []Member {
	var out []Member
	for _, m := range s.g.members {
		if !m.removed {
			out = append(out, m.view())
		}
	}
	sortMembers(out)
	return out
}

// AllMembers are the members, removed ones included, by name.
func (s *State) AllMembers() []Member {
	var out []Member
	for _, m := range s.g.members {
		out = append(out, m.view())
	}
	sortMembers(out)
	return out
}

// Member is the member a device belongs to, or whose member ID it is
// (removed members included: check Removed).
func (s *State) Member(d Device) (Member, bool) {
	if m := s.g.memberOf(d); m != nil {
		return m.view(), true
	}
	if m := s.g.members[d]; m != nil {
		return m.view(), true
	}
	return Member{}, false
}

// MemberOfPeer is Member for a libp2p peer ID.
func (s *State) MemberOfPeer(peerID string) (Member, bool) {
	d, err := ParsePeerID(peerID)
	if err != nil {
		return Member{}, false
	}
	return s.Member(d)
}

// IsMember reports whether d is a current device of a current member: what
// the connection gate admits.
func (s *State) IsMember(d Device) bool { return s.g.memberOf(d) != nil }

// Removed reports whether d was removed (and not re-admitted), and by which
// statement.
func (s *State) Removed(d Device) (ID, bool) {
	ids, ok := s.g.tomb[d]
	if !ok {
		return ID{}, false
	}
	return ids[0], true
}

func (s *State) withRole(r Role) []Member {
	var out []Member
	for _, m := range s.g.holders(r) {
		out = append(out, m.view())
	}
	sortMembers(out)
	return out
}

// Admins are the administrators. The app should warn while there are fewer
// than two: a lost laptop must not leave the plan unmanageable.
func (s *State) Admins() []Member { return s.withRole(RoleAdmin) }

// Minister is the member holding the minister role, if any.
func (s *State) Minister() (Member, bool) {
	if l := s.withRole(RoleMinister); len(l) > 0 {
		return l[0], true
	}
	return Member{}, false
}

// CoChairs are the co-chairs, at most one per side.
func (s *State) CoChairs() []Member { return s.withRole(RoleCoChair) }

// CoChair is the co-chair of a side, if any.
func (s *State) CoChair(side Side) (Member, bool) {
	if m := s.g.coChairOf(side); m != nil {
		return m.view(), true
	}
	return Member{}, false
}

// SigningKeys are every registered key, revoked ones included, by
// fingerprint.
func (s *State) SigningKeys() []SigningKey {
	var out []SigningKey
	for _, k := range s.g.keys {
		out = append(out, k.view())
	}
	slices.SortFunc(out, func(a, b SigningKey) int { return strings.Compare(a.Fingerprint, b.Fingerprint) })
	return out
}

// SigningKey is the key with this fingerprint.
func (s *State) SigningKey(fingerprint string) (SigningKey, bool) {
	if k := s.g.keys[fingerprint]; k != nil {
		return k.view(), true
	}
	return SigningKey{}, false
}

// Settings are the plan's settings now.
func (s *State) Settings() Settings { return s.g.settings }

// CanInvite reports whether d may invite now.
func (s *State) CanInvite(d Device, now time.Time) bool {
	return s.Check(d, Invite{Expires: now.Add(time.Hour)}, now) == nil
}

// Invite says what became of an invite, judged at now (expiry is against
// the caller's clock here; see the package comment).
func (s *State) Invite(id ID, now time.Time) InviteState {
	inv := s.g.invites[id]
	if inv == nil {
		return InviteState{ID: id, Status: InviteUnknown}
	}
	out := InviteState{ID: id, Inviter: inv.inviter, InviterDevice: inv.inviterDevice, At: inv.at, Expires: inv.expires,
		Name: inv.name, Org: inv.org, Side: inv.side, RedeemedBy: inv.redeemedBy, Redeemer: inv.redeemer}
	inviter := s.g.current(inv.inviter)
	switch {
	case !inv.redeemedBy.IsZero():
		out.Status = InviteRedeemed
	case inviter == nil || s.g.devices[inv.inviterDevice] != inviter.id:
		out.Status = InviteCancelled
	case now.After(inv.expires):
		out.Status = InviteExpired
	default:
		out.Status = InviteOpen
	}
	return out
}

// CheckInvite is the gate's question when device d presents invite id: nil
// if d is a member already, or the invite is open and d may redeem it.
// (When d presents the invite statement itself, evaluate with it added
// first: the invite may not have reached this peer yet.)
func (s *State) CheckInvite(id ID, d Device, now time.Time) error {
	if s.IsMember(d) {
		return nil
	}
	if r, ok := s.g.tomb[d]; ok {
		return fmt.Errorf("%w: %s was removed by statement %s", ErrRemovedDevice, d.Short(), r[0].Short())
	}
	inv := s.Invite(id, now)
	switch inv.Status {
	case InviteOpen:
		return nil
	case InviteRedeemed:
		return fmt.Errorf("%w: invite %s was already redeemed by device %s", ErrInvite, id.Short(), inv.Redeemer.Short())
	case InviteUnknown:
		if i, ok := s.rejected[id]; ok {
			return fmt.Errorf("%w: invite %s is not valid: %s", ErrInvite, id.Short(), s.Rejected[i].Reason)
		}
		return fmt.Errorf("%w: invite %s is not an invite of this plan", ErrInvite, id.Short())
	}
	return fmt.Errorf("%w: invite %s is %s", ErrInvite, id.Short(), inv.Status)
}

// Attributions are the attested actors, by actor.
func (s *State) Attributions() []Attribution {
	out := make([]Attribution, 0, len(s.attrib))
	for _, a := range s.attrib {
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b Attribution) int { return strings.Compare(a.Actor, b.Actor) })
	return out
}

// Attribution is what the statements say about an actor (hex).
func (s *State) Attribution(actor string) (Attribution, bool) {
	a, ok := s.attrib[strings.ToLower(actor)]
	if !ok {
		return Attribution{}, false
	}
	return *a, true
}

func (s *State) validOf(k Kind) []*node {
	var out []*node
	for _, n := range s.e.order {
		if n.valid && n.st.Kind == k {
			out = append(out, n)
		}
	}
	return out
}

// Drafts are the named drafts, in canonical order.
func (s *State) Drafts() []Draft {
	var out []Draft
	for _, n := range s.validOf(KindNamedDraft) {
		b := n.st.Body.(NamedDraft)
		out = append(out, Draft{ID: n.id, Label: b.Label, Heads: slices.Clone(b.Heads), Signer: n.st.Signer, Member: n.signer.member, Time: n.st.Time})
	}
	return out
}

// Draft is the named draft with this label. Two drafts named concurrently
// with one label make it ambiguous (ErrAmbiguous): refer to them by ID.
func (s *State) Draft(label string) (Draft, error) {
	var found []Draft
	for _, d := range s.Drafts() {
		if d.Label == label {
			found = append(found, d)
		}
	}
	switch len(found) {
	case 0:
		return Draft{}, fmt.Errorf("%w: draft %q", ErrNotFound, label)
	case 1:
		return found[0], nil
	}
	return Draft{}, fmt.Errorf("%w: %q names %d drafts", ErrAmbiguous, label, len(found))
}

// Meetings are the meetings, in canonical order of their start.
func (s *State) Meetings() []Meeting {
	ends := map[ID][]*node{}
	for _, n := range s.validOf(KindMeetingEnd) {
		start := n.st.Body.(MeetingEnd).Start
		ends[start] = append(ends[start], n)
	}
	var out []Meeting
	for _, n := range s.validOf(KindMeetingStart) {
		b := n.st.Body.(MeetingStart)
		m := Meeting{ID: n.id, Title: b.Title, Note: b.Note, Heads: slices.Clone(b.Heads), Attendees: slices.Clone(b.Attendees), StartedBy: n.st.Signer, Time: n.st.Time}
		if e := ends[n.id]; len(e) > 0 {
			eb := e[0].st.Body.(MeetingEnd)
			m.Ended = true
			m.End = MeetingClose{ID: e[0].id, Heads: slices.Clone(eb.Heads), Attendees: slices.Clone(eb.Attendees), By: e[0].st.Signer, Time: e[0].st.Time}
		}
		out = append(out, m)
	}
	return out
}

// Endorsements are the valid endorsements, in canonical order.
func (s *State) Endorsements() []SignedEndorsement {
	var out []SignedEndorsement
	for _, n := range s.validOf(KindEndorsement) {
		out = append(out, endorsementOf(n))
	}
	return out
}

func endorsementOf(n *node) SignedEndorsement {
	b := n.st.Body.(Endorsement)
	e := SignedEndorsement{ID: n.id, Label: b.Label, Heads: slices.Clone(b.Heads), Digest: b.Digest, KeyFingerprint: b.KeyFingerprint,
		Signer: n.st.Signer, Member: n.signer.member, Time: n.st.Time}
	e.Key, e.Side = n.who.key, n.who.side
	return e
}

// Releases are the valid releases, in canonical order.
func (s *State) Releases() []SignedRelease {
	var out []SignedRelease
	for _, n := range s.validOf(KindRelease) {
		out = append(out, releaseOf(n))
	}
	return out
}

func releaseOf(n *node) SignedRelease {
	b := n.st.Body.(Release)
	r := SignedRelease{ID: n.id, Label: b.Label, Heads: slices.Clone(b.Heads), Manifest: b.Manifest, KeyFingerprint: b.KeyFingerprint,
		Signer: n.st.Signer, Member: n.signer.member, Time: n.st.Time}
	r.Key, r.Name, r.Org = n.who.key, n.who.name, n.who.org
	return r
}

// Release is the release statement id if it is valid, or the reason it is
// not.
func (s *State) Release(id ID) (SignedRelease, error) {
	n := s.e.nodes[id]
	switch {
	case n == nil:
		return SignedRelease{}, fmt.Errorf("%w: release %s", ErrNotFound, id.Short())
	case n.st == nil || n.perr != nil:
		return SignedRelease{}, n.perr
	case n.st.Kind != KindRelease:
		return SignedRelease{}, fmt.Errorf("%w: %s is a %s statement, not a release", ErrInvalid, id.Short(), n.st.Kind)
	case n.pos < 0:
		return SignedRelease{}, fmt.Errorf("%w: release %s waits for statements not in the set", ErrUnknownRef, id.Short())
	case !n.valid:
		return SignedRelease{}, n.err
	}
	return releaseOf(n), nil
}

// Statement is the statement id as parsed, if its bytes are authentic
// (whether or not it counts): what a caller would otherwise get from Parse,
// without checking its signature again.
func (s *State) Statement(id ID) (*Statement, bool) {
	n := s.e.nodes[id]
	if n == nil || n.st == nil {
		return nil, false
	}
	return n.st, true
}

// Valid reports whether the statement id counts.
func (s *State) Valid(id ID) bool {
	n := s.e.nodes[id]
	return n != nil && n.valid
}

// Rejection is why statement id counts for nothing, if it was rejected.
func (s *State) Rejection(id ID) (Rejection, bool) {
	i, ok := s.rejected[id]
	if !ok {
		return Rejection{}, false
	}
	return s.Rejected[i], true
}

// Heads are the links a new statement is made on: the heads of the
// statement DAG, and every device's latest change attestation.
func (s *State) Heads() Links {
	child := map[*node]bool{}
	for _, n := range s.e.order {
		for _, p := range n.dagPar {
			child[p] = true
		}
	}
	var l Links
	for _, n := range s.e.order {
		if !child[n] {
			l.Parents = append(l.Parents, n.id)
		}
	}
	for _, n := range s.attestationHeads() {
		l.Seen = append(l.Seen, n.id)
	}
	return Links{Parents: sortedIDs(l.Parents), Seen: sortedIDs(l.Seen)}
}

func (s *State) attestationHeads() []*node {
	covered := map[*node]bool{}
	for _, n := range s.e.atts {
		for _, x := range n.seen {
			covered[x] = true
		}
	}
	var out []*node
	for _, n := range s.e.atts {
		if !covered[n] {
			out = append(out, n)
		}
	}
	return out
}

// LinksFor are the links for a new statement of kind k signed by d: the DAG
// heads as parents; a removal also names every device's latest attestation
// (so what it had seen is fixed), and an attestation its own device's
// latest (so each device's attestations form a chain).
func (s *State) LinksFor(d Device, k Kind) Links {
	h := s.Heads()
	switch k {
	case KindRemoveMember, KindUnlinkDevice:
		return h
	case KindAttestation:
		var own []ID
		for _, n := range s.attestationHeads() {
			if n.st.Signer == d {
				own = append(own, n.id)
			}
		}
		return Links{Parents: h.Parents, Seen: sortedIDs(own)}
	}
	return Links{Parents: h.Parents}
}

// Check says whether device d may make a statement with this body now (made
// on the current heads at time at): nil, or the reason every peer would
// reject it. Callers refuse where the statement is made, before signing.
func (s *State) Check(d Device, body Body, at time.Time) error {
	if body == nil {
		return fmt.Errorf("%w: no body", ErrInvalid)
	}
	if err := body.validate(); err != nil {
		return err
	}
	if body.Kind() == KindGenesis {
		return fmt.Errorf("%w: a plan has one genesis statement", ErrInvalid)
	}
	st := &Statement{Version: FormatVersion, Kind: body.Kind(), PlanID: s.PlanID, Signer: d, Time: at.Truncate(time.Millisecond).UTC(), Body: body}
	if err := checkKeyProof(st); err != nil {
		return err
	}
	c := &ctx{st: st, pos: len(s.e.order), inPast: func(id ID) bool {
		n := s.e.nodes[id]
		return n != nil && n.pos >= 0
	}}
	if !body.Kind().inDAG() {
		return c.auth(s.g)
	}
	return c.judge(s.g, nil)
}
