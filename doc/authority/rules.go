package authority

import (
	"fmt"
	"slices"
	"strings"
)

// The rules, one kind at a time. Each statement is judged in two steps:
//
//   - auth, against the state of its own causal past only: did the signer
//     hold the authority then? It records the grants it relied on (deps),
//     which a concurrent revocation of them voids.
//   - target, against the state of its causal past and again against the
//     running fold of every statement before it in the canonical order
//     (global): the conditions on what it changes (one co-chair per side,
//     not the last administrator, not already a member), so that of two
//     concurrent statements that cannot both hold, the first in the
//     canonical order stands.
//
// apply is its effect on a state; it never fails.

type tokenKind uint8

const (
	tokDevice tokenKind = iota + 1 // the device belongs to its member
	tokMember                      // the member is a member
	tokRole                        // the member holds role r
	tokKey                         // the signing key is registered
	tokPolicy                      // any member may invite
	tokInvite                      // the invite is unredeemed
)

// token is a grant a statement relied on, or one a revocation takes away.
type token struct {
	k  tokenKind
	d  Device
	r  Role
	s  string
	id ID
}

// revokes lists the grants a valid statement takes away: statements relying
// on them that it had not seen, and that had not seen it, are void.
func revokes(st *Statement) []token {
	switch b := st.Body.(type) {
	case RemoveMember:
		return []token{{k: tokMember, d: b.Member}}
	case UnlinkDevice:
		return []token{{k: tokDevice, d: b.Device}}
	case RevokeRole:
		return []token{{k: tokRole, d: b.Member, r: b.Role}}
	case RevokeKey:
		return []token{{k: tokKey, s: b.Fingerprint}}
	case Settings:
		if b.AdminsOnlyInvite {
			return []token{{k: tokPolicy}}
		}
	case Redemption:
		return []token{{k: tokInvite, id: b.Invite}}
	}
	return nil
}

// changesState: endorsements and releases are judged but change nothing the
// rules read.
func changesState(k Kind) bool { return k.inDAG() && k != KindEndorsement && k != KindRelease }

// ctx is one statement being judged.
type ctx struct {
	st     *Statement
	inPast func(ID) bool // is the statement in this one's causal past
	pos    int           // its canonical position (seniority of what it admits)
	deps   []token
	anyOf  [][]token  // groups of alternative grants: void only when all of a group are revoked
	member *memberRec // the signer's member, in its causal past
}

func who(m *memberRec) string {
	if m == nil {
		return "nobody"
	}
	return fmt.Sprintf("%s (%s)", m.name, m.id.Short())
}

func (c *ctx) signerMember(p *astate) (*memberRec, error) {
	d := c.st.Signer
	m := p.memberOf(d)
	if m == nil {
		if r, ok := p.tomb[d]; ok {
			return nil, fmt.Errorf("%w: device %s was removed by statement %s", ErrNotMember, d.Short(), r[0].Short())
		}
		return nil, fmt.Errorf("%w: device %s", ErrNotMember, d.Short())
	}
	c.member = m
	c.deps = append(c.deps, token{k: tokDevice, d: d}, token{k: tokMember, d: m.id})
	return m, nil
}

func (c *ctx) requireAdmin(p *astate, what string) (*memberRec, error) {
	m, err := c.signerMember(p)
	if err != nil {
		return nil, err
	}
	return m, c.requireRole(m, RoleAdmin, what)
}

func (c *ctx) requireRole(m *memberRec, r Role, what string) error {
	if !m.roles.has(r) {
		return fmt.Errorf("%w: only %s may %s, and %s is not", ErrNotAuthorized, article(r), what, who(m))
	}
	c.deps = append(c.deps, token{k: tokRole, d: m.id, r: r})
	return nil
}

