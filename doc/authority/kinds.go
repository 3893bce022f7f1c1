package authority

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Kind is what a statement says.
type Kind uint8

// The kinds of statement. The numbers are part of the format.
const (
	KindGenesis Kind = iota + 1
	KindAddMember
	KindRemoveMember
	KindGrantRole
	KindRevokeRole
	KindLinkDevice
	KindUnlinkDevice
	KindRegisterKey
	KindRevokeKey
	KindSettings
	KindInvite
	KindRedemption
	KindConfirmClaim
	KindEndorsement
	KindRelease
	KindNamedDraft
	KindMeetingStart
	KindMeetingEnd
	KindAttestation
	kindEnd
)

var kindNames = [...]string{"", "genesis", "add member", "remove member", "grant role", "revoke role",
	"link device", "unlink device", "register signing key", "revoke signing key", "settings", "invite",
	"invite redemption", "confirm claim", "endorsement", "release", "named draft", "meeting start",
	"meeting end", "change attestation"}

func (k Kind) String() string {
	if k.valid() {
		return kindNames[k]
	}
	return fmt.Sprintf("kind %d", uint8(k))
}

func (k Kind) valid() bool { return k >= KindGenesis && k < kindEnd }

// inDAG: every kind but change attestations is a node of the statement DAG
// (named as a parent). Attestations are many and small, so they hang off it.
func (k Kind) inDAG() bool { return k != KindAttestation }

// Side is the side of the forum a member is on; the values are doc.Side's.
type Side string

// The sides.
const (
	Government   Side = "government"
	CivilSociety Side = "civil-society"
)

func (s Side) code() byte {
	switch s {
	case Government:
		return 1
	case CivilSociety:
		return 2
	}
	return 0
}

func sideOf(b byte) (Side, bool) {
	switch b {
	case 0:
		return "", true
	case 1:
		return Government, true
	case 2:
		return CivilSociety, true
	}
	return "", false
}

// Role is a role a member holds.
type Role string

// The roles. Co-chairs are one per side: a co-chair is of its member's side.
const (
	RoleAdmin    Role = "administrator"
	RoleCoChair  Role = "co-chair"
	RoleMinister Role = "minister"
)

var roleList = []Role{RoleAdmin, RoleCoChair, RoleMinister}

func (r Role) code() byte {
	for i, x := range roleList {
		if x == r {
			return byte(i + 1)
		}
	}
	return 0
}

func roleOf(b byte) (Role, bool) {
	if b < 1 || int(b) > len(roleList) {
		return "", false
	}
	return roleList[b-1], true
}

// Body is what a statement of one kind says. Build one with its New…
// function (or as a struct literal) and pass it to Sign.
type Body interface {
	Kind() Kind
	encode(e *enc)
	validate() error
}

// Genesis founds a plan: its signer is the founder, the plan's first
// administrator. Nonce makes two plans founded by one device at one instant
// different plans.
type Genesis struct {
	Name, Org    string
	Side         Side
	UpgradedFrom string // the plan ID of the plan this one upgrades, or ""
	Nonce        [16]byte
}

// AddMember admits a device as a new member with a confirmed name,
// organisation and side.
type AddMember struct {
	Device    Device
	Name, Org string
	Side      Side
}

// RemoveMember removes a member (named by its member ID) and all its devices.
type RemoveMember struct{ Member Device }

// GrantRole gives a member a role.
type GrantRole struct {
	Member Device
	Role   Role
}

// RevokeRole takes a role from a member.
type RevokeRole struct {
	Member Device
	Role   Role
}

// LinkDevice adds another device to a member (a second laptop).
type LinkDevice struct{ Device, Member Device }

// UnlinkDevice removes one device of a member (a lost laptop).
type UnlinkDevice struct{ Device Device }

// RegisterKey registers an OpenSSH signing key to a member. Proof is the
// key's own signature over KeyProofData (the plan, Member, the registering
// device and Key): a key counts only for whoever holds it (keyproof.go).
type RegisterKey struct {
	Member      Device
	Key         string // "ssh-ed25519 AAAA…", no comment
	Fingerprint string // "SHA256:…" of Key
	Proof       []byte // SSH signature (wire form) made with Key
}

// RevokeKey revokes a signing key.
type RevokeKey struct{ Fingerprint string }

