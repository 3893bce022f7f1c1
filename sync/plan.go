package sync

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
	"github.com/coplan/coplan/internal/atomicfile"
	"github.com/coplan/coplan/sync/wire"
)

// planState is one plan being synced: its sessions, what is known of each
// peer, and its files under StateDir/PLAN.
type planState struct {
	n   *Node
	p   *doc.Plan
	id  string
	dir string
	log *slog.Logger

	// Locks: see Node for the order.
	mu        gosync.Mutex // the fields below; only the plan's own lock is taken while held
	sessions  map[peer.ID]*session
	peers     map[peer.ID]*peerRecord
	sightings map[peer.ID]time.Time
	stopped   bool
	cancelSub func()
	// One fetch at a time, after a quiet moment: see considerFetch.
	fetching    *session
	fetchTimer  *time.Timer
	lastArrival time.Time
	lastSession time.Time             // when a session last began
	synced      map[peer.ID]time.Time // last level with each peer, from syncedFile
	syncedSaved time.Time
	invitesOpen int // openInvites, as read at invitesAt
	invitesAt   time.Time
	opening     map[peer.ID]chan struct{} // sessions being opened; closed when done

	mdnsMu gosync.Mutex // outermost: closing the service waits for HandlePeerFound
	mdns   mdns.Service

	fileMu gosync.Mutex // provenance log and known peers file; a leaf

	// ownGen counts the times this device's changes grew (kickAll with
	// own): a session that pushed at ownGen n has nothing of its own
	// left to push until it moves.
	ownGen atomic.Uint64
}

type peerRecord struct {
	lastSeen, lastSynced, levelAt time.Time
	levelCh                       chan struct{} // closed and replaced when level
	stats                         Stats
	problem                       string // why the last attempt to sync failed
	problemAt                     time.Time
}

func newPlanState(n *Node, p *doc.Plan, dir string) *planState {
	return &planState{n: n, p: p, id: p.ID(), dir: dir, log: n.log.With("plan", shortPlan(p.ID())),
		sessions: map[peer.ID]*session{}, peers: map[peer.ID]*peerRecord{}, sightings: map[peer.ID]time.Time{},
		synced: readSynced(dir)}
}

// syncedFile keeps when this device was last level with each peer, so
// "last synced" survives a restart.
const syncedFile = "synced.json"

func readSynced(dir string) map[peer.ID]time.Time {
	out := map[peer.ID]time.Time{}
	raw, err := os.ReadFile(filepath.Join(dir, syncedFile))
	if err != nil {
		return out
	}
	var m map[string]time.Time
	if json.Unmarshal(raw, &m) != nil {
		return out
	}
	for id, t := range m {
		if pid, err := peer.Decode(id); err == nil {
			out[pid] = t
		}
	}
	return out
}

// saveSynced writes syncedFile, at most every few seconds unless forced.
func (ps *planState) saveSynced(force bool) {
	ps.mu.Lock()
	if !force && time.Since(ps.syncedSaved) < 5*time.Second {
		ps.mu.Unlock()
		return
	}
	ps.syncedSaved = time.Now()
	m := make(map[string]time.Time, len(ps.synced))
	for pid, t := range ps.synced {
		m[pid.String()] = t.UTC()
	}
	ps.mu.Unlock()
	raw, _ := json.Marshal(m)
	ps.fileMu.Lock()
	defer ps.fileMu.Unlock()
	if err := atomicfile.WriteFile(filepath.Join(ps.dir, syncedFile), raw, 0o600); err != nil {
		ps.log.Warn("could not save when peers were last synced", "err", err)
	}
}

func (ps *planState) isMember(p peer.ID) bool { return ps.p.IsMember(p.String()) }

