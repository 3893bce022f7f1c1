package doc

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	am "github.com/automerge/automerge-go"
	"golang.org/x/crypto/ssh"

	"github.com/coplan/coplan/doc/amext"
	"github.com/coplan/coplan/doc/authority"
	"github.com/coplan/coplan/internal/atomicfile"
)

// statementsKey is the root map of the plan's signed authority statements
// (package doc/authority): the key is the statement's ID in hex, the value
// its bytes. NewPlan creates the map with the genesis, so every replica
// shares one map object; each statement sits under a key of its own, so
// concurrent statements never collide, and writing one twice writes the
// same bytes. A value whose bytes do not hash to its key counts for nothing.
const statementsKey = "statements"

// Errors of the authority integration.
var (
	ErrNoDeviceKey = errors.New("this device has no key to sign with")
	// ErrNeedsUpgrade: the plan has no genesis statement (it was made by a
	// Coplan before signed authority); it opens read-only.
	ErrNeedsUpgrade = errors.New("this plan was made before Coplan signed its members and roles")
)

// planAuth is what a Plan knows of its statements. Statements, once seen,
// are kept for the life of the Plan: a peer that deletes one from the map
// cannot make this process forget it, and a writable plan writes it back.
type planAuth struct {
	ev      *authority.Evaluator
	known   map[authority.ID][]byte
	seenLen int  // the statements map's length when last read (-1: never)
	stale   bool // the document changed since the map was last read
	dirty   bool // known changed since the last evaluation
	state   *authority.State
	err     error
	members []Member // the state's members as doc values, built on demand
	ignored int      // map entries that are not a statement under its own ID
	// unrecoverable are keys whose statement history does not hold.
	unrecoverable map[string]bool
	legacy        bool // no genesis: a plan made before statements; read-only
	// verified caches, per actor, the highest sequence number whose
	// attested hash matched the document (attest.go).
	verified map[string]uint64
	// savedVerified counts the IDs in the plan folder's verifiedFile.
	savedVerified int
	// opChange caches, per op ID, the change that wrote a refused
	// statement (changeOfOpLocked).
	opChange map[string]string
}

func newPlanAuth() planAuth {
	return planAuth{ev: authority.NewEvaluator(), known: map[authority.ID][]byte{}, seenLen: -1, stale: true, dirty: true}
}

// changed is called after a merge: the map may hold new statements.
func (a *planAuth) changed() { a.stale = true; a.verified = nil }

// readStatementsLocked brings new statements from the document into known.
// The map's length is the cheap test: a new statement is a new key.
func (p *Plan) readStatementsLocked() {
	a := &p.auth
	if !a.stale {
		return
	}
	a.stale = false
	m := p.mapAt(statementsKey)
	if m == nil {
		return
	}
	n := m.Len()
	if n == a.seenLen {
		return
	}
	a.seenLen = n
	vals, err := m.Values()
	if err != nil {
		return
	}
	a.ignored = 0
	present := make(map[authority.ID]bool, len(vals))
	var damaged []string
	for k, v := range vals {
		var raw []byte
		if v.Kind() == am.KindBytes {
			raw = v.Bytes()
		}
		id := authority.StatementID(raw)
		if raw == nil || id.String() != k {
			a.ignored++
			if kid, err := authority.ParseID(k); err == nil && a.known[kid] == nil {
				damaged = append(damaged, k)
			}
			continue
		}
		present[id] = true
		if _, ok := a.known[id]; !ok {
			a.known[id] = bytes.Clone(raw)
			a.dirty = true
		}
	}
	p.recoverStatementsLocked(damaged)
	if len(present) < len(a.known) && !p.readOnly && p.author.Key != nil {
		restored := 0
		for id, raw := range a.known {
			if !present[id] && m.Set(id.String(), raw) == nil {
				restored++
			}
		}
		if restored > 0 {
			a.seenLen = m.Len()
			p.touch(fmt.Sprintf("Restore %d signed statement(s) removed from the plan", restored))
		}
	}
}

