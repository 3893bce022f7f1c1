package doc

import (
	"fmt"
	"strings"
	"time"

	am "github.com/automerge/automerge-go"
)

// Roles a member can hold.
const (
	RoleMinister = "minister"
	RoleCoChair  = "co-chair"
)

func (p *Plan) memberMap(peerID string) *am.Map { return p.mapAt("members", peerID) }

// putMember writes a member record; callers hold p.mu and touch.
func (p *Plan) putMember(m Member) error {
	members := p.mapAt("members")
	rec := mapIn(members, m.PeerID)
	if rec == nil {
		rec = am.NewMap()
		if err := members.Set(m.PeerID, rec); err != nil {
			return err
		}
		for _, k := range []string{"roles", "keys"} {
			if err := rec.Set(k, am.NewMap()); err != nil {
				return err
			}
		}
	}
	if m.AddedAt.IsZero() {
		m.AddedAt = time.Now().UTC()
	}
	for k, v := range map[string]any{"name": m.Name, "org": m.Org, "side": string(m.Side), "addedBy": m.AddedBy, "addedAt": m.AddedAt, "removed": m.Removed} {
		if err := rec.Set(k, v); err != nil {
			return err
		}
	}
	for _, r := range m.Roles {
		if err := mapIn(rec, "roles").Set(r, true); err != nil {
			return err
		}
	}
	for _, k := range m.Keys {
		if err := mapIn(rec, "keys").Set(k, true); err != nil {
			return err
		}
	}
	return nil
}

// AddMember records a device as a member of the plan (or updates it, and
// re-admits it if it had been removed).
func (p *Plan) AddMember(m Member) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return err
	}
	if strings.TrimSpace(m.PeerID) == "" {
		return fmt.Errorf("%w: a member needs a peer ID", ErrInvalid)
	}
	if m.AddedBy == "" {
		m.AddedBy = p.author.PeerID
	}
	if err := p.putMember(m); err != nil {
		return err
	}
	p.touch("Add member " + m.Name)
	return nil
}

// RemoveMember marks a member removed: every peer that sees this refuses
// the device from then on. The record stays so history can still name them.
func (p *Plan) RemoveMember(peerID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return err
	}
	rec := p.memberMap(peerID)
	if rec == nil {
		return fmt.Errorf("%w: member %s", ErrNotFound, peerID)
	}
	if err := rec.Set("removed", true); err != nil {
		return err
	}
	p.touch("Remove member " + p.str(rec, "name"))
	return nil
}

// SetMemberRole gives (on) or takes away a role.
func (p *Plan) SetMemberRole(peerID, role string, on bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return err
	}
	if role != RoleMinister && role != RoleCoChair {
		return fmt.Errorf("%w: role %q (want %s or %s)", ErrInvalid, role, RoleMinister, RoleCoChair)
	}
	rec := p.memberMap(peerID)
	if rec == nil {
		return fmt.Errorf("%w: member %s", ErrNotFound, peerID)
	}
	roles := mapIn(rec, "roles")
	var err error
	if on {
		err = roles.Set(role, true)
	} else {
		err = roles.Delete(role)
	}
	if err != nil {
		return err
	}
	p.touch(fmt.Sprintf("Set %s role of %s", role, p.str(rec, "name")))
	return nil
}

// AddMemberKey registers a public signing key (an OpenSSH authorized-key
// line) to a member.
func (p *Plan) AddMemberKey(peerID, key string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return err
	}
	rec := p.memberMap(peerID)
	if rec == nil {
		return fmt.Errorf("%w: member %s", ErrNotFound, peerID)
	}
	key = strings.TrimSpace(key)
	if key == "" {
		return fmt.Errorf("%w: empty key", ErrInvalid)
	}
	if err := mapIn(rec, "keys").Set(key, true); err != nil {
		return err
	}
	p.touch("Register signing key of " + p.str(rec, "name"))
	return nil
}

func (p *Plan) readMember(id string, rec *am.Map) Member {
	m := Member{PeerID: id, Name: p.str(rec, "name"), Org: p.str(rec, "org"), Side: Side(p.str(rec, "side")),
		AddedBy: p.str(rec, "addedBy"), Removed: boolIn(rec, "removed"),
		Roles: setIn(mapIn(rec, "roles")), Keys: setIn(mapIn(rec, "keys"))}
	if t := timeIn(rec, "addedAt"); t.ok {
		m.AddedAt = t.t
	}
	return m
}

// Members lists every member record, removed ones included, by name.
func (p *Plan) Members() []Member {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.membersLocked()
}

func (p *Plan) membersLocked() []Member {
	members := p.mapAt("members")
	keys, _ := members.Keys()
	out := make([]Member, 0, len(keys))
	for _, k := range keys {
		if rec := mapIn(members, k); rec != nil {
			out = append(out, p.readMember(k, rec))
		}
	}
	sortMembers(out)
	return out
}

// Member returns one member record.
func (p *Plan) Member(peerID string) (Member, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rec := p.memberMap(peerID)
	if rec == nil {
		return Member{}, false
	}
	return p.readMember(peerID, rec), true
}

// IsMember reports whether a device is a current (not removed) member.
func (p *Plan) IsMember(peerID string) bool {
	m, ok := p.Member(peerID)
	return ok && !m.Removed
}
