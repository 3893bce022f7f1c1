package sync

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/internal/atomicfile"
	"github.com/coplan/coplan/sync/wire"
)

var errDuplicate = errors.New("a sync session with this peer is already open")

// fetchReq is a fetch from the peer: its number, and the devices whose
// changes to leave out (they push their own to the peer).
type fetchReq struct {
	seq     uint64
	authors map[string]bool // peer IDs
}

// Limits of a session.
const (
	// maxWaiting bounds the changes held back because they build on one
	// not yet here; past it they are dropped and the peer asked to send
	// them again (a fetch with reset).
	maxWaiting = 2 * wire.MaxFrame
	// maxKnown bounds the hashes remembered as held by the peer.
	maxKnown = 64
)

// session is one /coplan/sync/1 stream with one peer for one plan: a
// reader that applies the peer's changes and notes what it holds, and a
// writer that tells the peer what this side holds and sends it what it
// lacks.
//
// What crosses, and when: each side opens with a state (its heads, the
// heads both held when last level, and the changes it holds beyond
// those). Then each side pushes, unasked, only the changes its own device
// made that the peer lacks: in a room every change goes from its author
// to each peer once, not again from every peer that has it. Heads go out
// whenever they change: what one writing pass says (changes, heads,
// presence) goes as one compressed bundle, the heads as an advance or
// an echo where those give them (wire: bundle.go). A side that sees heads it lacks (a change
// relayed from a member not here) fetches them, from one peer at a time
// and after a quiet moment, so what the authors push first is not fetched
// twice (planState.considerFetch).
type session struct {
	n         *Node
	ps        *planState
	peer      peer.ID
	initiator peer.ID // who opened the stream
	s         network.Stream
	fr        *wire.Reader
	fw        *wire.Writer
	log       *slog.Logger

	kick      chan struct{}
	graceful  atomic.Bool // closed by shutdown, not by a protocol error
	flushLast atomic.Bool // the writer says our heads once more before the stream closes
	closing   chan struct{}
	writerEnd chan struct{} // closed when the writer returns
	closeOnce gosync.Once
	heardAt   atomic.Int64 // unix nanoseconds of the last frame read
	pushOwn   atomic.Bool  // this device made changes the peer may lack

	// recvMu is held from merging changes until their delivery is
	// recorded (taking planState.mu and planState.fileMu on the way), so
	// checkLevel can wait for a merge in progress.
	recvMu gosync.Mutex

	mu         gosync.Mutex // the fields below; a leaf
	begun      bool
	peerHeads  []string          // what the peer last said it holds (nil: nothing yet)
	peerState  bool              // the peer's opening state arrived
	known      []string          // hashes the peer holds, with their history
	sent       map[string]bool   // changes sent this session (the stream delivers them)
	have       map[string]uint64 // the clock the peer gave in its last state
	base       []string          // heads when last level with the peer, kept across sessions
	fetchSeq   uint64            // our fetches so far
	fetchOut   uint64            // a fetch to send
	fetchWait  uint64            // our fetch the peer is answering
	fetchIn    []fetchReq        // the peer's fetches to answer
	reset      bool              // ask the peer to send again what it sent
	waiting    [][]byte          // changes waiting for one they build on
	waitBytes  int
	missing    bool // waiting changes lack something
	reoffer    bool // send our state again (antiEntropy)
	levelAt    time.Time
	fetchedAt  []string // peerHeads when our last fetch from it ended without progress
	progressed bool     // changes applied since our fetch was sent
	readN      int64
	wroteN     int64
	// ownPushed is planState.ownGen+1 when the last push of this
	// device's changes went through them all (0: none yet, or the peer
	// asked for everything again): until ownGen moves, another push
	// would list every change since the peer's heads to send nothing.
	ownPushed uint64
	resets    uint64 // the peer's requests to send everything again
	resay     bool   // say our heads again, in full (a state came)

	sentHeads []string // what we said last; the writer's alone
	opened    bool     // our opening state went out; the writer's alone

	pres sessionPresence // presence.go

	// The compressed streams, sharing what changes crossed: zc the
	// writer's, zd the reader's.
	zc *wire.Compressor
	zd *wire.Decompressor

	// What the peer last said it holds (a state, level, advance or echo
	// frame), the base its advance frames build on; the reader's alone.
	peerSaid   []string
	peerSaidOK bool
	// The bundle the writer is filling, and the changes in it; the
	// writer's alone.
	bundle     []byte
	bundleN    int
	bundleType byte // of its first frame
	bundleRaws [][]byte
	echoSince  bool   // we said an echo since we last said our heads in full
	levelN     uint64 // level and advance frames we sent

	// Under mu: the level frames we sent lately, for the peer's echoes,
	// and the number and heads of the last the peer sent.
	levels         [16]sentLevel
	peerLevelK     uint64
	peerLevelHeads []string
}

