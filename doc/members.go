package doc

import (
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"

	am "github.com/automerge/automerge-go"
	"golang.org/x/crypto/ssh"

	"github.com/coplan/coplan/doc/authority"
)

// Members, roles, devices, signing keys, settings and invites are read from
// the plan's signed statements (package doc/authority) and changed only by
// making one: each call below checks, as every peer will, that this device
// holds the authority, and refuses with the reason (nothing written) when
// it does not. Editing the document by other means changes none of it.

// Roles a member can hold.
const (
	RoleMinister = string(authority.RoleMinister)
	RoleCoChair  = string(authority.RoleCoChair)
	RoleAdmin    = string(authority.RoleAdmin)
)

// ParseRole accepts a role name.
func ParseRole(s string) (authority.Role, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case RoleMinister:
		return authority.RoleMinister, nil
	case RoleCoChair, "cochair", "co chair":
		return authority.RoleCoChair, nil
	case RoleAdmin, "admin":
		return authority.RoleAdmin, nil
	}
	return "", fmt.Errorf("%w: role %q (want %s, %s or %s)", ErrInvalid, s, RoleMinister, RoleCoChair, RoleAdmin)
}

// memberView turns a member of the State into the doc view.
func (p *Plan) memberView(st *authority.State, m authority.Member) Member {
	out := Member{PeerID: m.ID.PeerID(), Name: m.Name, Org: m.Org, Side: Side(m.Side), Removed: m.Removed,
		Status: string(m.Status), Roles: []string{}, Keys: []string{}, Devices: []string{}}
	for _, r := range m.Roles {
		out.Roles = append(out.Roles, string(r))
	}
	slices.Sort(out.Roles)
	for _, d := range m.Devices {
		out.Devices = append(out.Devices, d.PeerID())
	}
	switch {
	case !m.VouchedBy.IsZero():
		out.AddedBy = m.VouchedBy.PeerID()
	case !m.Invite.IsZero():
		if inv := st.Invite(m.Invite, time.Now()); !inv.Inviter.IsZero() {
			out.AddedBy = inv.Inviter.PeerID() // joined by this member's invite
		}
	}
	if s, ok := st.Statement(m.JoinedBy); ok {
		out.AddedAt = s.Time
		if out.AddedBy == "" {
			out.AddedBy = s.Signer.PeerID()
		}
	}
	for _, k := range st.SigningKeys() {
		if k.Member == m.ID && !k.Revoked {
			out.Keys = append(out.Keys, k.Key)
		}
	}
	return out
}

// Members lists every member, removed ones included, by name: as the
// signed statements establish them. A plan that needs an upgrade has none.
func (p *Plan) Members() []Member {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.membersLocked()
}

func (p *Plan) membersLocked() []Member {
	st, err := p.authorityLocked()
	if err != nil {
		return []Member{}
	}
	if p.auth.members == nil {
		all := st.AllMembers()
		out := make([]Member, 0, len(all))
		for _, m := range all {
			out = append(out, p.memberView(st, m))
		}
		sortMembers(out)
		p.auth.members = out
	}
	return slices.Clone(p.auth.members)
}

// memberViewsLocked is the cached member list itself (callers must not
// change it).
func (p *Plan) memberViewsLocked() []Member {
	if p.auth.members == nil {
		p.membersLocked()
	}
	return p.auth.members
}

// Member returns the member a device belongs to (or whose member ID the
// peer ID is).
func (p *Plan) Member(peerID string) (Member, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.memberLocked(peerID)
}

func (p *Plan) memberLocked(peerID string) (Member, bool) {
	st, err := p.authorityLocked()
	if err != nil {
		return Member{}, false
	}
	d, err := authority.ParsePeerID(peerID)
	if err != nil {
		return Member{}, false
	}
	m, ok := st.Member(d)
	if !ok {
		return Member{}, false
	}
	id := m.ID.PeerID()
	for _, v := range p.memberViewsLocked() {
		if v.PeerID == id {
			return v, true
		}
	}
	return p.memberView(st, m), true
}

// IsMember reports whether a device is a current device of a current
// member: what the sync gate admits.
func (p *Plan) IsMember(peerID string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, err := p.authorityLocked()
	if err != nil {
		return false
	}
	d, err := authority.ParsePeerID(peerID)
	return err == nil && st.IsMember(d)
}

// editAuthority runs fn with the current State under the plan's lock, for
// one statement-making edit.
func (p *Plan) editAuthority(fn func(st *authority.State) (authority.Body, string, error)) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return err
	}
	st, err := p.authorityLocked()
	if err != nil {
		return err
	}
	body, msg, err := fn(st)
	if err != nil || body == nil {
		return err
	}
	_, err = p.makeLocked(body, msg)
	return err
}

