package sync

import (
	"fmt"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/sync/wire"
)

// Presence: who is here and what they have open, carried as presence
// frames on the sync streams (wire.Presence) and never stored in the plan:
// no commit, no change, nothing on disk. Each device tells its direct
// peers only; presence is not relayed, since the devices of a room sync
// full mesh and a member not connected here is not "here". A frame goes
// out only when this device's presence changed, coalesced: a change of
// what is open after presenceGap, a cursor that moved with the next frame
// written anyway (the changes typed, pushed as they are committed) or
// once it rests presenceQuiet, and never later than presenceMaxDelay. A
// stream with nothing else to say for presenceBeat sends a heartbeat of
// a few bytes, and a peer not heard from for presenceExpiry is no longer
// shown, so a colleague whose laptop vanished goes within seconds, before
// the connection itself is known dead.
const (
	presenceGap   = 250 * time.Millisecond
	presenceQuiet = 400 * time.Millisecond
	// presenceMaxDelay is past the commit policy's Max, so a cursor
	// moving through a run of typing goes with the pushes.
	presenceMaxDelay = 2500 * time.Millisecond
	presenceBeat     = 2 * time.Second
	presenceExpiry   = 6 * time.Second
)

// The parts of a plan Presence.Item names besides a commitment (the
// app's presence uses the same strings).
const (
	ItemOverview = "overview" // the overview and vision
	ItemTimeline = "timeline"
	ItemNotes    = "notes" // a meeting's notes: Note names the meeting
)

// Presence is what this device has open, as the app reports it.
type Presence struct {
	// Item is the part of the plan open when it is not a commitment:
	// ItemOverview, ItemTimeline or ItemNotes; "" a commitment, or
	// nothing when Commitment is "" too.
	Item       string
	Commitment string // the commitment open; "" none
	Note       string // with ItemNotes, the meeting note open; "" none chosen
	Field      string // the field being edited (title, description, ...); "" none
	// Cursor is the caret's offset in Field's text in code points; < 0
	// none. Before is the text just before it (the last few code points
	// are kept), so a peer can find the caret again after concurrent
	// edits moved the text under it.
	Cursor int
	Before string
}

// Colleague is a member device connected to this one, with what it has
// open.
type Colleague struct {
	PeerID string
	Name   string
	Org    string
	Side   doc.Side
	Presence
	Seq      uint64    // rises with each presence change the device tells
	LastSeen time.Time // last heard from
	// Shares is false for a device that sends no presence (an older
	// Coplan): it is connected, and nothing is known of what it has open.
	Shares bool
}

// presenceHub is the node's presence, per plan ID, kept across a plan's
// Stop and Start.
type presenceHub struct {
	off bool // say no presence in hellos and welcomes (benchmarks' baseline); set before Start

	mu        gosync.Mutex // a leaf
	local     map[string]wire.Presence
	changedAt map[string]time.Time
	remote    map[string]map[peer.ID]remotePresence
	watchers  map[string]map[int]chan struct{}
	nextWatch int
}

type remotePresence struct {
	s *session // the session it came on
	p wire.Presence
}

// SetPresence reports what this device has open in a plan; its peers are
// told, coalesced. It may be called on every keystroke.
func (n *Node) SetPresence(planID string, p Presence) {
	cur := toWire(p)
	if cur.Field == "" || cur.Cursor < 0 {
		cur.Cursor, cur.Before = -1, ""
	}
	h := &n.pres
	h.mu.Lock()
	if h.local == nil {
		h.local, h.changedAt = map[string]wire.Presence{}, map[string]time.Time{}
	}
	old, ok := h.local[planID]
	if !ok {
		old = wire.NoPresence
	}
	cur.Seq = old.Seq
	if cur == old {
		h.mu.Unlock()
		return
	}
	cur.Seq++
	h.local[planID] = cur
	h.changedAt[planID] = time.Now()
	h.mu.Unlock()
	if ps := n.plan(planID); ps != nil {
		for _, s := range ps.liveSessions() {
			s.wakePresence()
		}
	}
}