// sentLevel is a level or advance frame we sent: its number and heads.
type sentLevel struct {
	k     uint64
	heads []string
}

func newSession(n *Node, s network.Stream, initiator peer.ID) *session {
	remote := s.Conn().RemotePeer()
	zc, zd := wire.NewCodec()
	return &session{n: n, s: s, peer: remote, initiator: initiator,
		fr: wire.NewReader(s), fw: wire.NewWriter(s), zc: zc, zd: zd,
		kick: make(chan struct{}, 1), closing: make(chan struct{}), writerEnd: make(chan struct{}),
		sent: map[string]bool{}, have: map[string]uint64{},
		log: n.log.With("peer", shortID(remote)), pres: sessionPresence{kick: make(chan struct{}, 1)}}
}

// setPlan ties the session to a plan; before it is registered or run.
func (s *session) setPlan(ps *planState) {
	s.ps = ps
	s.log = s.log.With("plan", shortPlan(ps.id))
}

// readSnapshot reads size bytes of snapshot chunks.
func (s *session) readSnapshot(size int64) ([]byte, error) {
	return s.fr.ReadSnapshot(size, func() { s.s.SetReadDeadline(time.Now().Add(30 * time.Second)) })
}

// begin loads what is known of the peer from the last session (nothing
// when fresh: the peer holds nothing we knew of) and clears handshake
// deadlines.
func (s *session) begin(fresh bool) error {
	var base []string
	if !fresh {
		base = readBase(s.ps.syncStatePath(s.peer))
	}
	s.mu.Lock()
	s.base = base
	s.known = slices.Clone(base)
	s.begun = true
	s.mu.Unlock()
	s.s.SetDeadline(time.Time{})
	return nil
}

// readBase reads the heads saved when last level with a peer: hex hashes,
// one a line. Anything else (a version 1 sync state) counts as none.
func readBase(path string) []string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		h := strings.TrimSpace(sc.Text())
		if b, err := hex.DecodeString(h); err != nil || len(b) != 32 {
			return nil
		}
		out = append(out, h)
	}
	if len(out) > maxKnown {
		return nil
	}
	return out
}

// wake runs the writer: it sends what is due (an opening state, a fetch,
// an answer, our own changes the peer lacks, our heads).
func (s *session) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// heard notes that the peer was heard from now.
func (s *session) heard() { s.heardAt.Store(time.Now().UnixNano()) }

func (s *session) lastHeard() time.Time { return time.Unix(0, s.heardAt.Load()) }

func (s *session) isClosing() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// shutdown ends the session gracefully (superseded, plan stopped, member
// removed).
func (s *session) shutdown(reason string) {
	s.closeOnce.Do(func() {
		s.graceful.Store(true)
		s.log.Info("sync session closed", "reason", reason)
		close(s.closing)
		s.s.Close()
	})
}

// finish ends the session gracefully after the writer has said our
// heads, if they moved since it last did: a device that quits right
// after merging the peer's last changes leaves the peer knowing it is
// level, not waiting for the next session.
func (s *session) finish(reason string) {
	s.closeOnce.Do(func() {
		s.graceful.Store(true)
		s.flushLast.Store(true)
		s.log.Info("sync session closed", "reason", reason)
		close(s.closing)
		select {
		case <-s.writerEnd:
		case <-time.After(time.Second):
		}
		s.s.Close()
	})
}

// fail resets the stream after a protocol error or I/O failure.
func (s *session) fail(reason string, err error) {
	s.closeOnce.Do(func() {
		s.log.Warn("sync stream reset", "reason", reason, "err", err)
		close(s.closing)
		s.s.Reset()
	})
}