// Settings are the plan's sign-off and invite settings; the latest valid one
// holds.
type Settings struct {
	AdminsOnlyInvite     bool // only administrators may invite
	EndorsementsRequired bool // a release needs both co-chairs' endorsements
}

// Invite lets one device join. The inviter may vouch for who it invites by
// naming them; a redemption must then claim exactly that.
type Invite struct {
	Nonce     [16]byte
	Expires   time.Time
	Name, Org string // the inviter's vouch, or empty
	Side      Side   // "" when not vouched
}

// Redemption is signed by the joining device: it redeems an invite and
// claims a name, organisation and side.
type Redemption struct {
	Invite    ID
	Name, Org string
	Side      Side
}

// ConfirmClaim is an administrator confirming (or correcting) a member's
// name, organisation and side.
type ConfirmClaim struct {
	Member    Device
	Name, Org string
	Side      Side
}

// Endorsement is a co-chair endorsing a version: Digest is the SHA-256 (hex)
// of the endorsement document the co-chair also signed with Key.
type Endorsement struct {
	Label          string
	Heads          []string
	Digest         string
	KeyFingerprint string
}

// Release is the minister's release: Manifest is the SHA-256 (hex) of the
// release manifest, which is SSHSIG-signed with the key KeyFingerprint names.
type Release struct {
	Label          string
	Heads          []string
	Manifest       string
	KeyFingerprint string
}

// NamedDraft marks a version with a label.
type NamedDraft struct {
	Label string
	Heads []string
}

// MeetingStart opens a meeting at a version. The meeting's ID is this
// statement's ID, so no one else can claim it.
type MeetingStart struct {
	Title     string
	Heads     []string
	Attendees []string
	Note      string // the ID of the meeting notes its record goes into ("" for none)
}

// MeetingEnd closes the meeting Start opened.
type MeetingEnd struct {
	Start     ID
	Heads     []string
	Attendees []string
}

// Attestation is a device signing the changes it authored: actor Actor's
// changes From..To, the last of which has hash Last. Each actor's changes
// form a hash chain, so it vouches for every earlier change of the actor.
type Attestation struct {
	Actor    string // hex
	From, To uint64
	Last     string // hex change hash
}

// New… build bodies with their fields in canonical form.

// NewGenesis is a genesis body with a fresh nonce.
func NewGenesis(name, org string, side Side, upgradedFrom string) Genesis {
	g := Genesis{Name: name, Org: org, Side: side, UpgradedFrom: upgradedFrom}
	_, _ = rand.Read(g.Nonce[:])
	return g
}

// NewAddMember admits dev.
func NewAddMember(dev Device, name, org string, side Side) AddMember {
	return AddMember{Device: dev, Name: name, Org: org, Side: side}
}

// NewRemoveMember removes the member.
func NewRemoveMember(member Device) RemoveMember { return RemoveMember{Member: member} }

// NewGrantRole gives the member role.
func NewGrantRole(member Device, role Role) GrantRole { return GrantRole{Member: member, Role: role} }

// NewRevokeRole takes role from the member.
func NewRevokeRole(member Device, role Role) RevokeRole {
	return RevokeRole{Member: member, Role: role}
}

// NewLinkDevice links dev to member.
func NewLinkDevice(dev, member Device) LinkDevice { return LinkDevice{Device: dev, Member: member} }

// NewUnlinkDevice unlinks dev.
func NewUnlinkDevice(dev Device) UnlinkDevice { return UnlinkDevice{Device: dev} }

// NewRevokeKey revokes the key with this fingerprint.
func NewRevokeKey(fingerprint string) RevokeKey { return RevokeKey{Fingerprint: fingerprint} }

// NewSettings sets the plan's settings.
func NewSettings(adminsOnlyInvite, endorsementsRequired bool) Settings {
	return Settings{AdminsOnlyInvite: adminsOnlyInvite, EndorsementsRequired: endorsementsRequired}
}

// NewInvite is an invite with a fresh nonce, expiring at expires. Pass a
// name and side to vouch for the person invited, or empty ones.
func NewInvite(expires time.Time, name, org string, side Side) Invite {
	in := Invite{Expires: expires.Truncate(time.Millisecond), Name: name, Org: org, Side: side}
	_, _ = rand.Read(in.Nonce[:])
	return in
}

// NewRedemption redeems invite claiming name, org and side.
func NewRedemption(invite ID, name, org string, side Side) Redemption {
	return Redemption{Invite: invite, Name: name, Org: org, Side: side}
}

