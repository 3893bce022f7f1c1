package sync

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/coplan/coplan/doc/authority"
	"github.com/coplan/coplan/sync/wire"
)

// Invite errors; each is a reason a person can act on.
var (
	ErrInviteMalformed = errors.New("not a Coplan invite code")
	ErrInviteForged    = errors.New("invite signature does not match its inviter (forged or mistyped)")
	ErrInviteExpired   = errors.New("invite has expired")
	ErrInviteOtherPlan = errors.New("invite is for another plan")
	ErrInviterGone     = errors.New("the inviter is no longer a member of the plan")
	ErrInviteUsed      = errors.New("invite cannot be used")
	ErrRemoved         = errors.New("this device was removed from the plan")
)

const (
	inviteVersion  byte = 1
	inviteSigCtx        = "coplan-invite-v1\n"
	maxInviteAddrs      = 6
)

// inviteEncoding is Crockford's base32: no I, L, O or U, so a code survives
// being read aloud and typed back.
var inviteEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// Invite lets one new device join one plan until it expires. It is signed
// by the inviting member's device key, whose public half is inside the
// inviter's peer ID, so anyone can check it with nothing but the code.
type Invite struct {
	Plan    string // plan ID
	Inviter peer.ID
	Addrs   []ma.Multiaddr // where the inviter listens
	Expires time.Time
	Nonce   [8]byte
	// Statement is the invite statement in the plan (doc/authority): what
	// the joiner redeems, once, by a statement its own device signs.
	Statement authority.ID
}

// NewInvite signs an invite to plan, valid for ttl, naming the invite
// statement stmt the plan holds, and returns its code.
func NewInvite(id *Identity, plan string, stmt authority.ID, addrs []ma.Multiaddr, ttl time.Duration) (string, *Invite, error) {
	pb, err := hex.DecodeString(plan)
	if err != nil || len(pb) != 16 {
		return "", nil, fmt.Errorf("%w: plan ID %q", ErrInviteMalformed, plan)
	}
	if ttl <= 0 {
		return "", nil, fmt.Errorf("%w: expiry must be in the future", ErrInviteMalformed)
	}
	inv := &Invite{Plan: plan, Inviter: id.PeerID, Expires: time.Now().Add(ttl).Truncate(time.Second), Statement: stmt}
	if len(addrs) > maxInviteAddrs {
		addrs = addrs[:maxInviteAddrs]
	}
	inv.Addrs = addrs
	if _, err := rand.Read(inv.Nonce[:]); err != nil {
		return "", nil, err
	}
	code, err := inv.sign(id)
	return code, inv, err
}

// sign encodes the invite, in the compact form (invite_compact.go), with
// id's signature over its body.
func (inv *Invite) sign(id *Identity) (string, error) {
	body, err := inv.compactBody()
	if err != nil {
		return "", err
	}
	sig, err := id.Key.Sign(append([]byte(inviteSigCtxCompact), body...))
	if err != nil {
		return "", err
	}
	return inviteEncoding.EncodeToString(append(body, sig...)), nil
}