func (s *session) run() {
	s.log.Info("sync session open", "initiator", s.initiator == s.n.h.ID())
	s.heard()
	s.ps.seen(s.peer)
	s.n.keep(s.peer) // it may be waiting for this stream
	var wg gosync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.writer()
	}()
	s.wake()
	s.n.presenceChanged(s.ps.id)
	s.reader()
	wg.Wait()
	s.saveState()
	s.ps.unregister(s)
	s.endPresence()
	s.ps.seen(s.peer)
	s.ps.fetchEnded(s)
	// Whatever ended it, the member's keeper opens a new one if the
	// peer is still a member and reachable.
	s.n.keep(s.peer)
}

func (s *session) reader() {
	for {
		typ, body, err := s.fr.ReadFrame(wire.MaxFrame)
		if err != nil {
			if s.isClosing() {
				return
			}
			if errors.Is(err, io.EOF) {
				s.shutdown("peer closed the stream")
				return
			}
			if errors.Is(err, wire.ErrBadFrame) || errors.Is(err, wire.ErrFrameTooBig) {
				s.fail("bad frame", err)
			} else {
				s.fail("read failed", err)
			}
			return
		}
		s.account()
		s.heard()
		if typ == wire.FrameBundle {
			inner, err := s.zd.Decompress(body, wire.MaxFrame)
			if err != nil {
				s.fail("bad compressed frame", err)
				return
			}
			if !s.readBundle(inner) {
				return
			}
			continue
		}
		if typ == wire.FrameAdvance {
			s.fail("unexpected frame", fmt.Errorf("%w: an advance frame outside a bundle", wire.ErrBadFrame))
			return
		}
		if !s.handle(typ, body, nil) {
			return
		}
	}
}

// readBundle handles a bundle's frames in order. The heads its level and
// advance frames say are worked out first, so the writer, woken by the
// merge of its changes, can answer them with an echo.
func (s *session) readBundle(inner []wire.Inner) bool {
	said := make([][]string, len(inner))
	var raws [][]byte
	base, baseOK := s.peerSaid, s.peerSaidOK
	for i, f := range inner {
		switch f.Type {
		case wire.FrameChanges:
			if changes, err := wire.ParseChanges(f.Payload); err == nil {
				raws = append(raws, changes...)
			}
		case wire.FrameLevel:
			if heads, err := wire.DecodeHeads(f.Payload); err == nil {
				said[i], base, baseOK = heads, heads, true
				s.noteLevel(heads)
			}
		case wire.FrameEcho:
			if k, err := wire.ParseEcho(f.Payload); err == nil {
				base, baseOK = s.echoed(k)
			}
		case wire.FrameAdvance:
			var heads []string
			k, err := wire.ParseAdvance(f.Payload)
			if err != nil {
				s.fail("bad advance frame", err)
				return false
			}
			if baseOK && k != 0 {
				var mine []string
				if mine, baseOK = s.echoed(k); baseOK {
					base = union(base, mine)
				}
			}
			if baseOK {
				heads, baseOK = advanceHeads(base, raws)
				base = heads
			}
			said[i] = heads // nil: unknown, and no echo can name it
			s.noteLevel(heads)
		}
	}
	for i, f := range inner {
		if f.Type == wire.FrameAdvance {
			s.peerSaid, s.peerSaidOK = said[i], said[i] != nil
			if said[i] != nil {
				s.gotLevel(said[i])
			}
			continue
		}
		if !s.handle(f.Type, f.Payload, said[i]) {
			return false
		}
	}
	return true
}

// noteLevel counts a level frame read, for the echoes that name it.
func (s *session) noteLevel(heads []string) {
	s.mu.Lock()
	s.peerLevelK++
	s.peerLevelHeads = heads
	s.mu.Unlock()
}