// requireOneOf: m holds one of the roles. It relies on every one it holds
// as alternatives (anyOf): a concurrent revocation voids it only once all of
// them are taken, since the signer had the authority under any.
func (c *ctx) requireOneOf(m *memberRec, what string, roles ...Role) error {
	var held []token
	for _, r := range roles {
		if m.roles.has(r) {
			held = append(held, token{k: tokRole, d: m.id, r: r})
		}
	}
	switch {
	case len(held) == 1:
		c.deps = append(c.deps, held[0])
		return nil
	case len(held) > 1:
		c.anyOf = append(c.anyOf, held)
		return nil
	}
	var names []string
	for _, r := range roles {
		names = append(names, article(r))
	}
	return fmt.Errorf("%w: only %s may %s, and %s is neither", ErrNotAuthorized, strings.Join(names, " or "), what, who(m))
}

func ident(name, org string, side Side) string {
	if org == "" {
		return fmt.Sprintf("%s (%s)", name, side)
	}
	return fmt.Sprintf("%s, %s (%s)", name, org, side)
}

func article(r Role) string {
	switch r {
	case RoleAdmin:
		return "an administrator"
	case RoleMinister:
		return "the minister"
	}
	return "a " + string(r)
}

// judge applies the rules of the statement's kind: auth against p (its
// causal past), target against p and then g (the running global fold).
func (c *ctx) judge(p, g *astate) error {
	if err := c.auth(p); err != nil {
		return err
	}
	if err := c.target(p, false); err != nil {
		return err
	}
	if g != nil && g != p {
		if err := c.target(g, true); err != nil {
			return fmt.Errorf("%w: %w", ErrConflict, err)
		}
	}
	return nil
}