// maxRecoveryReads bounds the history reads spent recovering overwritten
// statements, so a flood of damaged keys cannot stall an open.
const maxRecoveryReads = 200_000

// recoverStatementsLocked finds, in the document's history, the signed
// bytes of statements whose key now holds something else: a modified
// client that overwrites a statement (a named draft, a grant) must not make
// it vanish for a peer that never read it before the overwrite. Each key
// names the SHA-256 of its bytes, so what is found is exactly what was
// signed. It costs history reads only when such keys exist; keys it could
// not recover are not looked for again.
func (p *Plan) recoverStatementsLocked(keys []string) {
	a := &p.auth
	var todo []string
	for _, k := range keys {
		if !a.unrecoverable[k] {
			todo = append(todo, k)
		}
	}
	if len(todo) == 0 {
		return
	}
	changes, err := p.d.Changes()
	if err != nil {
		return
	}
	reads := 0
	for i := len(changes) - 1; i >= 0 && len(todo) > 0 && reads < maxRecoveryReads; i-- {
		at := []am.ChangeHash{changes[i].Hash()}
		todo = slices.DeleteFunc(todo, func(k string) bool {
			reads++
			v, kind, err := amext.GetAt(p.d, []any{statementsKey, k}, at)
			raw, ok := v.([]byte)
			if err != nil || kind != am.KindBytes || !ok || authority.StatementID(raw).String() != k {
				return false
			}
			a.known[authority.StatementID(raw)] = bytes.Clone(raw)
			a.dirty = true
			return true
		})
	}
	if a.unrecoverable == nil {
		a.unrecoverable = map[string]bool{}
	}
	for _, k := range todo {
		a.unrecoverable[k] = true
	}
}

// authorityLocked is the plan's current authority, evaluated again only
// when statements arrived.
func (p *Plan) authorityLocked() (*authority.State, error) {
	p.readStatementsLocked()
	a := &p.auth
	if !a.dirty {
		return a.state, a.err
	}
	a.dirty = false
	a.members, a.verified = nil, nil
	id := p.id
	if id == "" { // a replica filled by sync
		id = p.str(p.mapAt("plan"), "id")
	}
	if len(a.known) == 0 {
		a.state, a.err = nil, fmt.Errorf("%w: run coplan upgrade %s to make a signed copy", ErrNeedsUpgrade, shortPlanRef(id))
		a.dirty = true // look again after the next merge
		return a.state, a.err
	}
	stmts := make([][]byte, 0, len(a.known))
	for _, raw := range a.known {
		stmts = append(stmts, raw)
	}
	if a.state == nil && a.err == nil {
		p.loadVerifiedLocked() // first evaluation: trust this device's earlier checks
	}
	st, err := a.ev.Evaluate(id, stmts)
	if err == nil {
		p.saveVerifiedLocked()
	}
	if errors.Is(err, authority.ErrNoGenesis) {
		err = fmt.Errorf("%w: run coplan upgrade %s to make a signed copy", ErrNeedsUpgrade, shortPlanRef(id))
	}
	a.state, a.err = st, err
	return st, err
}

func shortPlanRef(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// Authority is the plan's effective authority: members, roles, devices,
// signing keys, settings, invites, endorsements, releases and attestations
// as computed from the signed statements alone. The State is immutable;
// call again after a change. It fails (ErrNeedsUpgrade) for a plan made
// before statements existed.
func (p *Plan) Authority() (*authority.State, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.authorityLocked()
}

// Device is this device's identity in the plan's statements (zero without
// a key).
func (p *Plan) Device() authority.Device {
	d, _ := authority.DeviceOfKey(p.author.Key)
	return d
}

// Statements returns every statement the plan holds, valid or not, as
// signed bytes (what a proof or another peer needs).
func (p *Plan) Statements() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.readStatementsLocked()
	out := make([][]byte, 0, len(p.auth.known))
	for _, raw := range p.auth.known {
		out = append(out, bytes.Clone(raw))
	}
	return out
}