// handle handles one frame, on its own or from a bundle (level: the
// heads a bundle's level frame said, already counted); false when the
// session failed.
func (s *session) handle(typ byte, body []byte, level []string) bool {
	switch typ {
	case wire.FrameChanges:
		if f := s.n.testBeforeReceive; f != nil && f(s.peer, body) {
			s.fail("test crash", nil)
			return false
		}
		changes, err := wire.ParseChanges(body)
		if err != nil {
			s.fail("bad changes frame", err)
			return false
		}
		if err := s.receive(changes); err != nil {
			s.fail("could not merge changes", err)
			return false
		}
	case wire.FrameState:
		st, err := wire.ParseState(body)
		if err != nil {
			s.fail("bad state frame", err)
			return false
		}
		s.peerSaid, s.peerSaidOK = st.Heads, true
		s.gotState(st)
	case wire.FrameLevel:
		heads := level
		if heads == nil {
			var err error
			if heads, err = wire.DecodeHeads(body); err != nil {
				s.fail("bad level frame", err)
				return false
			}
			s.noteLevel(heads)
		}
		s.peerSaid, s.peerSaidOK = heads, true
		s.gotLevel(heads)
	case wire.FrameEcho:
		k, err := wire.ParseEcho(body)
		if err != nil {
			s.fail("bad echo frame", err)
			return false
		}
		heads, ok := s.echoed(k)
		s.peerSaid, s.peerSaidOK = heads, ok
		if ok {
			s.gotLevel(heads)
		}
	case wire.FrameFetched:
		seq, err := wire.ParseFetched(body)
		if err != nil {
			s.fail("bad fetched frame", err)
			return false
		}
		s.fetched(seq)
	case wire.FramePresence:
		if err := s.gotPresence(body); err != nil {
			s.fail("bad presence frame", err)
			return false
		}
	default:
		s.fail("unexpected frame", fmt.Errorf("%w: type %d during sync", wire.ErrBadFrame, typ))
		return false
	}
	return true
}

// gotLevel takes heads the peer said it holds.
func (s *session) gotLevel(heads []string) {
	s.gotHeads(heads)
	s.checkLevel()
	s.ps.considerFetch()
}

// echoed is what our level frame k said, if it is still remembered.
func (s *session) echoed(k uint64) ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.levels[k%uint64(len(s.levels))]
	if r.k != k {
		return nil, false
	}
	return r.heads, true
}

// union is the sorted heads in a or b.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, h := range b {
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	slices.Sort(out)
	return out
}

// advanceHeads is base advanced by changes, in order: each replaces the
// heads it depends on. false if one is not a change.
func advanceHeads(base []string, changes [][]byte) ([]string, bool) {
	heads := slices.Clone(base)
	for _, raw := range changes {
		h, deps, err := doc.ChangeLinks(raw)
		if err != nil {
			return nil, false
		}
		heads = slices.DeleteFunc(heads, func(x string) bool { return x == h || slices.Contains(deps, x) })
		heads = append(heads, h)
	}
	slices.Sort(heads)
	return heads, true
}

// gotHeads notes the peer's heads and those of them held here as known
// to be the peer's.
func (s *session) gotHeads(heads []string) {
	held := s.ps.p.HeldOf(heads)
	s.mu.Lock()
	s.peerHeads = heads
	s.addKnownLocked(held)
	s.mu.Unlock()
}

func (s *session) addKnownLocked(hs []string) {
	for _, h := range hs {
		if !slices.Contains(s.known, h) {
			s.known = append(s.known, h)
		}
	}
	if len(s.known) > maxKnown {
		s.known = slices.Clone(s.known[len(s.known)-maxKnown:])
	}
}

func (s *session) gotState(st wire.State) {
	held := s.ps.p.HeldOf(append(slices.Clone(st.Heads), st.Base...))
	s.mu.Lock()
	s.peerHeads = st.Heads
	s.peerState = true
	s.addKnownLocked(held)
	clear(s.have)
	for a, seq := range st.Clock {
		s.have[a] = seq
	}
	if st.Reset {
		clear(s.sent)
		s.ownPushed = 0
		s.resets++
	}
	// Our heads are said again in full: the peer may have lost track of
	// them (an echo it no longer knew, and the advances after it).
	s.resay = true
	s.pushOwn.Store(true) // what it lacks may have changed
	if st.Fetch != 0 {
		req := fetchReq{seq: st.Fetch, authors: map[string]bool{}}
		for _, a := range st.Authors {
			if pid, err := peer.IDFromBytes([]byte(a)); err == nil {
				req.authors[pid.String()] = true
			}
		}
		s.fetchIn = append(s.fetchIn, req)
	}
	s.mu.Unlock()
	s.checkLevel()
	s.wake()
	s.ps.considerFetch()
}