// NewConfirmClaim confirms member as name, org, side.
func NewConfirmClaim(member Device, name, org string, side Side) ConfirmClaim {
	return ConfirmClaim{Member: member, Name: name, Org: org, Side: side}
}

// NewEndorsement endorses the version at heads; digest is the SHA-256 hex of
// the endorsement document signed with the key fingerprint names.
func NewEndorsement(label string, heads []string, digest, fingerprint string) Endorsement {
	return Endorsement{Label: label, Heads: normHeads(heads), Digest: strings.ToLower(digest), KeyFingerprint: fingerprint}
}

// NewRelease records a release of the version at heads; manifest is the
// SHA-256 hex of the signed release manifest.
func NewRelease(label string, heads []string, manifest, fingerprint string) Release {
	return Release{Label: label, Heads: normHeads(heads), Manifest: strings.ToLower(manifest), KeyFingerprint: fingerprint}
}

// NewNamedDraft names the version at heads.
func NewNamedDraft(label string, heads []string) NamedDraft {
	return NamedDraft{Label: label, Heads: normHeads(heads)}
}

// NewMeetingStart opens a meeting at heads.
func NewMeetingStart(title string, heads, attendees []string) MeetingStart {
	return MeetingStart{Title: title, Heads: normHeads(heads), Attendees: slices.Clone(attendees)}
}

// NewMeetingEnd closes the meeting start opened.
func NewMeetingEnd(start ID, heads, attendees []string) MeetingEnd {
	return MeetingEnd{Start: start, Heads: normHeads(heads), Attendees: slices.Clone(attendees)}
}

// NewAttestation attests actor's changes from..to, the last with hash last.
func NewAttestation(actor string, from, to uint64, last string) Attestation {
	return Attestation{Actor: strings.ToLower(actor), From: from, To: to, Last: strings.ToLower(last)}
}

