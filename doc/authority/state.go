package authority

import (
	"bytes"
	"maps"
	"slices"
	"time"
)

// Status says how far a member's name, organisation and side are
// established.
type Status string

// The statuses.
const (
	Confirmed Status = "confirmed" // added or confirmed by an administrator (or the founder)
	Vouched   Status = "vouched"   // named in advance by the member who invited them
	Claimed   Status = "claimed"   // only claimed by the joining device
)

type roleSet uint8

func roleBit(r Role) roleSet { return 1 << r.code() }

func (s roleSet) has(r Role) bool { return s&roleBit(r) != 0 }

func (s roleSet) list() []Role {
	var out []Role
	for _, r := range roleList {
		if s.has(r) {
			out = append(out, r)
		}
	}
	return out
}

type memberRec struct {
	id        Device
	devices   []Device // current devices
	everDev   []Device // every device it ever had
	lastDev   []Device // its devices when it was removed
	name, org string
	side      Side
	status    Status
	vouchedBy Device // member who confirmed or vouched
	joinedBy  ID     // statement that made this record
	joinPos   int    // its place in the canonical order: seniority
	invite    ID
	roles     roleSet
	removed   bool
	removedBy ID
}

type keyRec struct {
	fp, key      string
	member       Device
	device       Device // the member's device that registered it
	registeredBy ID
	revoked      bool
	revokedBy    ID
}

type inviteRec struct {
	id            ID
	inviter       Device // member
	inviterDevice Device
	at, expires   time.Time
	name, org     string
	side          Side
	adminVouch    bool
	redeemedBy    ID
	redeemer      Device
}

type meetingRec struct {
	start ID
	by    Device // the member who started it
	ends  []ID
}

// astate is the authority state of a set of statements: what Evaluate folds
// and the rules read.
type astate struct {
	members    map[Device]*memberRec // by member ID, removed ones included
	devices    map[Device]Device     // current device -> member ID
	tomb       map[Device][]ID       // removed device -> the statements that removed it
	keys       map[string]*keyRec    // by fingerprint, revoked ones included
	invites    map[ID]*inviteRec
	settings   Settings
	settingsBy ID
	drafts     map[string][]ID // label -> named drafts
	meetings   map[ID]*meetingRec
}

func newState() *astate {
	return &astate{members: map[Device]*memberRec{}, devices: map[Device]Device{}, tomb: map[Device][]ID{},
		keys: map[string]*keyRec{}, invites: map[ID]*inviteRec{}, drafts: map[string][]ID{}, meetings: map[ID]*meetingRec{}}
}

// clone copies s deeply enough that applying a statement to the copy leaves
// s as it was (records are replaced, never edited in place, except in a
// clone's own maps).
func (s *astate) clone() *astate {
	c := &astate{members: make(map[Device]*memberRec, len(s.members)), devices: maps.Clone(s.devices),
		tomb: maps.Clone(s.tomb), keys: make(map[string]*keyRec, len(s.keys)),
		invites: make(map[ID]*inviteRec, len(s.invites)), settings: s.settings, settingsBy: s.settingsBy,
		drafts: make(map[string][]ID, len(s.drafts)), meetings: make(map[ID]*meetingRec, len(s.meetings))}
	for k, m := range s.members {
		mm := *m
		mm.devices = slices.Clone(m.devices)
		mm.everDev = slices.Clone(m.everDev)
		mm.lastDev = slices.Clone(m.lastDev)
		c.members[k] = &mm
	}
	for k, v := range s.tomb {
		c.tomb[k] = slices.Clone(v)
	}
	for k, v := range s.keys {
		vv := *v
		c.keys[k] = &vv
	}
	for k, v := range s.invites {
		vv := *v
		c.invites[k] = &vv
	}
	for k, v := range s.drafts {
		c.drafts[k] = slices.Clone(v)
	}
	for k, v := range s.meetings {
		c.meetings[k] = &meetingRec{start: v.start, by: v.by, ends: slices.Clone(v.ends)}
	}
	return c
}

// memberOf is the current member a device belongs to.
func (s *astate) memberOf(d Device) *memberRec {
	id, ok := s.devices[d]
	if !ok {
		return nil
	}
	return s.members[id]
}

func (s *astate) current(id Device) *memberRec {
	if m := s.members[id]; m != nil && !m.removed {
		return m
	}
	return nil
}

func (s *astate) holders(r Role) []*memberRec {
	var out []*memberRec
	for _, m := range s.members {
		if !m.removed && m.roles.has(r) {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b *memberRec) int { return bytes.Compare(a.id[:], b.id[:]) })
	return out
}

func (s *astate) coChairOf(side Side) *memberRec {
	for _, m := range s.holders(RoleCoChair) {
		if m.side == side {
			return m
		}
	}
	return nil
}

// Views: what State hands out. Plain values, safe to keep.

// Member is a member as the statements establish it.
type Member struct {
	ID        Device   // the device it was admitted with
	Devices   []Device // its current devices
	Name, Org string
	Side      Side
	Status    Status
	VouchedBy Device // the member who confirmed or vouched (zero if only claimed)
	Roles     []Role
	JoinedBy  ID // the statement that admitted it
	Invite    ID // the invite it joined by, if any
	Removed   bool
	RemovedBy ID
}