func (c *ctx) auth(p *astate) error {
	st := c.st
	switch b := st.Body.(type) {
	case Genesis:
		return nil
	case AddMember:
		_, err := c.requireAdmin(p, "add members")
		return err
	case RemoveMember:
		s, err := c.signerMember(p)
		if err != nil {
			return err
		}
		if s.id != b.Member {
			_, err = c.requireAdmin(p, "remove other members")
		}
		return err
	case GrantRole:
		_, err := c.requireAdmin(p, "grant roles")
		return err
	case RevokeRole:
		s, err := c.signerMember(p)
		if err != nil {
			return err
		}
		if s.id != b.Member {
			_, err = c.requireAdmin(p, "take another member's role")
		}
		return err
	case LinkDevice:
		s, err := c.signerMember(p)
		if err != nil {
			return err
		}
		if s.id != b.Member {
			if err := c.requireRole(s, RoleAdmin, "link a device to another member"); err != nil {
				return err
			}
		}
		if r, removed := p.tomb[b.Device]; removed && !s.roles.has(RoleAdmin) {
			return fmt.Errorf("%w: device %s was removed (statement %s); only an administrator can re-admit it", ErrRemovedDevice, b.Device.Short(), r[0].Short())
		}
		return nil
	case UnlinkDevice:
		m := p.memberOf(b.Device)
		if m == nil {
			return fmt.Errorf("%w: device %s is not a member's device", ErrUnknownMember, b.Device.Short())
		}
		s, err := c.signerMember(p)
		if err != nil {
			return err
		}
		if s.id != m.id {
			return c.requireRole(s, RoleAdmin, "unlink another member's device")
		}
		return nil
	case RegisterKey:
		s, err := c.signerMember(p)
		if err != nil {
			return err
		}
		if s.id != b.Member {
			return fmt.Errorf("%w: a signing key is registered only by a device of the member it belongs to; %s is not a device of %s",
				ErrNotAuthorized, st.Signer.Short(), who(p.members[b.Member]))
		}
		return nil
	case RevokeKey:
		k := p.keys[b.Fingerprint]
		if k == nil {
			return fmt.Errorf("%w: %s is not registered", ErrKey, b.Fingerprint)
		}
		s, err := c.signerMember(p)
		if err != nil {
			return err
		}
		if s.id != k.member {
			return c.requireRole(s, RoleAdmin, "revoke another member's key")
		}
		return nil
	case Settings:
		_, err := c.requireAdmin(p, "change the settings")
		return err
	case Invite:
		s, err := c.signerMember(p)
		if err != nil {
			return err
		}
		if !b.Expires.After(st.Time) {
			return fmt.Errorf("%w: the invite expires before it was made", ErrInvalid)
		}
		switch {
		case p.settings.AdminsOnlyInvite:
			return c.requireRole(s, RoleAdmin, "invite (the plan's settings say so)")
		case !s.roles.has(RoleAdmin):
			c.deps = append(c.deps, token{k: tokPolicy})
		}
		return nil
	case Redemption:
		inv := p.invites[b.Invite]
		if inv == nil || !c.inPast(b.Invite) {
			return fmt.Errorf("%w: invite %s is not a valid invite in the redemption's causal past", ErrInvite, b.Invite.Short())
		}
		inviter := p.current(inv.inviter)
		if inviter == nil || p.devices[inv.inviterDevice] != inviter.id {
			return fmt.Errorf("%w: its inviter %s is no longer a member", ErrInvite, who(p.members[inv.inviter]))
		}
		c.deps = append(c.deps, token{k: tokInvite, id: b.Invite}, token{k: tokMember, d: inviter.id}, token{k: tokDevice, d: inv.inviterDevice})
		if st.Time.After(inv.expires) {
			return fmt.Errorf("%w: the invite expired at %s, the redemption is dated %s", ErrInvite, inv.expires.Format("2006-01-02 15:04"), st.Time.Format("2006-01-02 15:04"))
		}
		if st.Time.Before(inv.at) {
			return fmt.Errorf("%w: the redemption is dated before the invite", ErrInvite)
		}
		if inv.name != "" && (inv.name != b.Name || inv.org != b.Org || inv.side != b.Side) {
			return fmt.Errorf("%w: the invite names %s; the redemption claims %s", ErrInvite,
				ident(inv.name, inv.org, inv.side), ident(b.Name, b.Org, b.Side))
		}
		return nil
	case ConfirmClaim:
		_, err := c.requireAdmin(p, "confirm members")
		return err
	case Endorsement:
		s, err := c.signerMember(p)
		if err != nil {
			return err
		}
		if err := c.requireRole(s, RoleCoChair, "endorse a version"); err != nil {
			return err
		}
		return c.requireKey(p, s, b.KeyFingerprint)
	case Release:
		s, err := c.signerMember(p)
		if err != nil {
			return err
		}
		if err := c.requireRole(s, RoleMinister, "sign a release"); err != nil {
			return err
		}
		return c.requireKey(p, s, b.KeyFingerprint)
	case NamedDraft:
		_, err := c.signerMember(p)
		return err
	case MeetingStart:
		s, err := c.signerMember(p)
		if err != nil {
			return err
		}
		return c.requireOneOf(s, "start a meeting", RoleCoChair, RoleAdmin)
	case MeetingEnd:
		s, err := c.signerMember(p)
		if err != nil {
			return err
		}
		m := p.meetings[b.Start]
		if m == nil || !c.inPast(b.Start) {
			return fmt.Errorf("%w: meeting %s was not started in this statement's causal past", ErrUnknownRef, b.Start.Short())
		}
		if s.id == m.by {
			return nil // whoever started a meeting may close it
		}
		return c.requireOneOf(s, "end a meeting someone else started", RoleCoChair, RoleAdmin)
	case Attestation:
		_, err := c.signerMember(p)
		return err
	}
	return fmt.Errorf("%w: %s", ErrUnknownKind, st.Kind)
}

// requireKey: the key is registered to the signer's member (which only that
// member's own devices can do) and not revoked, in the causal past.
func (c *ctx) requireKey(p *astate, s *memberRec, fp string) error {
	k := p.keys[fp]
	switch {
	case k == nil:
		return fmt.Errorf("%w: %s is not a registered key", ErrKey, fp)
	case k.member != s.id:
		return fmt.Errorf("%w: %s is registered to %s, not to the signer %s", ErrKey, fp, who(p.members[k.member]), who(s))
	case k.revoked:
		return fmt.Errorf("%w: %s was revoked by statement %s", ErrKey, fp, k.revokedBy.Short())
	}
	c.deps = append(c.deps, token{k: tokKey, s: fp})
	return nil
}