// toWire is what a presence frame carries of p; an item this side does
// not know is nothing open.
func toWire(p Presence) wire.Presence {
	w := wire.Presence{Field: clip(p.Field), Cursor: p.Cursor, Before: lastRunes(p.Before, wire.MaxPresenceContext)}
	switch p.Item {
	case "":
		w.ID = clip(p.Commitment)
	case ItemOverview:
		w.Kind = wire.OpenOverview
	case ItemTimeline:
		w.Kind = wire.OpenTimeline
	case ItemNotes:
		w.Kind, w.ID = wire.OpenNote, clip(p.Note)
	default:
		w.Field = ""
	}
	return w
}

// fromWire is the presence a frame left.
func fromWire(w wire.Presence) Presence {
	p := Presence{Field: w.Field, Cursor: w.Cursor, Before: w.Before}
	switch w.Kind {
	case wire.OpenCommitment:
		p.Commitment = w.ID
	case wire.OpenOverview:
		p.Item = ItemOverview
	case wire.OpenTimeline:
		p.Item = ItemTimeline
	case wire.OpenNote:
		p.Item, p.Note = ItemNotes, w.ID
	}
	return p
}

// clip drops an ID longer than a presence frame carries (none is).
func clip(s string) string {
	if len(s) > 64 || !utf8.ValidString(s) {
		return ""
	}
	return s
}

func lastRunes(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	if k := utf8.RuneCountInString(s); k > n {
		rs := []rune(s)
		s = string(rs[k-n:])
	}
	return s
}

func (n *Node) localPresence(planID string) (wire.Presence, time.Time) {
	h := &n.pres
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := h.local[planID]
	if !ok {
		p = wire.NoPresence
	}
	return p, h.changedAt[planID]
}

// Presence lists the member devices connected to this one for a plan,
// with what each has open, by name.
func (n *Node) Presence(planID string) []Colleague {
	ps := n.plan(planID)
	if ps == nil {
		return nil
	}
	sessions := ps.liveSessions()
	h := &n.pres
	h.mu.Lock()
	remote := map[peer.ID]remotePresence{}
	for pid, r := range h.remote[planID] {
		remote[pid] = r
	}
	h.mu.Unlock()
	var out []Colleague
	for _, s := range sessions {
		m, ok := ps.p.Member(s.peer.String())
		if !ok || m.Removed {
			continue
		}
		heard := s.lastHeard()
		if s.pres.ok && time.Since(heard) > presenceExpiry {
			continue // vanished: the connection is not known dead yet
		}
		c := Colleague{PeerID: m.PeerID, Name: m.Name, Org: m.Org, Side: m.Side, LastSeen: heard, Shares: s.pres.ok,
			Presence: Presence{Cursor: -1}}
		if r, ok := remote[s.peer]; ok && r.s == s {
			c.Presence = fromWire(r.p)
			c.Seq = r.p.Seq
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Colleague) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.PeerID, b.PeerID)
	})
	return out
}

// WatchPresence signals, coalesced, whenever what Presence returns for the
// plan may have changed: a colleague came, went, vanished, or moved. The
// plan need not be started yet. Call stop when done.
func (n *Node) WatchPresence(planID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h := &n.pres
	h.mu.Lock()
	if h.watchers == nil {
		h.watchers = map[string]map[int]chan struct{}{}
	}
	if h.watchers[planID] == nil {
		h.watchers[planID] = map[int]chan struct{}{}
	}
	id := h.nextWatch
	h.nextWatch++
	h.watchers[planID][id] = ch
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.watchers[planID], id)
		h.mu.Unlock()
	}
}