// admit decides whether a hello's sender may sync: a current member, or a
// new device with a valid invite from a current member, which is then
// recorded as a member.
func (ps *planState) admit(remote peer.ID, h wire.Hello) error {
	st, err := ps.p.Authority()
	if err != nil {
		return err // a plan without signed authority admits nobody
	}
	dev, err := authority.ParsePeerID(remote.String())
	if err != nil {
		return ErrNotMember
	}
	if st.IsMember(dev) {
		return nil
	}
	if _, removed := st.Removed(dev); removed {
		return ErrRemoved
	}
	if h.Invite == "" {
		return ErrNotMember
	}
	inv, err := ParseInvite(h.Invite)
	if err != nil {
		return err
	}
	now := time.Now()
	if err := inv.Check(ps.id, now); err != nil {
		return err
	}
	if !st.IsMember(mustDevice(inv.Inviter)) {
		return ErrInviterGone
	}
	if inv.Statement.IsZero() {
		return fmt.Errorf("%w: the invite was made by an older Coplan, before signed invites; ask for a new one", ErrInviteUsed)
	}
	// The code names the invite statement; the statement, judged by the
	// plan's rules, decides: open, by this inviter, not redeemed yet. One
	// made by another process on this data folder (coplan invite while
	// coplan serve runs) is read from disk first.
	if st.Invite(inv.Statement, now).Status == authority.InviteUnknown {
		if err := ps.p.Refresh(); err != nil {
			return err
		}
		if st, err = ps.p.Authority(); err != nil {
			return err
		}
	}
	if err := st.CheckInvite(inv.Statement, dev, now); err != nil {
		return fmt.Errorf("%w: %v", ErrInviteUsed, err)
	}
	if st.Invite(inv.Statement, now).InviterDevice != mustDevice(inv.Inviter) {
		return fmt.Errorf("%w: the code and the invite statement name different inviters", ErrInviteForged)
	}
	raw, _ := base64.StdEncoding.DecodeString(h.Redemption) // checked by wire.ParseHello
	red, err := authority.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: redemption: %v", wire.ErrBadHello, err)
	}
	if b, ok := red.Body.(authority.Redemption); !ok || red.Signer != dev || b.Invite != inv.Statement {
		return fmt.Errorf("%w: the redemption is not this device's redemption of this invite", wire.ErrBadHello)
	}
	if _, err := ps.p.AddStatement(raw); err != nil {
		return fmt.Errorf("%w: %v", ErrInviteUsed, err)
	}
	if err := ps.p.Commit(); err != nil {
		return err
	}
	b := red.Body.(authority.Redemption)
	ps.log.Info("new member joined by invite", "peer", shortID(remote), "name", b.Name, "org", b.Org,
		"invitedBy", shortID(inv.Inviter))
	return nil
}

// mustDevice is the device of an Ed25519 peer ID (the zero device for any
// other key type, which is never a member).
func mustDevice(p peer.ID) authority.Device {
	d, _ := authority.ParsePeerID(p.String())
	return d
}

func (ps *planState) session(p peer.ID) *session {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.sessions[p]
}

// register adds a session unless it duplicates a live one. Of two live
// sessions with the same peer, the one opened by the smaller peer ID wins
// on both sides; otherwise the newer wins. A session already closing (its
// stream failed, or a probe found its connection dead) is replaced.
func (ps *planState) register(s *session) bool {
	ps.mu.Lock()
	if ps.stopped {
		ps.mu.Unlock()
		return false
	}
	old := ps.sessions[s.peer]
	if old != nil && !old.isClosing() {
		pref := min(ps.n.h.ID(), s.peer)
		if s.initiator != pref && old.initiator == pref {
			ps.mu.Unlock()
			return false
		}
	}
	ps.sessions[s.peer] = s
	ps.lastSession = time.Now()
	ps.mu.Unlock()
	if old != nil {
		old.log.Debug("superseding a session", "old initiator", shortID(old.initiator), "new initiator", shortID(s.initiator),
			"old closing", old.isClosing(), "same connection", old.s.Conn() == s.s.Conn())
		old.shutdown("superseded by a newer stream")
	}
	return true
}

// beginOpen claims the opening of a session with p; when another is
// under way it returns a channel closed when that one is done.
func (ps *planState) beginOpen(p peer.ID) (<-chan struct{}, bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ch, ok := ps.opening[p]; ok {
		return ch, false
	}
	if ps.opening == nil {
		ps.opening = map[peer.ID]chan struct{}{}
	}
	ps.opening[p] = make(chan struct{})
	return nil, true
}

func (ps *planState) endOpen(p peer.ID) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ch, ok := ps.opening[p]; ok {
		close(ch)
		delete(ps.opening, p)
	}
}

func (ps *planState) isStopped() bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.stopped
}

func (ps *planState) lastSeen(p peer.ID) time.Time {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if r := ps.peers[p]; r != nil {
		return r.lastSeen
	}
	return time.Time{}
}