// Make signs a statement with this device's key and stores it, after
// checking it as every peer will judge it: a statement the signer lacks
// the authority for is refused here, with the reason, and nothing is
// written. msg is the change message ("" for one derived from the body).
func (p *Plan) Make(body authority.Body, msg string) (authority.ID, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return authority.ID{}, err
	}
	return p.makeLocked(body, msg)
}

func (p *Plan) makeLocked(body authority.Body, msg string) (authority.ID, error) {
	return p.makeAtLocked(body, msg, time.Now())
}

// makeAtLocked is makeLocked with the statement dated at (the plan's clock).
func (p *Plan) makeAtLocked(body authority.Body, msg string, at time.Time) (authority.ID, error) {
	if p.author.Key == nil {
		return authority.ID{}, fmt.Errorf("%w: the plan was opened without the device key", ErrNoDeviceKey)
	}
	st, err := p.authorityLocked()
	if err != nil {
		return authority.ID{}, err
	}
	raw, err := st.Make(p.author.Key, body, at)
	if err != nil {
		return authority.ID{}, err
	}
	id, err := p.putStatementLocked(raw)
	if err != nil {
		return id, err
	}
	if msg == "" {
		msg = p.describeStatement(st, body)
	}
	p.touch(msg)
	return id, nil
}

// putStatementLocked writes signed bytes into the statements map.
func (p *Plan) putStatementLocked(raw []byte) (authority.ID, error) {
	id := authority.StatementID(raw)
	m := p.mapAt(statementsKey)
	if m == nil {
		return id, fmt.Errorf("%w: the plan has no statements map", ErrNeedsUpgrade)
	}
	if _, ok := p.auth.known[id]; ok {
		if v, err := m.Get(id.String()); err == nil && v.Kind() == am.KindBytes {
			return id, nil
		}
	}
	if err := m.Set(id.String(), raw); err != nil {
		return id, err
	}
	p.auth.known[id] = bytes.Clone(raw)
	p.auth.seenLen = m.Len()
	p.auth.dirty = true
	return id, nil
}

// AddStatement stores a statement another device signed (a joining
// device's invite redemption, say) if it counts: one the rules reject, or
// that waits for statements this plan does not have, is refused with the
// reason and not written.
func (p *Plan) AddStatement(raw []byte) (authority.ID, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return authority.ID{}, err
	}
	id := authority.StatementID(raw)
	if _, err := p.authorityLocked(); err != nil {
		return id, err
	}
	if _, ok := p.auth.known[id]; ok {
		return id, nil
	}
	stmts := make([][]byte, 0, len(p.auth.known)+1)
	for _, r := range p.auth.known {
		stmts = append(stmts, r)
	}
	stmts = append(stmts, raw)
	st, err := p.auth.ev.Evaluate(p.id, stmts)
	if err != nil {
		return id, err
	}
	if r, ok := st.Rejection(id); ok {
		return id, r.Err
	}
	if !st.Valid(id) {
		return id, fmt.Errorf("%w: statement %s waits for statements this plan does not have", authority.ErrUnknownRef, id.Short())
	}
	if _, err := p.putStatementLocked(raw); err != nil {
		return id, err
	}
	s, _ := st.Statement(id)
	p.touch(p.describeStatement(st, s.Body))
	return id, nil
}