// receive merges a changes frame, with the changes that waited for one
// of them.
func (s *session) receive(changes [][]byte) error {
	s.recvMu.Lock()
	s.mu.Lock()
	batch := append(s.waiting, changes...)
	s.waiting, s.waitBytes = nil, 0
	s.mu.Unlock()
	res, err := s.ps.p.ReceiveChanges(batch)
	s.n.noteAutomerge(3 * len(batch)) // each change and its dependencies looked up
	if err != nil {
		s.recvMu.Unlock()
		return err
	}
	if len(res.Applied) > 0 {
		s.ps.addStats(s.peer, Stats{ChangesReceived: len(res.Applied)})
		if err := s.ps.recordDelivery(s.peer, res.Applied); err != nil {
			s.log.Warn("could not record who delivered changes", "err", err)
		}
	}
	s.recvMu.Unlock()
	for i, r := range res.Refused {
		if i == 3 {
			s.log.Warn("more changes refused", "count", len(res.Refused)-i)
			break
		}
		s.log.Warn("change refused", "change", short(r.Hash), "reason", r.Reason)
	}
	if len(res.Refused) > 0 {
		s.ps.noteProblem(s.peer, fmt.Errorf("refused %d changes from this peer: %s", len(res.Refused), res.Refused[0].Reason))
	}
	s.log.Debug("received changes", "applied", len(res.Applied), "known", res.Known, "waiting", len(res.Waiting))
	size := 0
	for _, w := range res.Waiting {
		size += len(w)
	}
	s.mu.Lock()
	if size > maxWaiting {
		// Too much held back: drop it and have the peer send it again.
		s.reset = true
		s.log.Info("dropping changes that wait for others; they will be fetched again", "bytes", size)
	} else {
		// Keep them apart from the frame buffer they were read into.
		for _, w := range res.Waiting {
			s.waiting = append(s.waiting, slices.Clone(w))
		}
		s.waitBytes = size
	}
	s.missing = len(res.Missing) > 0 || s.reset
	if len(res.Applied) > 0 {
		s.progressed = true
	}
	s.mu.Unlock()
	if len(res.Applied) > 0 {
		s.ps.arrived(s)
	}
	s.ps.considerFetch()
	return nil
}

// retryWaiting offers the waiting changes again, after changes arrived
// from another peer.
func (s *session) retryWaiting() {
	s.mu.Lock()
	empty := len(s.waiting) == 0
	s.mu.Unlock()
	if empty {
		return
	}
	if err := s.receive(nil); err != nil {
		s.fail("could not merge changes", err)
	}
}

// needsFetch says whether the peer holds changes this side lacks and is
// worth asking (urgent: changes it sent wait for them).
func (s *session) needsFetch() (need, urgent bool) {
	s.mu.Lock()
	heads, missing, after := s.peerHeads, s.missing, s.fetchedAt
	s.mu.Unlock()
	if missing {
		return true, true
	}
	if heads == nil || slices.Equal(heads, after) {
		return false, false
	}
	return !s.ps.p.HasChanges(heads), false
}

// requestFetch has the writer ask the peer for every change this side
// lacks.
func (s *session) requestFetch() {
	s.mu.Lock()
	s.fetchSeq++
	s.fetchOut = s.fetchSeq
	s.progressed = false
	s.mu.Unlock()
	s.wake()
}

// fetched ends our fetch: if it brought nothing and the peer's heads are
// still not all here (changes refused here build on them), it is not
// asked again until its heads move.
func (s *session) fetched(seq uint64) {
	s.mu.Lock()
	if seq != s.fetchWait {
		s.mu.Unlock()
		return
	}
	s.fetchWait = 0
	if !s.progressed && !s.missing {
		s.fetchedAt = s.peerHeads
	}
	s.mu.Unlock()
	if !s.ps.p.HasChanges(s.heads()) {
		s.log.Debug("fetch ended with the peer's heads still missing")
	}
	s.ps.fetchEnded(s)
}

func (s *session) heads() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peerHeads
}

func (s *session) write(typ byte, payload []byte) error {
	if err := s.flushBundle(60 * time.Second); err != nil {
		return err
	}
	return s.writeFrame(typ, payload, 60*time.Second)
}

func (s *session) writeFrame(typ byte, payload []byte, deadline time.Duration) error {
	s.s.SetWriteDeadline(time.Now().Add(deadline))
	err := s.fw.WriteFrame(typ, payload)
	s.account()
	return err
}