// Has reports whether the member holds role.
func (m Member) Has(r Role) bool { return slices.Contains(m.Roles, r) }

func (m *memberRec) view() Member {
	return Member{ID: m.id, Devices: slices.Clone(m.devices), Name: m.name, Org: m.org, Side: m.side, Status: m.status,
		VouchedBy: m.vouchedBy, Roles: m.roles.list(), JoinedBy: m.joinedBy, Invite: m.invite, Removed: m.removed, RemovedBy: m.removedBy}
}

// SigningKey is a registered OpenSSH signing key. It is valid from the
// statement that registered it until the one that revoked it (or its
// member's removal), in causal terms: a release made with it is judged by
// what its own causal past said.
type SigningKey struct {
	Fingerprint  string
	Key          string
	Member       Device
	Device       Device // the member's device that registered it
	RegisteredBy ID
	Revoked      bool
	RevokedBy    ID
}

func (k *keyRec) view() SigningKey {
	return SigningKey{Fingerprint: k.fp, Key: k.key, Member: k.member, Device: k.device, RegisteredBy: k.registeredBy,
		Revoked: k.revoked, RevokedBy: k.revokedBy}
}

// InviteStatus says whether an invite can still be redeemed.
type InviteStatus string

// The invite statuses.
const (
	InviteOpen      InviteStatus = "open"
	InviteRedeemed  InviteStatus = "redeemed"
	InviteExpired   InviteStatus = "expired"
	InviteCancelled InviteStatus = "cancelled" // its inviter is no longer a member
	InviteUnknown   InviteStatus = "unknown"   // no valid invite has that ID
)

// InviteState is an invite and what became of it.
type InviteState struct {
	ID            ID
	Status        InviteStatus
	Inviter       Device // the inviting member
	InviterDevice Device
	At, Expires   time.Time
	Name, Org     string // the inviter's vouch, if any
	Side          Side
	RedeemedBy    ID
	Redeemer      Device
}

// SeqRange is one attested range of an actor's changes.
type SeqRange struct {
	From, To  uint64
	Last      string // hash of change To
	Statement ID
	// AfterRemoval: the device was removed by a statement that had not seen
	// this attestation (concurrent with the removal). The changes stay; show
	// them flagged.
	AfterRemoval bool
}

// Attribution binds an Automerge actor to the device (and member) that
// signed for its changes. A change (actor, seq) is verified as the member's
// when the actor is bound, not disputed, and a range with To >= seq has a
// Last that is the actor's change at To (the document checks that hash:
// each change names its predecessor, so it vouches for all earlier ones).
type Attribution struct {
	Actor     string
	Device    Device
	Member    Device
	Ranges    []SeqRange // by To
	Disputed  bool       // claimed by several devices none of which saw the others' claims
	Claimants []Device   // when disputed
}

// MaxSeq is the highest attested sequence number.
func (a Attribution) MaxSeq() uint64 {
	if len(a.Ranges) == 0 {
		return 0
	}
	return a.Ranges[len(a.Ranges)-1].To
}

// Draft is a named draft.
type Draft struct {
	ID     ID
	Label  string
	Heads  []string
	Signer Device
	Member Device
	Time   time.Time
}

// Meeting is a meeting: started (and perhaps ended) by co-chairs or
// administrators.
type Meeting struct {
	ID        ID // the meeting start statement
	Title     string
	Note      string // the meeting notes its record goes into
	Heads     []string
	Attendees []string
	StartedBy Device
	Time      time.Time
	Ended     bool
	End       MeetingClose // the first valid end in the canonical order
}

// MeetingClose is a meeting's end.
type MeetingClose struct {
	ID        ID
	Heads     []string
	Attendees []string
	By        Device
	Time      time.Time
}

// SignedEndorsement is a valid co-chair endorsement.
type SignedEndorsement struct {
	ID             ID
	Label          string
	Heads          []string
	Digest         string
	KeyFingerprint string
	Key            string
	Signer         Device
	Member         Device
	Side           Side
	Time           time.Time
}

// SignedRelease is a valid release: its signer's device belonged to the
// minister in its causal past, and the key was registered to the minister by
// the minister's own device and not revoked there.
type SignedRelease struct {
	ID             ID
	Label          string
	Heads          []string
	Manifest       string // SHA-256 hex of the manifest
	KeyFingerprint string
	Key            string // the OpenSSH key the manifest's SSHSIG must verify under
	Signer         Device
	Member         Device
	Name, Org      string // the minister, as its causal past knew them
	Time           time.Time
}

// Rejection is a statement that counts for nothing, and why.
type Rejection struct {
	ID     ID
	Kind   Kind   // 0 when the bytes did not parse
	Signer Device // zero when the bytes did not parse
	// Claimed is what the statement says, to show who it claims to be
	// from and what it would have done; unverified when its signature
	// failed (Kind and Signer then too). Nil when it did not parse.
	Claimed Body
	Reason  string
	Err     error // wraps one of the package's sentinel errors
}