func normHeads(heads []string) []string {
	out := make([]string, len(heads))
	for i, h := range heads {
		out[i] = strings.ToLower(strings.TrimSpace(h))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (Genesis) Kind() Kind      { return KindGenesis }
func (AddMember) Kind() Kind    { return KindAddMember }
func (RemoveMember) Kind() Kind { return KindRemoveMember }
func (GrantRole) Kind() Kind    { return KindGrantRole }
func (RevokeRole) Kind() Kind   { return KindRevokeRole }
func (LinkDevice) Kind() Kind   { return KindLinkDevice }
func (UnlinkDevice) Kind() Kind { return KindUnlinkDevice }
func (RegisterKey) Kind() Kind  { return KindRegisterKey }
func (RevokeKey) Kind() Kind    { return KindRevokeKey }
func (Settings) Kind() Kind     { return KindSettings }
func (Invite) Kind() Kind       { return KindInvite }
func (Redemption) Kind() Kind   { return KindRedemption }
func (ConfirmClaim) Kind() Kind { return KindConfirmClaim }
func (Endorsement) Kind() Kind  { return KindEndorsement }
func (Release) Kind() Kind      { return KindRelease }
func (NamedDraft) Kind() Kind   { return KindNamedDraft }
func (MeetingStart) Kind() Kind { return KindMeetingStart }
func (MeetingEnd) Kind() Kind   { return KindMeetingEnd }
func (Attestation) Kind() Kind  { return KindAttestation }

// Encodings: the fields in the order they are declared.

func (b Genesis) encode(e *enc) {
	e.str(b.Name)
	e.str(b.Org)
	e.byte(b.Side.code())
	e.str(b.UpgradedFrom)
	e.fixed(b.Nonce[:])
}
func (b AddMember) encode(e *enc) {
	e.device(b.Device)
	e.str(b.Name)
	e.str(b.Org)
	e.byte(b.Side.code())
}
func (b RemoveMember) encode(e *enc) { e.device(b.Member) }
func (b GrantRole) encode(e *enc)    { e.device(b.Member); e.byte(b.Role.code()) }
func (b RevokeRole) encode(e *enc)   { e.device(b.Member); e.byte(b.Role.code()) }
func (b LinkDevice) encode(e *enc)   { e.device(b.Device); e.device(b.Member) }
func (b UnlinkDevice) encode(e *enc) { e.device(b.Device) }
func (b RegisterKey) encode(e *enc) {
	e.device(b.Member)
	e.str(b.Key)
	e.str(b.Fingerprint)
	e.bytes(b.Proof)
}
func (b RevokeKey) encode(e *enc) { e.str(b.Fingerprint) }
func (b Settings) encode(e *enc) {
	e.bool(b.AdminsOnlyInvite)
	e.bool(b.EndorsementsRequired)
}
func (b Invite) encode(e *enc) {
	e.fixed(b.Nonce[:])
	e.time(b.Expires)
	e.str(b.Name)
	e.str(b.Org)
	e.byte(b.Side.code())
}
func (b Redemption) encode(e *enc) {
	e.id(b.Invite)
	e.str(b.Name)
	e.str(b.Org)
	e.byte(b.Side.code())
}
func (b ConfirmClaim) encode(e *enc) {
	e.device(b.Member)
	e.str(b.Name)
	e.str(b.Org)
	e.byte(b.Side.code())
}
func (b Endorsement) encode(e *enc) {
	e.str(b.Label)
	encHeads(e, b.Heads)
	e.fixed(mustHex32(b.Digest))
	e.str(b.KeyFingerprint)
}
func (b Release) encode(e *enc) {
	e.str(b.Label)
	encHeads(e, b.Heads)
	e.fixed(mustHex32(b.Manifest))
	e.str(b.KeyFingerprint)
}
func (b NamedDraft) encode(e *enc) { e.str(b.Label); encHeads(e, b.Heads) }
func (b MeetingStart) encode(e *enc) {
	e.str(b.Title)
	encHeads(e, b.Heads)
	e.strs(b.Attendees)
	e.str(b.Note)
}
func (b MeetingEnd) encode(e *enc) {
	e.id(b.Start)
	encHeads(e, b.Heads)
	e.strs(b.Attendees)
}
func (b Attestation) encode(e *enc) {
	a, _ := hex.DecodeString(b.Actor)
	e.bytes(a)
	e.uvarint(b.From)
	e.uvarint(b.To)
	e.fixed(mustHex32(b.Last))
}

// encHeads writes Automerge change hashes as 32 raw bytes each.
func encHeads(e *enc, heads []string) {
	e.uvarint(uint64(len(heads)))
	for _, h := range heads {
		e.fixed(mustHex32(h))
	}
}

// mustHex32 is a validated 64-digit hex string as bytes (zeros if invalid:
// validate runs before any encode that matters).
func mustHex32(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return make([]byte, 32)
	}
	return b
}

func decodeBody(k Kind, raw []byte) (Body, error) {
	d := dec{b: raw}
	var b Body
	switch k {
	case KindGenesis:
		g := Genesis{Name: d.str(MaxText), Org: d.str(MaxText), Side: decSide(&d), UpgradedFrom: d.str(MaxText)}
		copy(g.Nonce[:], d.fixed(16))
		b = g
	case KindAddMember:
		b = AddMember{Device: d.device(), Name: d.str(MaxText), Org: d.str(MaxText), Side: decSide(&d)}
	case KindRemoveMember:
		b = RemoveMember{Member: d.device()}
	case KindGrantRole:
		b = GrantRole{Member: d.device(), Role: decRole(&d)}
	case KindRevokeRole:
		b = RevokeRole{Member: d.device(), Role: decRole(&d)}
	case KindLinkDevice:
		b = LinkDevice{Device: d.device(), Member: d.device()}
	case KindUnlinkDevice:
		b = UnlinkDevice{Device: d.device()}
	case KindRegisterKey:
		b = RegisterKey{Member: d.device(), Key: d.str(MaxKeyText), Fingerprint: d.str(MaxText), Proof: d.bytes(MaxKeyProof)}
	case KindRevokeKey:
		b = RevokeKey{Fingerprint: d.str(MaxText)}
	case KindSettings:
		b = Settings{AdminsOnlyInvite: d.bool(), EndorsementsRequired: d.bool()}
	case KindInvite:
		var in Invite
		copy(in.Nonce[:], d.fixed(16))
		in.Expires = d.time()
		in.Name, in.Org, in.Side = d.str(MaxText), d.str(MaxText), decSide(&d)
		b = in
	case KindRedemption:
		b = Redemption{Invite: d.id(), Name: d.str(MaxText), Org: d.str(MaxText), Side: decSide(&d)}
	case KindConfirmClaim:
		b = ConfirmClaim{Member: d.device(), Name: d.str(MaxText), Org: d.str(MaxText), Side: decSide(&d)}
	case KindEndorsement:
		b = Endorsement{Label: d.str(MaxText), Heads: decHeads(&d), Digest: hex.EncodeToString(d.fixed(32)), KeyFingerprint: d.str(MaxText)}
	case KindRelease:
		b = Release{Label: d.str(MaxText), Heads: decHeads(&d), Manifest: hex.EncodeToString(d.fixed(32)), KeyFingerprint: d.str(MaxText)}
	case KindNamedDraft:
		b = NamedDraft{Label: d.str(MaxText), Heads: decHeads(&d)}
	case KindMeetingStart:
		b = MeetingStart{Title: d.str(MaxText), Heads: decHeads(&d), Attendees: d.strs(MaxAttendees, MaxText), Note: d.str(MaxText)}
	case KindMeetingEnd:
		b = MeetingEnd{Start: d.id(), Heads: decHeads(&d), Attendees: d.strs(MaxAttendees, MaxText)}
	case KindAttestation:
		b = Attestation{Actor: hex.EncodeToString(d.bytes(MaxActor)), From: d.uvarint(), To: d.uvarint(), Last: hex.EncodeToString(d.fixed(32))}
	default:
		return nil, fmt.Errorf("%w: %d", ErrUnknownKind, k)
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: trailing bytes in %s body", ErrMalformed, k)
	}
	if err := b.validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return b, nil
}

func decSide(d *dec) Side {
	s, ok := sideOf(d.byte())
	if !ok {
		d.fail("bad side")
	}
	return s
}

func decRole(d *dec) Role {
	r, ok := roleOf(d.byte())
	if !ok {
		d.fail("bad role")
	}
	return r
}

func decHeads(d *dec) []string {
	n := d.uvarint()
	if n > MaxHeads {
		d.fail("%d heads (at most %d)", n, MaxHeads)
		return nil
	}
	out := make([]string, 0, n)
	var prev []byte
	for i := uint64(0); i < n && d.err == nil; i++ {
		h := d.fixed(32)
		if prev != nil && bytes.Compare(prev, h) >= 0 {
			d.fail("heads not a sorted set")
		}
		prev = h
		out = append(out, hex.EncodeToString(h))
	}
	return out
}

// Validation: what Sign refuses to write and Parse refuses to read.

func validIdentity(name, org string, side Side, optional bool) error {
	if err := checkText(name, MaxText); err != nil {
		return err
	}
	if err := checkText(org, MaxText); err != nil {
		return err
	}
	if optional && name == "" && org == "" && side == "" {
		return nil
	}
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("%w: a member needs a name", ErrInvalid)
	}
	if side.code() == 0 {
		return fmt.Errorf("%w: side %q (want %s or %s)", ErrInvalid, side, Government, CivilSociety)
	}
	return nil
}