func (n *Node) presenceChanged(planID string) {
	h := &n.pres
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ch := range h.watchers[planID] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// presenceVersion is the presence version this node says it reads.
func (n *Node) presenceVersion() int {
	if n.pres.off {
		return 0
	}
	return wire.PresenceVersion
}

// presenceWith is the presence version spoken with a peer that reads up
// to v: the lower of the two; 0 none.
func (n *Node) presenceWith(v int) int {
	if n.pres.off || v < 1 {
		return 0
	}
	return min(v, wire.PresenceVersion)
}

// welcomePresence is the presence version a welcome answers a hello
// giving v with: the one spoken, so a version 1 peer (which takes only
// its own) reads presence too; ours to a peer that reads none.
func (n *Node) welcomePresence(v int) int {
	if w := n.presenceWith(v); w > 0 {
		return w
	}
	return n.presenceVersion()
}

// setPresenceVersion notes the presence version spoken on the session.
func (s *session) setPresenceVersion(v int) {
	s.pres.v = s.n.presenceWith(v)
	s.pres.ok = s.pres.v > 0
}

// liveSessions are the plan's sessions not closing.
func (ps *planState) liveSessions() []*session {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	out := make([]*session, 0, len(ps.sessions))
	for _, s := range ps.sessions {
		if !s.isClosing() {
			out = append(out, s)
		}
	}
	return out
}

// sessionPresence is a session's presence state.
type sessionPresence struct {
	ok   bool          // the peer reads presence frames (set before the session runs)
	v    int           // the presence version spoken, with ok
	kick chan struct{} // wakes the writer for presence alone

	in wire.Presence // what the peer's frames left; the reader's alone

	// The writer's alone:
	out     wire.Presence // what we sent last
	sent    bool          // anything sent yet
	at      time.Time     // when last sent
	pending time.Time     // when what we have to send first differed from out
	timer   *time.Timer
	gone    atomic.Bool // the peer was shown as vanished
	// Heartbeats: the bytes written at the last tick and since when none
	// have been.
	lastBytes int64
	quiet     time.Time
}

// gotPresence applies a presence frame from the peer; a malformed one
// fails the session as any frame does.
// A device that is no longer a member is not shown.
func (s *session) gotPresence(body []byte) error {
	p, err := wire.ParsePresence(body, s.pres.in)
	if err != nil {
		return err
	}
	if wire.BeforeFromText(body) {
		if text, heads, ok := s.presenceText(p); ok && s.peerSaidOK && slices.Equal(heads, s.peerSaid) {
			p.Before = beforeCursor(text, p.Cursor)
		}
	}
	s.pres.in = p
	if !s.ps.isMember(s.peer) {
		return nil
	}
	h := &s.n.pres
	h.mu.Lock()
	if h.remote == nil {
		h.remote = map[string]map[peer.ID]remotePresence{}
	}
	if h.remote[s.ps.id] == nil {
		h.remote[s.ps.id] = map[peer.ID]remotePresence{}
	}
	old, had := h.remote[s.ps.id][s.peer]
	h.remote[s.ps.id][s.peer] = remotePresence{s: s, p: p}
	h.mu.Unlock()
	same := had && old.s == s && old.p == p
	if !same || s.pres.gone.Load() {
		s.n.presenceChanged(s.ps.id)
	}
	return nil
}

// endPresence forgets what the peer had open when its session ends.
func (s *session) endPresence() {
	h := &s.n.pres
	h.mu.Lock()
	if r, ok := h.remote[s.ps.id][s.peer]; ok && r.s == s {
		delete(h.remote[s.ps.id], s.peer)
	}
	h.mu.Unlock()
	s.n.presenceChanged(s.ps.id)
}

// presenceBeatDue says whether the writer should send a heartbeat now
// (nothing went out for presenceBeat), and
// notes a peer that vanished (not heard from for presenceExpiry) or came
// back.
func (s *session) presenceBeatDue() bool {
	if !s.pres.ok {
		return false
	}
	gone := time.Since(s.lastHeard()) > presenceExpiry
	if s.pres.gone.Swap(gone) != gone {
		s.n.presenceChanged(s.ps.id)
	}
	// Quiet since the last tick at which bytes had gone out.
	if n := s.fw.BytesWritten(); n != s.pres.lastBytes || s.pres.quiet.IsZero() {
		s.pres.lastBytes, s.pres.quiet = n, time.Now()
	}
	return time.Since(s.pres.quiet) >= presenceBeat-presenceBeat/10
}

// writePresence sends this device's presence if it changed and is due
// (wrote: another frame just went out, so a moved cursor goes with it),
// or a heartbeat (beat). When a change is not due yet, a timer wakes the
// writer when it is.
func (s *session) writePresence(wrote, beat bool) error {
	sp := &s.pres
	if !sp.ok {
		return nil
	}
	cur, changedAt := s.n.localPresence(s.ps.id)
	cur = cur.Downgrade(sp.v)
	// Seq counts the frames that changed something, one each: a rise
	// of one compresses with the frame before.
	if sp.sent {
		cur.Seq = sp.out.Seq
	}
	now := time.Now()
	if cur == sp.out && sp.sent {
		if !beat {
			return nil
		}
	} else if !beat {
		if sp.pending.IsZero() {
			sp.pending = now
		}
		openChanged := !sp.sent || cur.Kind != sp.out.Kind || cur.ID != sp.out.ID || cur.Field != sp.out.Field
		next := earliest(changedAt.Add(presenceQuiet), sp.pending.Add(presenceMaxDelay))
		if openChanged {
			next = earliest(next, sp.at.Add(presenceGap))
		}
		if !wrote && now.Before(next) {
			if sp.timer != nil {
				sp.timer.Stop()
			}
			sp.timer = time.AfterFunc(next.Sub(now), s.wakePresence)
			return nil
		}
	}
	var err error
	if cur == sp.out && sp.sent {
		err = s.write(wire.FramePresence, nil) // a heartbeat: two bytes
	} else {
		// In the bundle, with the push it follows if any: the text
		// before the cursor was just typed.
		if sp.sent {
			cur.Seq++
		}
		payload := wire.EncodePresence(sp.out, cur)
		if sp.v >= 3 && cur.Before != sp.out.Before && s.beforeReadsSo(cur) {
			payload = wire.EncodePresenceFromText(sp.out, cur)
		}
		err = s.put(wire.FramePresence, payload)
	}
	if err != nil {
		return fmt.Errorf("presence: %w", err)
	}
	sp.out, sp.sent, sp.at, sp.pending = cur, true, now, time.Time{}
	return nil
}

// presenceText is the text of the field a presence has its cursor in,
// as of the last commit or merge, and the heads it is read at; false
// while edits of it are pending or when the field is not one of the
// plan's texts presence names.
func (s *session) presenceText(p wire.Presence) (string, []string, bool) {
	var ref doc.TextRef
	switch {
	case p.Cursor < 0:
		return "", nil, false
	case p.Kind == wire.OpenCommitment && p.ID != "" && slices.Contains(doc.CommitmentTextFields, p.Field):
		ref = doc.CommitmentText(p.ID, p.Field)
	case p.Kind == wire.OpenOverview && p.Field == doc.VisionText().Field:
		ref = doc.VisionText()
	case p.Kind == wire.OpenNote && p.ID != "" && p.Field == doc.NoteBody(p.ID).Field:
		ref = doc.NoteBody(p.ID)
	default:
		return "", nil, false
	}
	text, heads, ok, err := s.ps.p.TextIfCommitted(ref)
	return text, heads, ok && err == nil
}

// beforeReadsSo says whether a peer holding the heads we said last reads
// p's Before from its text: ours reads so there, with nothing pending,
// and those heads are ours.
func (s *session) beforeReadsSo(p wire.Presence) bool {
	text, heads, ok := s.presenceText(p)
	return ok && slices.Equal(heads, s.sentHeads) && beforeCursor(text, p.Cursor) == p.Before
}

// beforeCursor is what a presence frame carries of the text before a
// cursor at offset c (in code points); "" when c is past the text.
func beforeCursor(text string, c int) string {
	rs := []rune(text)
	if c < 0 || c > len(rs) {
		return ""
	}
	return string(rs[max(0, c-wire.MaxPresenceContext):c])
}

func (s *session) wakePresence() {
	select {
	case s.pres.kick <- struct{}{}:
	default:
	}
}

// stopPresence ends the writer's presence timer.
func (s *session) stopPresence() {
	if s.pres.timer != nil {
		s.pres.timer.Stop()
	}
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