// admissible: dev may become a device of a new or existing member in s.
func (c *ctx) admissible(s *astate, dev Device, global bool) error {
	if m := s.memberOf(dev); m != nil {
		return fmt.Errorf("%w: %s is a device of %s", ErrAlreadyMember, dev.Short(), who(m))
	}
	if m := s.current(dev); m != nil {
		return fmt.Errorf("%w: %s names member %s; link it to that member instead", ErrAlreadyMember, dev.Short(), who(m))
	}
	for _, r := range s.tomb[dev] {
		if global && !c.inPast(r) {
			return fmt.Errorf("%w: %s was removed by statement %s, which this statement had not seen", ErrRemovedDevice, dev.Short(), r.Short())
		}
	}
	return nil
}

// target: in the global fold (global), a statement whose effect is already
// there (two administrators removing one member at once) stands as a no-op;
// only one that contradicts the fold is a conflict. Rejecting the redundant
// one would pull the ground from under statements that saw it.
func (c *ctx) target(s *astate, global bool) error {
	st := c.st
	switch b := st.Body.(type) {
	case AddMember:
		if m := s.memberOf(b.Device); global && m != nil && m.id == b.Device {
			return nil
		}
		return c.admissible(s, b.Device, global)
	case RemoveMember:
		m := s.current(b.Member)
		if m == nil {
			if global && s.members[b.Member] != nil {
				return nil
			}
			return fmt.Errorf("%w: %s is not a member", ErrUnknownMember, b.Member.Short())
		}
		if m.roles.has(RoleAdmin) && len(s.holders(RoleAdmin)) == 1 {
			return fmt.Errorf("%w: %s is the last administrator", ErrLastAdmin, who(m))
		}
	case GrantRole:
		if m := s.current(b.Member); global && m != nil && m.roles.has(b.Role) {
			return nil
		}
		return roleTarget(s, b.Member, b.Role)
	case RevokeRole:
		m := s.current(b.Member)
		switch {
		case m == nil && global && s.members[b.Member] != nil:
			return nil
		case m == nil:
			return fmt.Errorf("%w: %s is not a member", ErrUnknownMember, b.Member.Short())
		case !m.roles.has(b.Role) && global:
			return nil
		case !m.roles.has(b.Role):
			return fmt.Errorf("%w: %s is not %s", ErrRole, who(m), article(b.Role))
		case b.Role == RoleAdmin && len(s.holders(RoleAdmin)) == 1:
			return fmt.Errorf("%w: %s is the last administrator", ErrLastAdmin, who(m))
		}
	case LinkDevice:
		if s.current(b.Member) == nil {
			return fmt.Errorf("%w: %s is not a member", ErrUnknownMember, b.Member.Short())
		}
		if global && s.devices[b.Device] == b.Member {
			return nil
		}
		return c.admissible(s, b.Device, global)
	case UnlinkDevice:
		m := s.memberOf(b.Device)
		switch {
		case m == nil && global:
			return nil
		case m == nil:
			return fmt.Errorf("%w: %s is not a member's device", ErrUnknownMember, b.Device.Short())
		case len(m.devices) < 2:
			return fmt.Errorf("%w: %s has no other device; remove the member instead", ErrLastDevice, who(m))
		}
	case RegisterKey:
		if s.current(b.Member) == nil {
			return fmt.Errorf("%w: %s is not a member", ErrUnknownMember, b.Member.Short())
		}
		if k := s.keys[b.Fingerprint]; k != nil {
			switch {
			case k.member != b.Member:
				return fmt.Errorf("%w: %s is already registered to %s and can never be another member's", ErrKey, b.Fingerprint, who(s.members[k.member]))
			case !global:
				return fmt.Errorf("%w: %s is already registered (statement %s)", ErrDuplicate, b.Fingerprint, k.registeredBy.Short())
			}
		}
	case RevokeKey:
		if k := s.keys[b.Fingerprint]; k != nil && k.revoked && !global {
			return fmt.Errorf("%w: %s was already revoked (statement %s)", ErrDuplicate, b.Fingerprint, k.revokedBy.Short())
		}
	case Redemption:
		if inv := s.invites[b.Invite]; !global && inv != nil && !inv.redeemedBy.IsZero() {
			return fmt.Errorf("%w: already redeemed by device %s (statement %s)", ErrInvite, inv.redeemer.Short(), inv.redeemedBy.Short())
		}
		if r, removed := s.tomb[st.Signer]; removed {
			return fmt.Errorf("%w: %s was removed (statement %s) and cannot rejoin by invite; an administrator can re-add it", ErrRemovedDevice, st.Signer.Short(), r[0].Short())
		}
		return c.admissible(s, st.Signer, global)
	case ConfirmClaim:
		m := s.current(b.Member)
		if m == nil {
			return fmt.Errorf("%w: %s is not a member", ErrUnknownMember, b.Member.Short())
		}
		if b.Side != m.side && (m.roles.has(RoleMinister) || m.roles.has(RoleCoChair)) {
			return fmt.Errorf("%w: %s holds a role of the %s side; take it first", ErrRole, who(m), m.side)
		}
	case NamedDraft:
		// Concurrent drafts of one label both stand (the label is then
		// ambiguous): a later one cannot move the heads an earlier names.
		if ids := s.drafts[b.Label]; !global && len(ids) > 0 {
			return fmt.Errorf("%w: %q already names draft %s", ErrDuplicate, b.Label, ids[0].Short())
		}
	case MeetingEnd:
		if m := s.meetings[b.Start]; !global && m != nil && len(m.ends) > 0 {
			return fmt.Errorf("%w: meeting %s was already ended (statement %s)", ErrDuplicate, b.Start.Short(), m.ends[0].Short())
		}
	}
	return nil
}