// currentMember finds the current member a peer ID names.
func currentMember(st *authority.State, peerID string) (authority.Member, authority.Device, error) {
	d, err := deviceOfPeer(peerID)
	if err != nil {
		return authority.Member{}, d, err
	}
	m, ok := st.Member(d)
	if !ok {
		return m, d, fmt.Errorf("%w: member %s", ErrNotFound, peerID)
	}
	if m.Removed {
		return m, d, fmt.Errorf("%w: %s was removed from the plan", ErrNotFound, m.Name)
	}
	return m, d, nil
}

// AddMember admits a device as a member with a confirmed name,
// organisation and side (an administrator's act). For a device that is a
// member already, it confirms or corrects the name, organisation and side
// instead. Roles and keys in m are ignored: use SetMemberRole and
// AddMemberKey.
func (p *Plan) AddMember(m Member) error {
	return p.editAuthority(func(st *authority.State) (authority.Body, string, error) {
		d, err := deviceOfPeer(m.PeerID)
		if err != nil {
			return nil, "", err
		}
		name, org := strings.TrimSpace(m.Name), strings.TrimSpace(m.Org)
		if cur, ok := st.Member(d); ok && !cur.Removed {
			if cur.Name == name && cur.Org == org && string(cur.Side) == string(m.Side) && cur.Status == authority.Confirmed {
				return nil, "", nil
			}
			return authority.NewConfirmClaim(cur.ID, name, org, authority.Side(m.Side)), "", nil
		}
		return authority.NewAddMember(d, name, org, authority.Side(m.Side)), "", nil
	})
}

// RemoveMember removes a device: a member's only (or first) device removes
// the member, any other device of a member is unlinked. Every peer that
// sees the statement refuses the device from then on.
func (p *Plan) RemoveMember(peerID string) error {
	return p.editAuthority(func(st *authority.State) (authority.Body, string, error) {
		m, d, err := currentMember(st, peerID)
		if err != nil {
			return nil, "", err
		}
		if d == m.ID || len(m.Devices) <= 1 {
			return authority.NewRemoveMember(m.ID), "", nil
		}
		return authority.NewUnlinkDevice(d), "", nil
	})
}

// SetMemberRole gives (on) or takes away a role: minister, co-chair or
// administrator.
func (p *Plan) SetMemberRole(peerID, role string, on bool) error {
	r, err := ParseRole(role)
	if err != nil {
		return err
	}
	return p.editAuthority(func(st *authority.State) (authority.Body, string, error) {
		m, _, err := currentMember(st, peerID)
		if err != nil {
			return nil, "", err
		}
		if m.Has(r) == on {
			return nil, "", nil
		}
		if on {
			return authority.NewGrantRole(m.ID, r), "", nil
		}
		return authority.NewRevokeRole(m.ID, r), "", nil
	})
}

// AddMemberKey registers the signing key key signs with to a member. Only
// a device of that member may, and only by proving it holds the key: key
// (an ssh.Signer over a private key file or ssh-agent, as
// release.LoadSigner opens one) signs a proof naming the plan, the member,
// this device and the key, which every peer checks. So nobody can register
// a published key that is not theirs, and a key is never registered on
// another member's record.
func (p *Plan) AddMemberKey(peerID string, key ssh.Signer) error {
	if key == nil {
		return fmt.Errorf("%w: no signing key", ErrInvalid)
	}
	if p.Device().IsZero() {
		return fmt.Errorf("%w: the plan was opened without the device key", ErrNoDeviceKey)
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key.PublicKey())))
	st, err := p.Authority()
	if err != nil {
		return err
	}
	m, _, err := currentMember(st, peerID)
	if err != nil {
		return err
	}
	if _, fp, err := authority.ParseSigningKey(line); err != nil {
		return err
	} else if k, ok := st.SigningKey(fp); ok && k.Member == m.ID && !k.Revoked {
		return nil
	}
	// Signed outside the plan's lock: ssh-agent, or a security key waiting
	// for a touch, may take a while.
	b, err := authority.NewRegisterKey(st.PlanID, m.ID, p.Device(), line, keyProofSigner(key))
	if err != nil {
		return err
	}
	return p.editAuthority(func(st *authority.State) (authority.Body, string, error) {
		if k, ok := st.SigningKey(b.Fingerprint); ok && k.Member == m.ID && !k.Revoked {
			return nil, "", nil
		}
		return b, "", nil
	})
}

// keyProofSigner signs a key registration's proof with s, in the SSH wire
// form authority.KeySigner returns.
func keyProofSigner(s ssh.Signer) authority.KeySigner {
	return func(data []byte) ([]byte, error) {
		sig, err := s.Sign(rand.Reader, data)
		if err != nil {
			return nil, err
		}
		return ssh.Marshal(sig), nil
	}
}

// RevokeMemberKey revokes a signing key (by fingerprint): its member's
// device or an administrator may.
func (p *Plan) RevokeMemberKey(fingerprint string) error {
	return p.editAuthority(func(st *authority.State) (authority.Body, string, error) {
		return authority.NewRevokeKey(strings.TrimSpace(fingerprint)), "", nil
	})
}