// noteProblem keeps why syncing with p last failed, for the status.
func (ps *planState) noteProblem(p peer.ID, err error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	r := ps.recordLocked(p)
	r.problem, r.problemAt = err.Error(), time.Now()
}

// memberPeers are the plan's current members other than this device.
func (ps *planState) memberPeers() []peer.ID {
	self := ps.n.h.ID()
	var out []peer.ID
	for _, m := range ps.p.Members() {
		if m.Removed {
			continue
		}
		if pid, err := peer.Decode(m.PeerID); err == nil && pid != self {
			out = append(out, pid)
		}
	}
	return out
}

func (ps *planState) unregister(s *session) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.sessions[s.peer] == s {
		delete(ps.sessions, s.peer)
	}
}

func (ps *planState) record(p peer.ID) *peerRecord {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.recordLocked(p)
}

func (ps *planState) recordLocked(p peer.ID) *peerRecord {
	r := ps.peers[p]
	if r == nil {
		r = &peerRecord{levelCh: make(chan struct{})}
		ps.peers[p] = r
	}
	return r
}

func (ps *planState) seen(p peer.ID) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.recordLocked(p).lastSeen = time.Now()
}

func (ps *planState) addStats(p peer.ID, d Stats) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	st := &ps.recordLocked(p).stats
	st.ChangesSent += d.ChangesSent
	st.ChangesReceived += d.ChangesReceived
	st.BytesSent += d.BytesSent
	st.BytesReceived += d.BytesReceived
	st.LargestFrame = max(st.LargestFrame, d.LargestFrame)
}

func (ps *planState) markLevel(p peer.ID) {
	ps.mu.Lock()
	r := ps.recordLocked(p)
	now := time.Now()
	r.levelAt, r.lastSynced, r.lastSeen = now, now, now
	ps.synced[p] = now
	close(r.levelCh)
	r.levelCh = make(chan struct{})
	s := ps.sessions[p]
	ps.mu.Unlock()
	if s != nil {
		s.saveState()
	}
	ps.saveSynced(false)
}

// watch wakes every session on each commit or merge (its writer pushes
// this device's new changes, those of other processes on the same data
// folder included, and announces the heads), and closes the sessions of
// devices that are no longer members.
func (ps *planState) watch(events <-chan doc.Event) {
	var checked []string // heads up to which own changes were looked for
	self := ps.n.h.ID().String()
	for e := range events {
		heads := ps.p.CommittedHeads()
		own := e.Local
		if !own && e.Remote {
			// Merges bring others' changes, which their authors push;
			// only this device's (another process on the data folder)
			// are for every session to push.
			refs, err := ps.p.ChangesSince(checked)
			for _, r := range refs {
				own = own || r.Device == self
			}
			own = own || err != nil
		}
		checked = heads
		ps.kickAll(own)
	}
}

// kickAll wakes every session's writer, to push this device's changes
// (own) or announce the heads, closing the sessions of devices that are
// no longer members.
func (ps *planState) kickAll(own bool) {
	ps.mu.Lock()
	sessions := make([]*session, 0, len(ps.sessions))
	for _, s := range ps.sessions {
		sessions = append(sessions, s)
	}
	ps.mu.Unlock()
	if own {
		ps.ownGen.Add(1)
	}
	for _, s := range sessions {
		if !ps.isMember(s.peer) {
			s.shutdown("device removed from the plan")
			ps.dropIfStranger(s.peer)
			continue
		}
		if own {
			s.pushOwn.Store(true)
		}
		s.wake()
	}
}

// sessionPeers are the peers with a running session for the plan.
func (ps *planState) sessionPeers() []peer.ID {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	out := make([]peer.ID, 0, len(ps.sessions))
	for pid, s := range ps.sessions {
		if !s.isClosing() {
			out = append(out, pid)
		}
	}
	return out
}

// fetchQuiet is how long a plan waits after changes last arrived, and
// sessionQuiet after a session last began, before fetching heads it lacks:
// what authors push first (as soon as their session is up) is not
// fetched again from a peer that relayed it.
const (
	fetchQuiet   = 150 * time.Millisecond
	sessionQuiet = 500 * time.Millisecond
)