// roleTarget: who may hold role r.
func roleTarget(s *astate, member Device, r Role) error {
	m := s.current(member)
	if m == nil {
		return fmt.Errorf("%w: %s is not a member", ErrUnknownMember, member.Short())
	}
	if m.roles.has(r) {
		return fmt.Errorf("%w: %s is already %s", ErrDuplicate, who(m), article(r))
	}
	if m.status != Confirmed {
		return fmt.Errorf("%w: roles go to members an administrator has confirmed; %s is %s", ErrRole, who(m), m.status)
	}
	switch r {
	case RoleCoChair:
		if x := s.coChairOf(m.side); x != nil {
			return fmt.Errorf("%w: the %s side already has a co-chair, %s", ErrRole, m.side, who(x))
		}
	case RoleMinister:
		if m.side != Government {
			return fmt.Errorf("%w: the minister must be on the government side; %s is on the %s side", ErrRole, who(m), m.side)
		}
		if x := s.holders(RoleMinister); len(x) > 0 {
			return fmt.Errorf("%w: the plan already has a minister, %s", ErrRole, who(x[0]))
		}
	}
	return nil
}

// judgedSigner is what judging found out about the signer's member.
type judgedSigner struct {
	member Device
	admin  bool
	senior int // the member's joinPos: seniority
}

func (c *ctx) signer() judgedSigner {
	if c.member == nil {
		return judgedSigner{senior: -1}
	}
	return judgedSigner{member: c.member.id, admin: c.member.roles.has(RoleAdmin), senior: c.member.joinPos}
}

// signed is what a release or endorsement's causal past said of its key
// and signer.
type signed struct {
	key       string
	name, org string
	side      Side
}

func signedBy(p *astate, st *Statement, m *memberRec) signed {
	var fp string
	switch b := st.Body.(type) {
	case Release:
		fp = b.KeyFingerprint
	case Endorsement:
		fp = b.KeyFingerprint
	default:
		return signed{}
	}
	var out signed
	if k := p.keys[fp]; k != nil {
		out.key = k.key
	}
	if m != nil {
		out.name, out.org, out.side = m.name, m.org, m.side
	}
	return out
}