func validLabel(what, s string) error {
	if err := checkText(s, MaxText); err != nil {
		return err
	}
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("%w: %s is empty", ErrInvalid, what)
	}
	return nil
}

func validHex32(what, s string) error {
	if b, err := hex.DecodeString(s); err != nil || len(b) != 32 || hex.EncodeToString(b) != s {
		return fmt.Errorf("%w: %s %q is not a lowercase hex SHA-256", ErrInvalid, what, s)
	}
	return nil
}

func validHeads(heads []string) error {
	if len(heads) == 0 {
		return fmt.Errorf("%w: no heads", ErrInvalid)
	}
	if len(heads) > MaxHeads {
		return fmt.Errorf("%w: %d heads (at most %d)", ErrInvalid, len(heads), MaxHeads)
	}
	for i, h := range heads {
		if err := validHex32("head", h); err != nil {
			return err
		}
		if i > 0 && heads[i-1] >= h {
			return fmt.Errorf("%w: heads not a sorted set (use the New… function)", ErrInvalid)
		}
	}
	return nil
}

func validNames(list []string) error {
	if len(list) > MaxAttendees {
		return fmt.Errorf("%w: %d attendees (at most %d)", ErrInvalid, len(list), MaxAttendees)
	}
	for _, s := range list {
		if err := checkText(s, MaxText); err != nil {
			return err
		}
	}
	return nil
}