// describeStatement is a change message for a statement.
func (p *Plan) describeStatement(st *authority.State, body authority.Body) string {
	name := func(d authority.Device) string {
		if m, ok := st.Member(d); ok {
			return m.Name
		}
		return d.Short()
	}
	switch b := body.(type) {
	case authority.AddMember:
		return "Add member " + b.Name
	case authority.RemoveMember:
		return "Remove member " + name(b.Member)
	case authority.GrantRole:
		return fmt.Sprintf("Give %s the %s role", name(b.Member), b.Role)
	case authority.RevokeRole:
		return fmt.Sprintf("Take the %s role from %s", b.Role, name(b.Member))
	case authority.LinkDevice:
		return "Link a device to " + name(b.Member)
	case authority.UnlinkDevice:
		return "Unlink a device of " + name(b.Device)
	case authority.RegisterKey:
		return "Register signing key of " + name(b.Member)
	case authority.RevokeKey:
		return "Revoke signing key " + b.Fingerprint
	case authority.Settings:
		return "Change the plan's settings"
	case authority.Invite:
		return "Invite a device"
	case authority.Redemption:
		return "Join by invite: " + b.Name
	case authority.ConfirmClaim:
		return "Confirm member " + b.Name
	case authority.Endorsement:
		return "Endorse version " + b.Label
	case authority.Release:
		return "Sign release " + b.Label
	case authority.NamedDraft:
		return "Name draft " + b.Label
	case authority.MeetingStart:
		return "Start meeting " + b.Title
	case authority.MeetingEnd:
		return "End meeting"
	case authority.Attestation:
		return "Sign authored changes"
	}
	return "Add a signed statement"
}

// foundLocked writes the statements map and the genesis into a new
// document and returns the plan ID derived from the genesis.
func (p *Plan) foundLocked(upgradedFrom string) (string, error) {
	a := p.author
	if a.Key == nil {
		return "", fmt.Errorf("%w: a plan is founded by a device key", ErrNoDeviceKey)
	}
	if strings.TrimSpace(a.Name) == "" || (a.Side != Government && a.Side != CivilSociety) {
		return "", fmt.Errorf("%w: the founder needs a name and a side (set your profile first)", ErrInvalid)
	}
	id, genesis, err := authority.Found(a.Key, strings.TrimSpace(a.Name), strings.TrimSpace(a.Org), authority.Side(a.Side), upgradedFrom, time.Now())
	if err != nil {
		return "", err
	}
	if err := p.d.RootMap().Set(statementsKey, am.NewMap()); err != nil {
		return "", err
	}
	p.id = id
	if _, err := p.putStatementLocked(genesis); err != nil {
		return "", err
	}
	return id, nil
}

// checkGenesisLocked says whether the document holds its plan's genesis:
// a statement whose ID's first half is the plan ID. It reads the statements
// map, which evaluating the authority needs next anyway, so an open reads
// the map once.
func (p *Plan) checkGenesisLocked() bool {
	if p.id == "" {
		return false
	}
	p.readStatementsLocked()
	for id, raw := range p.auth.known {
		if authority.PlanIDOf(id) != p.id {
			continue
		}
		if st, err := authority.Parse(raw); err == nil && st.Kind == authority.KindGenesis {
			return true
		}
	}
	return false
}

// deviceOfPeer turns a peer ID into a device, with doc's error.
func deviceOfPeer(peerID string) (authority.Device, error) {
	d, err := authority.ParsePeerID(strings.TrimSpace(peerID))
	if err != nil {
		return d, fmt.Errorf("%w: %q is not a device's peer ID", ErrInvalid, peerID)
	}
	return d, nil
}

// DeviceKey is the Ed25519 private key inside a libp2p private key's raw
// bytes (crypto.PrivKey.Raw of an Ed25519 key: 64 bytes, seed and public
// key), checked.
func DeviceKey(raw []byte) (ed25519.PrivateKey, error) {
	if len(raw) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: a device key is %d bytes, got %d", ErrInvalid, ed25519.PrivateKeySize, len(raw))
	}
	k := ed25519.NewKeyFromSeed(raw[:ed25519.SeedSize])
	if !bytes.Equal(k, raw) {
		return nil, fmt.Errorf("%w: the device key's public half does not match its seed", ErrInvalid)
	}
	return k, nil
}

// verifiedFile holds, in a plan's folder, the IDs of the statements whose
// signatures this device has checked: opening the plan then checks only
// the new ones. An ID is the SHA-256 of a statement's bytes, so an entry
// says only "these exact bytes verified". The file is sealed with a MAC
// under a key derived from this device's private key and bound to the plan
// ID: whoever can write the folder but lacks the device key cannot add an
// entry, and a file that does not check (tampered, truncated, another
// device's or plan's, the older unsealed form) is ignored whole, which
// costs the checks it would have spared and nothing else. It is
// rebuildable: lose it and the next open checks every signature again.
// Without a device key nothing is trusted or written.
const verifiedFile = "verified-statements"

