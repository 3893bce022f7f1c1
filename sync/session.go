package sync

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
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

// session is one /coplan/sync/1 stream with one peer for one plan: a
// reader that applies the peer's messages and a writer that answers them
// and pushes local commits.
type session struct {
	n         *Node
	ps        *planState
	peer      peer.ID
	initiator peer.ID // who opened the stream
	s         network.Stream
	fr        *wire.Reader
	fw        *wire.Writer
	log       *slog.Logger

	kick        chan struct{}
	push        atomic.Bool // generate sync messages, not just announce heads
	request     atomic.Bool // restart the state before the next message
	restartPeer atomic.Bool
	graceful    atomic.Bool // closed by shutdown, not by a protocol error
	closing     chan struct{}
	closeOnce   gosync.Once
	heardAt     atomic.Int64 // unix nanoseconds of the last frame read

	// Locks: see Node for the order.
	ssMu gosync.Mutex // ss; only the plan's own lock is taken while held
	ss   *doc.SyncState

	// recvMu is held from merging changes until their delivery is
	// recorded (taking ssMu, planState.mu and planState.fileMu on the way),
	// so checkLevel can wait for a merge in progress.
	recvMu gosync.Mutex

	mu        gosync.Mutex // peerHeads, readN and wroteN; a leaf
	peerHeads []string     // what the peer said it had when it last fell quiet
	readN     int64
	wroteN    int64

	sentHeads []string // what we said when we last fell quiet; the writer's alone
}

func newSession(n *Node, s network.Stream, initiator peer.ID) *session {
	remote := s.Conn().RemotePeer()
	return &session{n: n, s: s, peer: remote, initiator: initiator,
		fr: wire.NewReader(s), fw: wire.NewWriter(s),
		kick: make(chan struct{}, 1), closing: make(chan struct{}),
		log: n.log.With("peer", shortID(remote))}
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

// begin loads the saved sync state for the peer (none when fresh: the
// peer holds nothing we sent it before) and clears handshake deadlines.
func (s *session) begin(fresh bool) error {
	var saved []byte
	if !fresh {
		saved, _ = os.ReadFile(s.ps.syncStatePath(s.peer))
	}
	ss, err := s.ps.p.NewSyncState(saved)
	if err != nil && saved != nil {
		s.log.Warn("saved sync state unreadable; starting afresh", "err", err)
		ss, err = s.ps.p.NewSyncState(nil)
	}
	if err != nil {
		return err
	}
	s.ssMu.Lock()
	s.ss = ss
	s.ssMu.Unlock()
	s.s.SetDeadline(time.Time{})
	return nil
}

// restartState reloads the sync state from its saved form, which keeps
// what both sides share and forgets what is in flight.
func (s *session) restartState() error {
	s.ssMu.Lock()
	defer s.ssMu.Unlock()
	ss, err := s.ps.p.NewSyncState(s.ss.Save())
	if err != nil {
		return err
	}
	s.ss = ss
	return nil
}

func (s *session) state() *doc.SyncState {
	s.ssMu.Lock()
	defer s.ssMu.Unlock()
	return s.ss
}

// kickNow wakes the writer to run the Automerge sync.
func (s *session) kickNow() {
	s.push.Store(true)
	s.wake()
}

// announce wakes the writer to send only our heads (a level frame). After
// a merge from another peer this peer has probably had the changes from
// their author too, and its Bloom filter here is stale: it asks for what
// it lacks, with a fresh filter, instead of being sent everything again.
func (s *session) announce() { s.wake() }

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
	s.kickNow()
	s.reader()
	wg.Wait()
	s.saveState()
	s.ps.unregister(s)
	s.ps.seen(s.peer)
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
		switch typ {
		case wire.FrameSync:
			if f := s.n.testBeforeReceive; f != nil && f(s.peer, body) {
				s.fail("test crash", nil)
				return
			}
			s.recvMu.Lock()
			_, hashes, err := s.state().Receive(body)
			if err != nil {
				s.recvMu.Unlock()
				s.fail("bad sync message", err)
				return
			}
			if len(hashes) > 0 {
				s.ps.addStats(s.peer, Stats{ChangesReceived: len(hashes)})
				if err := s.ps.recordDelivery(s.peer, hashes); err != nil {
					s.log.Warn("could not record who delivered changes", "err", err)
				}
			}
			s.recvMu.Unlock()
			s.log.Debug("received sync message", "changes", len(hashes), "bytes", len(body))
			if len(hashes) > 0 {
				// Answer with a fresh filter, not with changes picked by
				// the peer's older one: in a mesh most of those it has had
				// from their authors since (about 40% fewer bytes).
				s.request.Store(true)
			}
			if len(hashes) > 0 && !s.ps.p.HasChanges(hashes) {
				// Some changes wait for a dependency we lack (the peer's
				// Bloom filter said we had it). Automerge asks for it only
				// when not "in flight", which it may never leave here:
				// reloading the state clears that and sends the need.
				s.log.Debug("changes queued on a missing dependency; restarting sync state")
				if err := s.restartState(); err != nil {
					s.fail("could not restart sync state", err)
					return
				}
				// The peer's state is stuck in flight too: it restarts on
				// our word, then answers our need.
				s.restartPeer.Store(true)
			}
			s.kickNow()
		case wire.FrameRestart:
			if err := s.restartState(); err != nil {
				s.fail("could not restart sync state", err)
				return
			}
			s.kickNow()
		case wire.FrameLevel:
			heads, err := wire.DecodeHeads(body)
			if err != nil {
				s.fail("bad level frame", err)
				return
			}
			s.mu.Lock()
			s.peerHeads = heads
			s.mu.Unlock()
			s.checkLevel()
			if !s.ps.p.HasChanges(heads) {
				s.request.Store(true)
				s.kickNow()
			}
		default:
			s.fail("unexpected frame", fmt.Errorf("%w: type %d during sync", wire.ErrBadFrame, typ))
			return
		}
	}
}