func validFingerprint(fp string) error {
	if err := checkText(fp, MaxText); err != nil {
		return err
	}
	if !strings.HasPrefix(fp, "SHA256:") || len(fp) != len("SHA256:")+43 {
		return fmt.Errorf("%w: %q is not an OpenSSH SHA256 fingerprint", ErrInvalid, fp)
	}
	return nil
}

func validRole(r Role) error {
	if r.code() == 0 {
		return fmt.Errorf("%w: role %q", ErrInvalid, r)
	}
	return nil
}

func (b Genesis) validate() error {
	if err := validIdentity(b.Name, b.Org, b.Side, false); err != nil {
		return err
	}
	if b.UpgradedFrom != "" {
		if _, err := planIDBytes(b.UpgradedFrom); err != nil {
			return fmt.Errorf("%w: upgraded from %q", ErrInvalid, b.UpgradedFrom)
		}
	}
	return nil
}
func (b AddMember) validate() error    { return validIdentity(b.Name, b.Org, b.Side, false) }
func (b RemoveMember) validate() error { return nil }
func (b GrantRole) validate() error    { return validRole(b.Role) }
func (b RevokeRole) validate() error   { return validRole(b.Role) }
func (b LinkDevice) validate() error {
	if b.Device == b.Member {
		return fmt.Errorf("%w: a device cannot be linked to itself", ErrInvalid)
	}
	return nil
}
func (b UnlinkDevice) validate() error { return nil }
func (b RegisterKey) validate() error {
	if err := checkText(b.Key, MaxKeyText); err != nil {
		return err
	}
	key, fp, err := ParseSigningKey(b.Key)
	if err != nil {
		return err
	}
	if key != b.Key {
		return fmt.Errorf("%w: key not written as \"TYPE BASE64\" (use NewRegisterKey)", ErrInvalid)
	}
	if fp != b.Fingerprint {
		return fmt.Errorf("%w: fingerprint %s does not match the key (%s)", ErrInvalid, b.Fingerprint, fp)
	}
	if len(b.Proof) > MaxKeyProof {
		return fmt.Errorf("%w: key proof of %d bytes (at most %d)", ErrInvalid, len(b.Proof), MaxKeyProof)
	}
	return nil
}
func (b RevokeKey) validate() error { return validFingerprint(b.Fingerprint) }
func (b Settings) validate() error  { return nil }
func (b Invite) validate() error    { return validIdentity(b.Name, b.Org, b.Side, true) }
func (b Redemption) validate() error {
	return validIdentity(b.Name, b.Org, b.Side, false)
}
func (b ConfirmClaim) validate() error { return validIdentity(b.Name, b.Org, b.Side, false) }
func (b Endorsement) validate() error {
	if err := validLabel("label", b.Label); err != nil {
		return err
	}
	if err := validHeads(b.Heads); err != nil {
		return err
	}
	if err := validHex32("digest", b.Digest); err != nil {
		return err
	}
	return validFingerprint(b.KeyFingerprint)
}
func (b Release) validate() error {
	if err := validLabel("label", b.Label); err != nil {
		return err
	}
	if err := validHeads(b.Heads); err != nil {
		return err
	}
	if err := validHex32("manifest hash", b.Manifest); err != nil {
		return err
	}
	return validFingerprint(b.KeyFingerprint)
}
func (b NamedDraft) validate() error {
	if err := validLabel("label", b.Label); err != nil {
		return err
	}
	return validHeads(b.Heads)
}
func (b MeetingStart) validate() error {
	if err := checkText(b.Title, MaxText); err != nil {
		return err
	}
	if err := validHeads(b.Heads); err != nil {
		return err
	}
	if err := checkText(b.Note, MaxText); err != nil {
		return err
	}
	return validNames(b.Attendees)
}
func (b MeetingEnd) validate() error {
	if err := validHeads(b.Heads); err != nil {
		return err
	}
	return validNames(b.Attendees)
}
func (b Attestation) validate() error {
	a, err := hex.DecodeString(b.Actor)
	if err != nil || len(a) == 0 || len(a) > MaxActor || hex.EncodeToString(a) != b.Actor {
		return fmt.Errorf("%w: actor %q is not a lowercase hex actor ID", ErrInvalid, b.Actor)
	}
	if b.From < 1 || b.From > b.To {
		return fmt.Errorf("%w: sequence range %d..%d", ErrInvalid, b.From, b.To)
	}
	return validHex32("change hash", b.Last)
}