// put adds a frame to the bundle being filled, sending the bundle first
// if the frame would take it past BatchTarget.
func (s *session) put(typ byte, payload []byte) error {
	if s.bundleN > 0 && len(s.bundle)+len(payload)+binary.MaxVarintLen64+1 > wire.BatchTarget {
		if err := s.flushBundle(60 * time.Second); err != nil {
			return err
		}
	}
	if s.bundleN == 0 {
		s.bundleType = typ
	}
	s.bundle = wire.AppendInner(s.bundle, typ, payload)
	s.bundleN++
	return nil
}

// flushBundle sends the bundle being filled: compressed in the session's
// stream, or as it is when it holds one small frame a compressed frame's
// overhead would outweigh: an echo, a presence frame, or an empty level
// frame. A level frame names its heads by reference there (compact.go).
func (s *session) flushBundle(deadline time.Duration) error {
	if s.bundleN == 0 {
		return nil
	}
	body, n, typ := s.bundle, s.bundleN, s.bundleType
	s.bundle, s.bundleN, s.bundleRaws = s.bundle[:0], 0, nil
	if n == 1 && (typ == wire.FrameEcho || typ == wire.FramePresence || typ == wire.FrameLevel) {
		_, payload, err := wire.NewReader(bytes.NewReader(body)).ReadFrame(wire.MaxFrame)
		if err != nil {
			return err
		}
		if typ != wire.FrameLevel || len(payload) == 0 {
			return s.writeFrame(typ, payload, deadline)
		}
	}
	z, err := s.zc.Compress(body)
	if err != nil {
		return err
	}
	if cap(s.bundle) > 64<<10 {
		s.bundle = nil // a backlog's buffer is not kept
	}
	return s.writeFrame(wire.FrameBundle, z, deadline)
}

// sayHeads says our heads: as an echo of the peer's last level frame
// when they are its, as an advance when the changes in the bundle take
// what we said last to them, else (or if full) in full.
func (s *session) sayHeads(heads []string, full bool) error {
	s.mu.Lock()
	k, kh := s.peerLevelK, s.peerLevelHeads
	s.mu.Unlock()
	defer func() { s.sentHeads = heads }()
	if !full && kh != nil && slices.Equal(heads, kh) {
		s.echoSince = true
		return s.put(wire.FrameEcho, wire.EncodeEcho(k))
	}
	typ, payload := wire.FrameLevel, wire.EncodeHeads(heads)
	if !full {
		if adv, ok := advanceHeads(s.sentHeads, s.bundleRaws); ok && len(s.bundleRaws) > 0 && slices.Equal(adv, heads) {
			typ, payload = wire.FrameAdvance, nil
		} else if adv, ok := advanceHeads(union(s.sentHeads, kh), s.bundleRaws); ok && kh != nil && slices.Equal(adv, heads) {
			typ, payload = wire.FrameAdvance, wire.EncodeAdvance(k) // with what we merged from the peer
		}
	}
	if typ == wire.FrameLevel {
		s.echoSince = false
	}
	s.levelN++
	s.mu.Lock()
	s.levels[s.levelN%uint64(len(s.levels))] = sentLevel{k: s.levelN, heads: heads}
	s.mu.Unlock()
	return s.put(typ, payload)
}

// account moves byte counts into the peer's stats.
func (s *session) account() {
	rn, wn := s.fr.BytesRead(), s.fw.BytesWritten()
	s.mu.Lock()
	r, w := rn-s.readN, wn-s.wroteN
	s.readN, s.wroteN = rn, wn
	s.mu.Unlock()
	if r != 0 || w != 0 {
		s.ps.addStats(s.peer, Stats{BytesReceived: r, BytesSent: w, LargestFrame: max(s.fr.Largest(), s.fw.Largest())})
	}
}

// antiEntropy is how often a session whose peer is not level re-offers
// its state (heads and clock), so the peer pushes again what this side
// still lacks and a fetch is considered: a push that went missing (seen,
// with version 2's Automerge messages, as a rare stall of two live
// typists) is repaired within seconds instead of never.
const antiEntropy = 3 * time.Second