// verifiedMagic starts a sealed verifiedFile (version 2; version 1 was the
// bare IDs).
const verifiedMagic = "coplan-verified-2\n"

// verifiedMAC is the seal of a verifiedFile's IDs for plan planID.
func verifiedMAC(key ed25519.PrivateKey, planID string, ids []byte) []byte {
	k := hmac.New(sha256.New, key.Seed())
	k.Write([]byte("coplan verified-statements key"))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte(verifiedMagic))
	m.Write([]byte(planID))
	m.Write([]byte{0})
	m.Write(ids)
	return m.Sum(nil)
}

// sealVerified is the contents of a verifiedFile listing ids.
func sealVerified(key ed25519.PrivateKey, planID string, ids []authority.ID) []byte {
	raw := make([]byte, 0, len(verifiedMagic)+32*len(ids)+sha256.Size)
	raw = append(raw, verifiedMagic...)
	for _, id := range ids {
		raw = append(raw, id[:]...)
	}
	return append(raw, verifiedMAC(key, planID, raw[len(verifiedMagic):])...)
}

// openVerified reads a verifiedFile: its IDs, if its seal checks.
func openVerified(key ed25519.PrivateKey, planID string, raw []byte) ([]authority.ID, bool) {
	body, ok := bytes.CutPrefix(raw, []byte(verifiedMagic))
	if !ok || len(body) < sha256.Size || (len(body)-sha256.Size)%32 != 0 {
		return nil, false
	}
	list, mac := body[:len(body)-sha256.Size], body[len(body)-sha256.Size:]
	if !hmac.Equal(mac, verifiedMAC(key, planID, list)) {
		return nil, false
	}
	ids := make([]authority.ID, len(list)/32)
	for i := range ids {
		copy(ids[i][:], list[i*32:])
	}
	return ids, true
}

// loadVerifiedLocked hands the evaluator the IDs checked in earlier runs,
// if their seal checks.
func (p *Plan) loadVerifiedLocked() {
	if p.store == nil || p.author.Key == nil {
		return
	}
	raw, err := os.ReadFile(filepath.Join(p.store.Dir(), verifiedFile))
	if err != nil {
		return
	}
	ids, ok := openVerified(p.author.Key, p.id, raw)
	if !ok {
		p.log.Debug("verified-statements file ignored: its seal does not check", "plan", p.id)
		return
	}
	p.auth.ev.Trust(ids)
	p.auth.savedVerified = len(ids)
}

// saveVerifiedLocked keeps the IDs checked so far, sealed, when more than
// last time.
func (p *Plan) saveVerifiedLocked() {
	if p.store == nil || p.author.Key == nil {
		return
	}
	ids := p.auth.ev.Verified()
	if len(ids) <= p.auth.savedVerified {
		return
	}
	if err := atomicfile.WriteFileQuick(filepath.Join(p.store.Dir(), verifiedFile), sealVerified(p.author.Key, p.id, ids), 0o600); err == nil {
		p.auth.savedVerified = len(ids)
	}
}

// What this device may do, as the rules judge it. The app and the CLI show
// a control only when the answer here is yes; they never restate a rule.

// MemberActions are what this device may do to one member now.
type MemberActions struct {
	Grant       map[string]bool // role -> may give it (roles the member lacks)
	Take        map[string]bool // role -> may take it (roles the member holds)
	Remove      bool
	Confirm     bool            // may confirm the member's claimed name, organisation and side
	RegisterKey bool            // may register a signing key to the member
	RevokeKey   map[string]bool // fingerprint -> may revoke (the member's unrevoked keys)
	Unlink      map[string]bool // peer ID -> may unlink that device (not the member's first)
}

// Any reports whether any control applies.
func (a MemberActions) Any() bool {
	return a.Remove || a.Confirm || a.RegisterKey || len(a.Grant) > 0 || len(a.Take) > 0 || len(a.RevokeKey) > 0 || len(a.Unlink) > 0
}