// apply records a valid statement's effect on s.
func apply(s *astate, st *Statement, pos int, signer judgedSigner) {
	id := st.ID
	switch b := st.Body.(type) {
	case Genesis:
		s.members[st.Signer] = &memberRec{id: st.Signer, devices: []Device{st.Signer}, everDev: []Device{st.Signer},
			name: b.Name, org: b.Org, side: b.Side, status: Confirmed, vouchedBy: st.Signer, joinedBy: id, joinPos: pos,
			roles: roleBit(RoleAdmin)}
		s.devices[st.Signer] = st.Signer
	case AddMember:
		if s.current(b.Device) != nil {
			return // a concurrent add of the same device came first
		}
		s.members[b.Device] = &memberRec{id: b.Device, devices: []Device{b.Device}, everDev: []Device{b.Device},
			name: b.Name, org: b.Org, side: b.Side, status: Confirmed, vouchedBy: signer.member, joinedBy: id, joinPos: pos}
		s.devices[b.Device] = b.Device
		delete(s.tomb, b.Device)
	case RemoveMember:
		m := s.members[b.Member]
		switch {
		case m == nil:
		case m.removed: // removed concurrently twice: a re-add must see both
			for _, d := range m.lastDev {
				if t, ok := s.tomb[d]; ok && !slices.Contains(t, id) {
					s.tomb[d] = append(t, id)
				}
			}
		default:
			m.removed, m.removedBy, m.roles = true, id, 0
			for _, d := range m.devices {
				delete(s.devices, d)
				s.tomb[d] = append(s.tomb[d], id)
			}
			m.lastDev, m.devices = m.devices, nil
		}
	case GrantRole:
		if m := s.members[b.Member]; m != nil {
			m.roles |= roleBit(b.Role)
		}
	case RevokeRole:
		if m := s.members[b.Member]; m != nil {
			m.roles &^= roleBit(b.Role)
		}
	case LinkDevice:
		if m := s.members[b.Member]; m != nil && s.devices[b.Device] != b.Member {
			m.devices = append(m.devices, b.Device)
			m.everDev = append(m.everDev, b.Device)
			s.devices[b.Device] = m.id
			delete(s.tomb, b.Device)
		}
	case UnlinkDevice:
		if mid, ok := s.devices[b.Device]; ok {
			if m := s.members[mid]; m != nil {
				m.devices = slices.DeleteFunc(m.devices, func(d Device) bool { return d == b.Device })
			}
			delete(s.devices, b.Device)
			s.tomb[b.Device] = append(s.tomb[b.Device], id)
		} else if t, ok := s.tomb[b.Device]; ok && !slices.Contains(t, id) {
			s.tomb[b.Device] = append(t, id)
		}
	case RegisterKey:
		if s.keys[b.Fingerprint] != nil {
			return
		}
		s.keys[b.Fingerprint] = &keyRec{fp: b.Fingerprint, key: b.Key, member: b.Member, device: st.Signer, registeredBy: id}
	case RevokeKey:
		if k := s.keys[b.Fingerprint]; k != nil && !k.revoked {
			k.revoked, k.revokedBy = true, id
		}
	case Settings:
		s.settings, s.settingsBy = b, id
	case Invite:
		s.invites[id] = &inviteRec{id: id, inviter: signer.member, inviterDevice: st.Signer, at: st.Time, expires: b.Expires,
			name: b.Name, org: b.Org, side: b.Side, adminVouch: b.Name != "" && signer.admin}
	case Redemption:
		inv := s.invites[b.Invite]
		m := &memberRec{id: st.Signer, devices: []Device{st.Signer}, everDev: []Device{st.Signer}, name: b.Name, org: b.Org,
			side: b.Side, status: Claimed, joinedBy: id, joinPos: pos, invite: b.Invite}
		if inv != nil {
			if inv.name != "" {
				m.status, m.vouchedBy = Vouched, inv.inviter
				if inv.adminVouch {
					m.status = Confirmed
				}
			}
			inv.redeemedBy, inv.redeemer = id, st.Signer
		}
		s.members[st.Signer] = m
		s.devices[st.Signer] = st.Signer
	case ConfirmClaim:
		if m := s.members[b.Member]; m != nil {
			m.name, m.org, m.side, m.status, m.vouchedBy = b.Name, b.Org, b.Side, Confirmed, signer.member
		}
	case NamedDraft:
		s.drafts[b.Label] = append(s.drafts[b.Label], id)
	case MeetingStart:
		s.meetings[id] = &meetingRec{start: id, by: signer.member}
	case MeetingEnd:
		if m := s.meetings[b.Start]; m != nil {
			m.ends = append(m.ends, id)
		}
	}
}