// arrived notes that s brought changes, and offers the changes other
// sessions hold back to the plan again.
func (ps *planState) arrived(from *session) {
	ps.mu.Lock()
	ps.lastArrival = time.Now()
	others := make([]*session, 0, len(ps.sessions))
	for _, s := range ps.sessions {
		if s != from {
			others = append(others, s)
		}
	}
	ps.mu.Unlock()
	for _, s := range others {
		s.retryWaiting()
	}
}

// considerFetch starts a fetch from a peer whose heads this device lacks,
// unless one is in flight: at once when changes it sent wait for
// something, else once no changes have arrived for fetchQuiet.
func (ps *planState) considerFetch() {
	ps.mu.Lock()
	if ps.stopped || ps.fetching != nil && !ps.fetching.isClosing() {
		ps.mu.Unlock()
		return
	}
	ps.fetching = nil
	sessions := make([]*session, 0, len(ps.sessions))
	for _, s := range ps.sessions {
		sessions = append(sessions, s)
	}
	quiet := max(time.Until(ps.lastArrival.Add(fetchQuiet)), time.Until(ps.lastSession.Add(sessionQuiet)))
	ps.mu.Unlock()
	var pick *session
	urgent := false
	for _, s := range sessions {
		need, u := s.needsFetch()
		if !need || s.isClosing() {
			continue
		}
		if pick == nil || u && !urgent {
			pick, urgent = s, u
		}
	}
	if pick == nil {
		return
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if !urgent && quiet > 0 {
		if ps.fetchTimer == nil {
			ps.fetchTimer = time.AfterFunc(quiet, func() {
				ps.mu.Lock()
				ps.fetchTimer = nil
				ps.mu.Unlock()
				ps.considerFetch()
			})
		}
		return
	}
	if ps.fetching != nil || ps.stopped {
		return
	}
	ps.fetching = pick
	pick.log.Debug("fetching what the peer holds and this device lacks", "urgent", urgent)
	pick.requestFetch()
}

// fetchEnded notes that s's fetch was answered or s ended, and looks for
// the next one.
func (ps *planState) fetchEnded(s *session) {
	ps.mu.Lock()
	if ps.fetching == s {
		ps.fetching = nil
	}
	ps.mu.Unlock()
	ps.considerFetch()
}

// dropIfStranger disconnects a device that is a member of no plan here.
func (ps *planState) dropIfStranger(p peer.ID) {
	for _, other := range ps.n.planList() {
		if other.isMember(p) {
			return
		}
	}
	ps.n.h.Network().ClosePeer(p)
}

func (ps *planState) stop() {
	ps.mu.Lock()
	ps.stopped = true
	sessions := make([]*session, 0, len(ps.sessions))
	for _, s := range ps.sessions {
		sessions = append(sessions, s)
	}
	ps.mu.Unlock()
	if ps.cancelSub != nil {
		ps.cancelSub()
	}
	ps.stopMDNS()
	var wg gosync.WaitGroup
	for _, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.finish("plan sync stopped")
			s.saveState()
		}()
	}
	wg.Wait()
	ps.saveSynced(true)
}

func (ps *planState) peerInfos() []PeerStatus {
	self := ps.n.h.ID().String()
	ps.mu.Lock()
	defer ps.mu.Unlock()
	var out []PeerStatus
	for _, m := range ps.p.Members() {
		if m.PeerID == self || m.Removed {
			continue
		}
		pid, err := peer.Decode(m.PeerID)
		if err != nil {
			continue
		}
		st := PeerStatus{ID: m.PeerID, Name: m.Name, LastSynced: ps.synced[pid]}
		if r := ps.peers[pid]; r != nil {
			st.LastSeen, st.Stats = r.lastSeen, r.stats
			if r.lastSynced.After(st.LastSynced) {
				st.LastSynced = r.lastSynced
			}
			if r.problem != "" && r.problemAt.After(r.levelAt) {
				st.Problem, st.problemAt = r.problem, r.problemAt
			}
		}
		if ps.sessions[pid] != nil {
			st.Connected = true
			st.LastSeen = time.Now()
		}
		st.Reachable = st.Connected || ps.n.isConnected(pid)
		out = append(out, st)
	}
	return out
}

// Files under StateDir/PLAN.

func (ps *planState) syncStatePath(p peer.ID) string {
	return filepath.Join(ps.dir, "peers", p.String()+".sync")
}