// PlanActions are what this device may do to the plan's settings now.
type PlanActions struct {
	Invite         bool // may make an invite
	ChangeSettings bool // may change who may invite and the endorsement rule
}

// probeKey is an OpenSSH key nobody else holds, with its private half, to
// ask whether this device may register a key to a member without having
// one in hand (a registration needs a proof made with the key). It is made
// afresh in each process: a fixed one could be registered by anybody, and
// every window would then take the control away as "already registered".
var probeKey, probeSigner = func() (string, ssh.Signer) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.PublicKey()))), s
}()

// Actions says what this device may do to the member a peer ID names. A
// removed member, a plan without authority or a device without a key gets
// nothing.
func (p *Plan) Actions(peerID string) MemberActions {
	out := MemberActions{Grant: map[string]bool{}, Take: map[string]bool{}, RevokeKey: map[string]bool{}, Unlink: map[string]bool{}}
	p.mu.Lock()
	defer p.mu.Unlock()
	st, err := p.authorityLocked()
	if err != nil || p.author.Key == nil || p.readOnly {
		return out
	}
	m, _, err := currentMember(st, peerID)
	if err != nil {
		return out
	}
	me, now := p.Device(), time.Now()
	may := func(b authority.Body) bool { return st.Check(me, b, now) == nil }
	for _, r := range []authority.Role{authority.RoleAdmin, authority.RoleCoChair, authority.RoleMinister} {
		if m.Has(r) {
			if may(authority.NewRevokeRole(m.ID, r)) {
				out.Take[string(r)] = true
			}
		} else if may(authority.NewGrantRole(m.ID, r)) {
			out.Grant[string(r)] = true
		}
	}
	out.Remove = may(authority.NewRemoveMember(m.ID))
	out.Confirm = m.Status != authority.Confirmed && may(authority.NewConfirmClaim(m.ID, m.Name, m.Org, m.Side))
	if b, err := authority.NewRegisterKey(st.PlanID, m.ID, me, probeKey, keyProofSigner(probeSigner)); err == nil {
		out.RegisterKey = may(b)
	}
	for _, k := range st.SigningKeys() {
		if k.Member == m.ID && !k.Revoked && may(authority.NewRevokeKey(k.Fingerprint)) {
			out.RevokeKey[k.Fingerprint] = true
		}
	}
	for _, d := range m.Devices {
		if d != m.ID && may(authority.NewUnlinkDevice(d)) {
			out.Unlink[d.PeerID()] = true
		}
	}
	return out
}

// PlanActions says what this device may do to the plan's settings and
// invites now.
func (p *Plan) PlanActions() PlanActions {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, err := p.authorityLocked()
	if err != nil || p.author.Key == nil || p.readOnly {
		return PlanActions{}
	}
	me, now := p.Device(), time.Now()
	s := st.Settings()
	return PlanActions{Invite: st.CanInvite(me, now),
		ChangeSettings: st.Check(me, authority.NewSettings(!s.AdminsOnlyInvite, s.EndorsementsRequired), now) == nil}
}

// Admins are the current administrators' peer IDs (their member IDs). A
// plan with fewer than two is one lost laptop from nobody being able to
// manage its members: the window warns.
func (p *Plan) Admins() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, err := p.authorityLocked()
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range st.Admins() {
		out = append(out, m.ID.PeerID())
	}
	return out
}

// RefusedStatement is a signed statement in the plan that counts for
// nothing: forged, signed without the authority, or voided by a
// concurrent revocation. It stays in the document (deleting it would
// change nothing: peers that saw it keep it) and is listed, not hidden.
type RefusedStatement struct {
	ID     string    `json:"id"`     // statement ID, hex
	Kind   string    `json:"kind"`   // in words: "grant role"
	Claim  string    `json:"claim"`  // what it claimed, in words: "Give Bea Costa the minister role"
	Signer Author    `json:"signer"` // the device that signed it, named as the plan knows it
	At     time.Time `json:"at"`     // the signer's stated time
	Reason string    `json:"reason"`
	// Writer is who wrote the statement into the document: the member (or
	// claimed author) of the Automerge actor of the change that put it
	// there, verified when that actor's changes are attested. Change is
	// that change's hash ("" if not found), for the sync layer's record of
	// which peer delivered it.
	Writer         Author `json:"writer"`
	WriterVerified bool   `json:"writerVerified"`
	Change         string `json:"change,omitempty"`
}