// LinkDevice links another device (a second laptop) to a member: one of
// that member's devices or an administrator may.
func (p *Plan) LinkDevice(devicePeerID, memberPeerID string) error {
	return p.editAuthority(func(st *authority.State) (authority.Body, string, error) {
		d, err := deviceOfPeer(devicePeerID)
		if err != nil {
			return nil, "", err
		}
		m, _, err := currentMember(st, memberPeerID)
		if err != nil {
			return nil, "", err
		}
		return authority.NewLinkDevice(d, m.ID), "", nil
	})
}

// Settings are per-plan choices about the process, from the latest valid
// settings statement.
type Settings struct {
	// EndorsementsRequired: the government and the civil-society co-chair
	// must each endorse a version before the minister can sign it.
	EndorsementsRequired bool `json:"endorsementsRequired"`
	// AdminsOnlyInvite: only administrators may invite.
	AdminsOnlyInvite bool `json:"adminsOnlyInvite"`
}

// Settings reads the plan's settings.
func (p *Plan) Settings() Settings {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, err := p.authorityLocked()
	if err != nil {
		return Settings{}
	}
	s := st.Settings()
	return Settings{EndorsementsRequired: s.EndorsementsRequired, AdminsOnlyInvite: s.AdminsOnlyInvite}
}

func (p *Plan) setSettings(fn func(s *authority.Settings), msg string) error {
	return p.editAuthority(func(st *authority.State) (authority.Body, string, error) {
		s := st.Settings()
		old := s
		fn(&s)
		if s == old {
			return nil, "", nil
		}
		return authority.NewSettings(s.AdminsOnlyInvite, s.EndorsementsRequired), msg, nil
	})
}

// SetEndorsementsRequired turns the co-chair endorsement requirement on or
// off (an administrator's act).
func (p *Plan) SetEndorsementsRequired(on bool) error {
	msg := "Stop requiring co-chair endorsements"
	if on {
		msg = "Require co-chair endorsements before sign-off"
	}
	return p.setSettings(func(s *authority.Settings) { s.EndorsementsRequired = on }, msg)
}

// SetAdminsOnlyInvite says whether only administrators may invite (an
// administrator's act).
func (p *Plan) SetAdminsOnlyInvite(on bool) error {
	msg := "Let every member invite"
	if on {
		msg = "Let only administrators invite"
	}
	return p.setSettings(func(s *authority.Settings) { s.AdminsOnlyInvite = on }, msg)
}

// CreateInvite makes a signed invite for one device, expiring at expires.
// A name and side vouch for the person invited (the joiner must then claim
// exactly them); leave them empty to let the joiner claim who they are.
func (p *Plan) CreateInvite(expires time.Time, name, org string, side Side) (authority.ID, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return authority.ID{}, err
	}
	return p.makeLocked(authority.NewInvite(expires, strings.TrimSpace(name), strings.TrimSpace(org), authority.Side(side)), "")
}

// SignRedemption is a joining device's redemption of an invite: signed
// with the joiner's device key, it needs only the plan ID and the invite's
// ID, so it can be made before the joiner holds the plan. The inviter's
// peer stores it with AddStatement, which admits the joiner.
func SignRedemption(key []byte, planID string, invite authority.ID, name, org string, side Side, at time.Time) ([]byte, error) {
	return authority.Sign(key, planID, authority.Links{Parents: []authority.ID{invite}}, at,
		authority.NewRedemption(invite, strings.TrimSpace(name), strings.TrimSpace(org), authority.Side(side)))
}

// Claims: the "members" map holds each device's own record of its name,
// organisation and side, written by the device itself (registerActor). It
// grants nothing (roles and keys in it are ignored, and plans made before
// signed authority kept authority there, so it is read only for names): it
// names the author of a change whose device is not a member, marked
// claimed.

// putClaimLocked writes this device's claim, if it has none or an old one.
func (p *Plan) putClaimLocked() {
	members := p.mapAt("members")
	a := p.author
	if members == nil || a.Name == "" {
		return
	}
	rec := mapIn(members, a.PeerID)
	if rec != nil && p.str(rec, "name") == a.Name && p.str(rec, "org") == a.Org && p.str(rec, "side") == string(a.Side) {
		return
	}
	if rec == nil {
		rec = am.NewMap()
		if members.Set(a.PeerID, rec) != nil {
			return
		}
	}
	for k, v := range map[string]string{"name": a.Name, "org": a.Org, "side": string(a.Side)} {
		_ = rec.Set(k, v)
	}
}

// whoLocked is the person a device is: the member the statements make it,
// or else (member false) what its own claim says.
func (p *Plan) whoLocked(peerID string) (m Member, member bool) {
	if m, ok := p.memberLocked(peerID); ok {
		return m, true
	}
	rec := mapIn(p.mapAt("members"), peerID)
	m = Member{PeerID: peerID, Name: p.str(rec, "name"), Org: p.str(rec, "org"), Side: Side(p.str(rec, "side")), Status: "claimed"}
	return m, false
}