// ParseInvite decodes a code and checks its signature. Whether it has
// expired or names the right plan is for Check.
func ParseInvite(code string) (*Invite, error) {
	code = strings.Map(func(r rune) rune {
		switch r {
		case '-', ' ', '\n', '\r', '\t':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
	if len(code) == 0 || len(code) > wire.MaxInviteCode {
		return nil, fmt.Errorf("%w: %d characters", ErrInviteMalformed, len(code))
	}
	raw, err := inviteEncoding.DecodeString(code)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInviteMalformed, err)
	}
	if len(raw) > 0 && (raw[0] == inviteVersionCompact || raw[0] == inviteVersionCompact2) {
		return parseInviteCompact(raw)
	}
	// Version 1, as issued before the compact form.
	r := bytes.NewReader(raw)
	bad := func(what string) error { return fmt.Errorf("%w: bad %s", ErrInviteMalformed, what) }
	v, err := r.ReadByte()
	if err != nil || v != inviteVersion {
		return nil, bad("version")
	}
	inv := &Invite{}
	var pb [16]byte
	if _, err := io.ReadFull(r, pb[:]); err != nil {
		return nil, bad("plan ID")
	}
	inv.Plan = hex.EncodeToString(pb[:])
	pid, err := readBytes(r, 128)
	if err != nil {
		return nil, bad("inviter")
	}
	inv.Inviter, err = peer.IDFromBytes(pid)
	if err != nil {
		return nil, bad("inviter")
	}
	exp, err := binary.ReadUvarint(r)
	if err != nil || exp > 1<<40 {
		return nil, bad("expiry")
	}
	inv.Expires = time.Unix(int64(exp), 0)
	if _, err := io.ReadFull(r, inv.Nonce[:]); err != nil {
		return nil, bad("nonce")
	}
	count, err := binary.ReadUvarint(r)
	if err != nil || count > maxInviteAddrs {
		return nil, bad("address count")
	}
	for range count {
		ab, err := readBytes(r, 256)
		if err != nil {
			return nil, bad("address")
		}
		a, err := ma.NewMultiaddrBytes(ab)
		if err != nil {
			return nil, bad("address")
		}
		inv.Addrs = append(inv.Addrs, a)
	}
	signedLen := len(raw) - r.Len()
	sig, err := readBytes(r, 256)
	if err != nil || r.Len() != 0 {
		return nil, bad("signature")
	}
	pub, err := inv.Inviter.ExtractPublicKey()
	if err != nil {
		return nil, fmt.Errorf("%w: inviter ID carries no key", ErrInviteMalformed)
	}
	ok, err := pub.Verify(append([]byte(inviteSigCtx), raw[:signedLen]...), sig)
	if err != nil || !ok {
		return nil, ErrInviteForged
	}
	return inv, nil
}

func readBytes(r *bytes.Reader, limit int) ([]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil || n > uint64(limit) || n > uint64(r.Len()) {
		return nil, ErrInviteMalformed
	}
	b := make([]byte, n)
	_, err = io.ReadFull(r, b)
	return b, err
}

// Check says whether the invite admits a device to plan at time now.
// Whether the inviter is still a member is the caller's to check against
// its copy of the plan.
func (inv *Invite) Check(plan string, now time.Time) error {
	if inv.Plan != plan {
		return ErrInviteOtherPlan
	}
	if !now.Before(inv.Expires) {
		return fmt.Errorf("%w (at %s)", ErrInviteExpired, inv.Expires.UTC().Format(time.RFC3339))
	}
	return nil
}

// AddrInfo is where to reach the inviter.
func (inv *Invite) AddrInfo() peer.AddrInfo { return peer.AddrInfo{ID: inv.Inviter, Addrs: inv.Addrs} }

// GroupCode splits a code into groups of five for reading aloud.
func GroupCode(code string) string {
	var b strings.Builder
	for i := 0; i < len(code); i += 5 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(code[i:min(i+5, len(code))])
	}
	return b.String()
}

// Invite signs an invite to a started plan, valid for ttl, naming this
// node's addresses, and opens the gate for the joiner until it expires.
func (n *Node) Invite(planID string, ttl time.Duration) (string, error) {
	ps := n.plan(planID)
	if ps == nil {
		return "", ErrNotStarted
	}
	if !ps.p.IsMember(n.h.ID().String()) {
		return "", fmt.Errorf("%w: this device", ErrNotMember)
	}
	code, inv, err := n.mintInvite(ps, ttl)
	if err != nil {
		return "", err
	}
	if err := RecordInvite(n.cfg.StateDir, inv); err != nil {
		return "", err
	}
	ps.forgetInvites()
	return code, nil
}

// mintInvite makes the plan's signed invite statement (single use, and
// refused when the plan's settings keep inviting to administrators) and
// the code naming it.
func (n *Node) mintInvite(ps *planState, ttl time.Duration) (string, *Invite, error) {
	stmt, err := ps.p.CreateInvite(time.Now().Add(ttl), "", "", "")
	if err != nil {
		return "", nil, err
	}
	if err := ps.p.Commit(); err != nil {
		return "", nil, err
	}
	return NewInvite(n.cfg.Identity, ps.id, stmt, inviteAddrs(n.h.Addrs()), ttl)
}