// RefusedStatements lists the plan's rejected statements, by ID.
func (p *Plan) RefusedStatements() []RefusedStatement {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, err := p.authorityLocked()
	if err != nil || len(st.Rejected) == 0 {
		return nil
	}
	att := p.attributorLocked()
	out := make([]RefusedStatement, 0, len(st.Rejected))
	for _, r := range st.Rejected {
		rs := RefusedStatement{ID: r.ID.String(), Kind: "unreadable statement", Claim: "an unreadable statement", Reason: r.Reason}
		if raw, ok := p.auth.known[r.ID]; ok {
			if s, err := authority.Parse(raw); err == nil {
				rs.Kind, rs.Claim, rs.At = s.Kind.String(), p.describeStatement(st, s.Body), s.Time
			}
		}
		if !r.Signer.IsZero() {
			m, _ := p.whoLocked(r.Signer.PeerID())
			rs.Signer = Author{PeerID: r.Signer.PeerID(), Name: m.Name, Org: m.Org, Side: m.Side}
		}
		if actor, op, ok := p.statementWriterLocked(r.ID); ok {
			rs.Writer, rs.WriterVerified = att.ofActor(actor)
			if rs.Change = p.changeOfOpLocked(actor, op, r.ID); rs.Change != "" {
				if ix, err := p.indexLocked(); err == nil {
					if i, ok := ix.byHash[rs.Change]; ok {
						rs.Writer, rs.WriterVerified = att.of(&ix.recs[i]) // that change, not the actor at large
					}
				}
			}
		}
		out = append(out, rs)
	}
	return out
}

// statementWriterLocked is the actor and op ID of the value the
// statements map holds under id.
func (p *Plan) statementWriterLocked(id authority.ID) (actor, op string, ok bool) {
	vals, err := amext.MapGetAll(p.d, []any{statementsKey}, id.String())
	if err != nil || len(vals) == 0 {
		return "", "", false
	}
	v := vals[len(vals)-1]
	return v.ActorID, v.OpID, true
}

// changeOfOpLocked finds the change of actor that wrote op under the
// statement's key: the first of the actor's changes (by sequence number)
// at which the key holds op. Automerge does not say which change an op
// belongs to, so this searches, in O(log n) reads at past heads; results
// are kept, as a change never changes.
func (p *Plan) changeOfOpLocked(actor, op string, id authority.ID) string {
	if h, ok := p.auth.opChange[op]; ok {
		return h
	}
	ix, err := p.indexLocked()
	if err != nil {
		return ""
	}
	var recs []*changeRec
	for i := range ix.recs {
		if ix.recs[i].actor == actor {
			recs = append(recs, &ix.recs[i])
		}
	}
	slices.SortFunc(recs, func(a, b *changeRec) int { return cmp.Compare(a.seq, b.seq) })
	holds := func(r *changeRec) bool {
		heads, err := amext.ParseHeads(r.hash)
		if err != nil {
			return false
		}
		vals, err := amext.MapGetAllAt(p.d, []any{statementsKey}, id.String(), heads)
		return err == nil && slices.ContainsFunc(vals, func(c amext.Conflict) bool { return c.OpID == op })
	}
	i := sort.Search(len(recs), func(i int) bool { return holds(recs[i]) })
	h := ""
	if i < len(recs) && holds(recs[i]) {
		h = recs[i].hash
	}
	if p.auth.opChange == nil {
		p.auth.opChange = map[string]string{}
	}
	p.auth.opChange[op] = h
	return h
}
