package doc

import (
	"errors"
	"fmt"

	am "github.com/automerge/automerge-go"
)

// ErrNoUpgrade: the plan already has signed authority.
var ErrNoUpgrade = errors.New("the plan needs no upgrade")

// NeedsUpgrade reports whether the plan was made before signed authority:
// it has no genesis statement, so nobody holds authority in it and it is
// read-only until upgraded.
func (p *Plan) NeedsUpgrade() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.auth.legacy
}

// UpgradedFrom is the ID of the plan this one was upgraded from, or "".
func (p *Plan) UpgradedFrom() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, err := p.authorityLocked()
	if err != nil {
		return ""
	}
	return st.UpgradedFrom
}

// Upgrade makes a signed copy of a plan made before signed authority: the
// same content and history under a new plan ID derived from a genesis that
// author's device signs, recording the old ID. author becomes the founder
// and only member; the others join the upgraded plan by invite (their old
// member records count for nothing). The old plan is left as it was.
func (l *Library) Upgrade(oldID string, author Author) (*Plan, error) {
	old, err := l.Open(oldID, Author{})
	if err != nil {
		return nil, err
	}
	defer old.Abandon()
	old.mu.Lock()
	legacy, saved := old.auth.legacy, old.d.Save()
	old.mu.Unlock()
	if !legacy {
		return nil, fmt.Errorf("%w: %s has signed members and roles already", ErrNoUpgrade, oldID)
	}
	d, err := am.Load(saved)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotAPlan, err)
	}
	p := newPlan(d, author)
	p.mu.Lock()
	newID, err := p.foundLocked(old.id)
	if err == nil {
		err = p.mapAt("plan").Set("id", newID)
	}
	if err == nil && p.mapAt("actors") == nil {
		err = p.d.RootMap().Set("actors", am.NewMap())
	}
	if err != nil {
		p.mu.Unlock()
		return nil, err
	}
	p.touch("Upgrade plan " + old.id + " to signed members and roles")
	p.mu.Unlock()
	if err := l.attach(p, nil); err != nil {
		return nil, err
	}
	return p, nil
}