func (s *session) writer() {
	defer close(s.writerEnd)
	tick := time.NewTicker(antiEntropy)
	defer tick.Stop()
	beat := time.NewTicker(presenceBeat / 2)
	defer beat.Stop()
	defer s.stopPresence()
	for {
		select {
		case <-s.kick:
		case <-s.pres.kick:
			// Presence alone: the plan's heads are not read (nothing
			// else is due).
			err := s.writePresence(false, false)
			if err == nil {
				err = s.flushBundle(60 * time.Second)
			}
			if err != nil {
				s.fail("write failed", err)
				return
			}
			continue
		case <-beat.C:
			if s.presenceBeatDue() {
				err := s.writePresence(false, true)
				if err == nil {
					err = s.flushBundle(60 * time.Second)
				}
				if err != nil {
					s.fail("write failed", err)
					return
				}
			}
			continue
		case <-tick.C:
			if !s.stale() {
				continue
			}
			s.pushOwn.Store(true)
			s.mu.Lock()
			s.reoffer = true
			s.mu.Unlock()
			s.ps.considerFetch()
		case <-s.closing:
			if s.flushLast.Load() {
				s.sayLastHeads()
			}
			return
		}
		if err := s.writeDue(); err != nil {
			if !s.isClosing() {
				s.fail("write failed", err)
			}
			return
		}
		s.checkLevel()
	}
}

// sayLastHeads sends our heads if they moved since we last said them,
// waiting briefly: the session is closing.
func (s *session) sayLastHeads() {
	heads := s.ps.p.CommittedHeads()
	if !s.opened || slices.Equal(heads, s.sentHeads) {
		return
	}
	if s.sayHeads(heads, false) != nil {
		return
	}
	s.flushBundle(500 * time.Millisecond)
}

// stale says whether the session has run a while without being level.
func (s *session) stale() bool {
	s.mu.Lock()
	heads, since := s.peerHeads, s.levelAt
	s.mu.Unlock()
	if time.Since(since) < antiEntropy || time.Since(s.lastHeard()) < antiEntropy/3 {
		return false // level lately, or changes still arriving
	}
	return heads == nil || !slices.Equal(heads, s.ps.p.CommittedHeads())
}

// writeDue sends, in this order, what is due: our opening state, our
// fetch, answers to the peer's fetches, our own changes it lacks, our
// heads if they changed, then our presence if it changed and is due.
func (s *session) writeDue() error {
	wrote := s.fw.BytesWritten()
	s.mu.Lock()
	reoffer := s.reoffer
	s.reoffer = false
	s.mu.Unlock()
	if !s.opened || reoffer {
		s.opened = true
		if err := s.writeState(0, false); err != nil {
			return err
		}
	}
	s.mu.Lock()
	fetch, reset := s.fetchOut, s.reset
	s.fetchOut, s.reset = 0, false
	if fetch != 0 {
		s.fetchWait = fetch
	}
	answers := s.fetchIn
	s.fetchIn = nil
	ready := s.peerState
	s.mu.Unlock()
	if fetch != 0 {
		if err := s.writeState(fetch, reset); err != nil {
			return err
		}
	}
	if ready {
		for _, req := range answers {
			if err := s.sendMissing(false, req.authors); err != nil {
				return err
			}
			if err := s.write(wire.FrameFetched, wire.EncodeFetched(req.seq)); err != nil {
				return err
			}
		}
		if s.pushOwn.Swap(false) {
			if err := s.sendMissing(true, nil); err != nil {
				return err
			}
		}
	}
	heads := s.ps.p.CommittedHeads()
	s.mu.Lock()
	resay := s.resay && s.echoSince
	s.resay = false
	s.mu.Unlock()
	if resay {
		s.sentHeads = nil // not an echo or advance: in full
	}
	if !slices.Equal(heads, s.sentHeads) {
		if err := s.sayHeads(heads, resay); err != nil {
			return err
		}
	}
	if err := s.writePresence(s.bundleN > 0 || s.fw.BytesWritten() != wrote, false); err != nil {
		return err
	}
	return s.flushBundle(60 * time.Second)
}