// recordDelivery appends "hash peer unix-time" lines: which authenticated
// peer delivered which change. Changes are not signed; this is the record.
func (ps *planState) recordDelivery(p peer.ID, hashes []string) error {
	ps.fileMu.Lock()
	defer ps.fileMu.Unlock()
	f, err := os.OpenFile(filepath.Join(ps.dir, "provenance.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	var b strings.Builder
	now := strconv.FormatInt(time.Now().Unix(), 10)
	for _, h := range hashes {
		b.WriteString(h + " " + p.String() + " " + now + "\n")
	}
	_, err = f.WriteString(b.String())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ReadProvenance reads a plan's delivery record (change hash -> peer ID)
// from its state folder.
func ReadProvenance(dir string) (map[string]string, error) {
	out := map[string]string{}
	f, err := os.Open(filepath.Join(dir, "provenance.log"))
	if os.IsNotExist(err) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 {
			if _, dup := out[fields[0]]; !dup {
				out[fields[0]] = fields[1]
			}
		}
	}
	return out, sc.Err()
}

const knownPeersFile = "peers.json"

// Bounds on peers.json: a few addresses per peer, those that last worked
// first, and a few hundred peers. Each one-off `coplan sync` listens on a
// new port, so addresses learned from peers come and go; unbounded, they
// grew without end and were all dialled.
const (
	maxKnownAddrs = 4
	maxKnownPeers = 256
)

// knownAddr is one place a peer was found.
type knownAddr struct {
	Addr string    `json:"addr"`
	OK   time.Time `json:"ok,omitzero"`   // last connection dialled through it
	Seen time.Time `json:"seen,omitzero"` // last learned (from the peer, an invite, the user)
}

func (k knownAddr) last() time.Time {
	if k.OK.After(k.Seen) {
		return k.OK
	}
	return k.Seen
}

// readKnownPeers reads peers.json: per peer ID its addresses, those that
// last worked first. The older form (a list of strings) reads too.
func readKnownPeers(dir string) map[string][]knownAddr {
	raw, err := os.ReadFile(filepath.Join(dir, knownPeersFile))
	m := map[string][]knownAddr{}
	if err != nil {
		return m
	}
	var entries map[string]json.RawMessage
	if json.Unmarshal(raw, &entries) != nil {
		return m
	}
	for id, e := range entries {
		var ks []knownAddr
		if json.Unmarshal(e, &ks) != nil {
			var old []string
			if json.Unmarshal(e, &old) != nil {
				continue
			}
			for _, a := range old {
				ks = append(ks, knownAddr{Addr: a})
			}
		}
		m[id] = pruneAddrs(ks)
	}
	return m
}

// pruneAddrs orders addresses, those that worked last first, then those
// learned last, and keeps maxKnownAddrs of them, once each.
func pruneAddrs(ks []knownAddr) []knownAddr {
	seen := map[string]bool{}
	out := ks[:0]
	for _, k := range ks {
		if k.Addr != "" && !seen[k.Addr] {
			seen[k.Addr] = true
			out = append(out, k)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].OK.Equal(out[j].OK) {
			return out[i].OK.After(out[j].OK)
		}
		return out[i].Seen.After(out[j].Seen)
	})
	return out[:min(len(out), maxKnownAddrs)]
}

func writeKnownPeers(dir string, m map[string][]knownAddr) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if len(m) > maxKnownPeers {
		ids := make([]string, 0, len(m))
		for id := range m {
			ids = append(ids, id)
		}
		latest := func(id string) time.Time {
			var t time.Time
			for _, k := range m[id] {
				if k.last().After(t) {
					t = k.last()
				}
			}
			return t
		}
		sort.Slice(ids, func(i, j int) bool { return latest(ids[i]).After(latest(ids[j])) })
		for _, id := range ids[maxKnownPeers:] {
			delete(m, id)
		}
	}
	raw, _ := json.MarshalIndent(m, "", "  ")
	return atomicfile.WriteFile(filepath.Join(dir, knownPeersFile), raw, 0o600)
}

func (ps *planState) knownPeers() map[peer.ID][]ma.Multiaddr {
	ps.fileMu.Lock()
	defer ps.fileMu.Unlock()
	out := map[peer.ID][]ma.Multiaddr{}
	for id, addrs := range readKnownPeers(ps.dir) {
		pid, err := peer.Decode(id)
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if m, err := ma.NewMultiaddr(a.Addr); err == nil {
				out[pid] = append(out[pid], m)
			}
		}
	}
	return out
}