func (s *session) write(typ byte, payload []byte) error {
	s.s.SetWriteDeadline(time.Now().Add(60 * time.Second))
	err := s.fw.WriteFrame(typ, payload)
	s.account()
	return err
}

// account moves byte counts into the peer's stats.
func (s *session) account() {
	rn, wn := s.fr.BytesRead(), s.fw.BytesWritten()
	s.mu.Lock()
	r, w := rn-s.readN, wn-s.wroteN
	s.readN, s.wroteN = rn, wn
	s.mu.Unlock()
	if r != 0 || w != 0 {
		s.ps.addStats(s.peer, Stats{BytesReceived: r, BytesSent: w})
	}
}

// antiEntropy is how often an otherwise quiet session re-offers its heads
// and a fresh filter, so a push lost in flight (seen as a rare stall of two
// live typists) is repaired within seconds instead of never.
const antiEntropy = 3 * time.Second

func (s *session) writer() {
	tick := time.NewTicker(antiEntropy)
	defer tick.Stop()
	for {
		select {
		case <-s.kick:
		case <-tick.C:
			s.request.Store(true)
			s.push.Store(true)
		case <-s.closing:
			return
		}
		if s.restartPeer.Swap(false) {
			if err := s.write(wire.FrameRestart, nil); err != nil {
				if !s.isClosing() {
					s.fail("write failed", err)
				}
				return
			}
		}
		if s.request.Swap(false) {
			// A reloaded state sends heads and a fresh filter but no
			// changes, so the peer answers with exactly what we lack.
			if err := s.restartState(); err != nil {
				s.fail("could not restart sync state", err)
				return
			}
		}
		for s.push.Swap(false) {
			msg, changes, ok, err := s.state().Generate()
			if err != nil {
				s.fail("could not generate sync message", err)
				return
			}
			if !ok {
				break
			}
			s.push.Store(true)
			s.log.Debug("sending sync message", "bytes", len(msg), "changes", changes)
			if err := s.write(wire.FrameSync, msg); err != nil {
				if !s.isClosing() {
					s.fail("write failed", err)
				}
				return
			}
			if changes > 0 {
				s.ps.addStats(s.peer, Stats{ChangesSent: changes})
			}
		}
		heads := s.ps.p.Heads()
		if !slices.Equal(heads, s.sentHeads) {
			if err := s.write(wire.FrameLevel, wire.EncodeHeads(heads)); err != nil {
				if !s.isClosing() {
					s.fail("write failed", err)
				}
				return
			}
			s.sentHeads = heads
		}
		s.checkLevel()
	}
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
	if slices.Equal(ph, s.ps.p.Heads()) {
		s.ps.markLevel(s.peer)
	}
}

func (s *session) saveState() {
	ss := s.state()
	if ss == nil {
		return
	}
	if err := atomicfile.WriteFile(s.ps.syncStatePath(s.peer), ss.Save(), 0o600); err != nil {
		s.log.Warn("could not save sync state", "err", err)
	}
}