// writeState says what this side holds: its heads, the base (heads when
// last level with the peer) and the clock of what it holds beyond.
func (s *session) writeState(fetch uint64, reset bool) error {
	s.mu.Lock()
	base := slices.Clone(s.base)
	s.mu.Unlock()
	// The clock first: it commits pending edits, and the heads must
	// then include them.
	clock, err := s.ps.p.ClockSince(base)
	heads := s.ps.p.CommittedHeads()
	st := wire.State{Heads: heads, Base: base, Fetch: fetch, Reset: reset}
	if err == nil && len(clock) <= wire.MaxClock {
		st.Clock = clock
	}
	if fetch != 0 {
		for _, pid := range s.ps.sessionPeers() {
			if pid != s.peer {
				st.Authors = append(st.Authors, string(pid))
			}
		}
	}
	s.sentHeads, s.echoSince = heads, false
	s.log.Debug("sending state", "heads", len(heads), "base", len(base), "actors", len(st.Clock), "fetch", fetch)
	return s.write(wire.FrameState, wire.EncodeState(st))
}

// sendMissing sends the changes the peer lacks, as far as this side
// knows, in batches under the frame cap: all of them but those made by
// devices in skip, or (own) only those this device made.
func (s *session) sendMissing(own bool, skip map[string]bool) error {
	gen := s.ps.ownGen.Load() + 1
	s.mu.Lock()
	known := slices.Clone(s.known)
	done := own && s.ownPushed == gen
	resets := s.resets
	s.mu.Unlock()
	if done {
		return nil
	}
	refs, err := s.ps.p.ChangesSince(known)
	if err != nil {
		return err
	}
	s.n.noteAutomerge(len(refs))
	self := s.n.h.ID().String()
	var batch [][]byte
	size := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.put(wire.FrameChanges, wire.EncodeChanges(batch))
		s.bundleRaws = append(s.bundleRaws, batch...)
		if err == nil {
			s.ps.addStats(s.peer, Stats{ChangesSent: len(batch)})
			s.log.Debug("sent changes", "changes", len(batch), "bytes", size)
		}
		batch, size = batch[:0], 0
		return err
	}
	for _, r := range refs {
		if own && r.Device != self || skip[r.Device] {
			continue
		}
		s.mu.Lock()
		held := s.sent[r.Hash] || r.Seq <= s.have[r.Actor]
		s.mu.Unlock()
		if held {
			continue
		}
		raw, err := s.ps.p.ChangeBytes(r.Hash)
		if err != nil {
			return err
		}
		s.n.noteAutomerge(1)
		s.mu.Lock()
		s.sent[r.Hash] = true
		s.mu.Unlock()
		if len(raw) > doc.MaxChangeSize {
			s.log.Warn("not sending a change over the size limit", "change", short(r.Hash), "bytes", len(raw))
			continue
		}
		if size+len(raw) > wire.BatchTarget {
			if err := flush(); err != nil {
				return err
			}
		}
		batch = append(batch, raw)
		size += len(raw)
	}
	if err := flush(); err != nil {
		return err
	}
	if own {
		s.mu.Lock()
		if s.resets == resets { // else the pass may have missed what the reset asks for
			s.ownPushed = gen
		}
		s.mu.Unlock()
	}
	return nil
}

// checkLevel notes when the peer last said it holds exactly what we hold.
func (s *session) checkLevel() {
	// Level only once what was merged is recorded as delivered: a merge
	// in progress holds recvMu until then.
	s.recvMu.Lock()
	s.mu.Lock()
	ph := s.peerHeads
	s.mu.Unlock()
	s.recvMu.Unlock()
	if ph == nil {
		return
	}
	if slices.Equal(ph, s.ps.p.CommittedHeads()) {
		s.mu.Lock()
		// All sent and listed is in the peer's history now.
		s.base = ph
		s.known = slices.Clone(ph)
		clear(s.have)
		clear(s.sent)
		s.levelAt = time.Now()
		s.mu.Unlock()
		s.ps.markLevel(s.peer)
	}
}

// saveState keeps the heads last level with the peer, so the next
// session starts from them.
func (s *session) saveState() {
	s.mu.Lock()
	base, begun := s.base, s.begun
	s.mu.Unlock()
	if !begun {
		return
	}
	if err := atomicfile.WriteFile(s.ps.syncStatePath(s.peer), []byte(strings.Join(base, "\n")), 0o600); err != nil {
		s.log.Warn("could not save sync state", "err", err)
	}
}

func short(h string) string { return h[:min(12, len(h))] }