// rememberPeer keeps where a member was found so a restarted node can
// dial it: working are addresses a connection was just dialled through,
// learned those the peer announced.
func (ps *planState) rememberPeer(p peer.ID, working, learned []ma.Multiaddr) {
	if len(working)+len(learned) == 0 {
		return
	}
	now := time.Now().UTC().Truncate(time.Second)
	ps.fileMu.Lock()
	defer ps.fileMu.Unlock()
	m := readKnownPeers(ps.dir)
	before, _ := json.Marshal(m[p.String()])
	ks := m[p.String()]
	upsert := func(a ma.Multiaddr, ok bool) {
		s := a.String()
		for i := range ks {
			if ks[i].Addr == s {
				if ok {
					ks[i].OK = now
				} else {
					ks[i].Seen = now
				}
				return
			}
		}
		k := knownAddr{Addr: s, Seen: now}
		if ok {
			k.OK = now
		}
		ks = append(ks, k)
	}
	for _, a := range learned {
		upsert(a, false)
	}
	for _, a := range working {
		upsert(a, true)
	}
	m[p.String()] = pruneAddrs(ks)
	if after, _ := json.Marshal(m[p.String()]); string(after) == string(before) {
		return
	}
	if err := writeKnownPeers(ps.dir, m); err != nil {
		ps.log.Warn("could not remember peer addresses", "err", err)
	}
}

// rememberConns records the addresses this node dialled its live
// connections to p through, and those p announced.
func (ps *planState) rememberConns(p peer.ID) {
	var working []ma.Multiaddr
	for _, c := range ps.n.h.Network().ConnsToPeer(p) {
		if c.Stat().Direction == network.DirOutbound {
			working = append(working, c.RemoteMultiaddr())
		}
	}
	ps.rememberPeer(p, working, ps.n.h.Peerstore().Addrs(p))
}

// AddKnownPeer records a multiaddr ending in /p2p/ID as a place to find a
// member of the plan; the app and `coplan serve` dial it.
func AddKnownPeer(stateDir, planID, addr string) (*peer.AddrInfo, error) {
	if !doc.ValidPlanID(planID) {
		return nil, fmt.Errorf("%w: plan ID %q", doc.ErrInvalid, planID)
	}
	info, err := ParsePeerAddr(addr)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(stateDir, planID)
	known := readKnownPeers(dir)
	ks := known[info.ID.String()]
	now := time.Now().UTC().Truncate(time.Second)
	var added []knownAddr
	for _, a := range info.Addrs {
		added = append(added, knownAddr{Addr: a.String(), Seen: now})
	}
	// What the user gives goes first among what has not worked yet.
	known[info.ID.String()] = pruneAddrs(append(added, ks...))
	return &info, writeKnownPeers(dir, known)
}

// RecordInvite notes an issued invite so the node's gate lets unknown
// devices in (to present it) until it expires.
func RecordInvite(stateDir string, inv *Invite) error {
	dir := filepath.Join(stateDir, inv.Plan)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, "invites"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "%d %x\n", inv.Expires.Unix(), inv.Nonce)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// openInvites counts the invites issued here for the plan that have not
// expired. The gate asks on every unknown connection, so the answer is
// kept for a second.
func (ps *planState) openInvites() int {
	ps.mu.Lock()
	if time.Since(ps.invitesAt) < time.Second {
		n := ps.invitesOpen
		ps.mu.Unlock()
		return n
	}
	ps.mu.Unlock()
	n := 0
	if raw, err := os.ReadFile(filepath.Join(ps.dir, "invites")); err == nil {
		now := time.Now().Unix()
		for _, line := range strings.Split(string(raw), "\n") {
			f := strings.Fields(line)
			if len(f) == 0 {
				continue
			}
			if exp, err := strconv.ParseInt(f[0], 10, 64); err == nil && exp > now {
				n++
			}
		}
	}
	ps.mu.Lock()
	ps.invitesOpen, ps.invitesAt = n, time.Now()
	ps.mu.Unlock()
	return n
}

// forgetInvites makes the next openInvites read the file again (an invite
// was just issued).
func (ps *planState) forgetInvites() {
	ps.mu.Lock()
	ps.invitesAt = time.Time{}
	ps.mu.Unlock()
}
