package sync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/sync/wire"
)

// openSession dials a stream for a plan both sides hold.
func (n *Node) openSession(ctx context.Context, ps *planState, pid peer.ID) error {
	// One opening at a time per peer: the keeper and a one-off sync
	// would otherwise open two streams, and one would replace the other.
	for {
		if ps.session(pid) != nil {
			return errDuplicate
		}
		wait, mine := ps.beginOpen(pid)
		if mine {
			break
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return fmt.Errorf("%w: %v", ErrUnreachable, ctx.Err())
		}
	}
	defer ps.endOpen(pid)
	s, err := n.h.NewStream(allowLimited(ctx), pid, wire.ProtocolID)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	sess, w, err := n.handshake(ctx, s, wire.Hello{Version: wire.ProtocolVersion, Plan: ps.id, Have: true})
	if err != nil {
		return err
	}
	sess.setPlan(ps)
	sess.setPresenceVersion(w.Presence)
	if !ps.isMember(pid) {
		s.Reset()
		return fmt.Errorf("%w: %s", ErrNotMember, shortID(pid))
	}
	if err := sess.begin(false); err != nil {
		s.Reset()
		return err
	}
	if !ps.register(sess) {
		s.Close()
		return errDuplicate
	}
	ps.rememberConns(pid)
	n.goTask(sess.run)
	return nil
}

// handshake sends a hello and reads the welcome or refusal.
func (n *Node) handshake(ctx context.Context, s network.Stream, h wire.Hello) (*session, wire.Welcome, error) {
	deadline := time.Now().Add(30 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	s.SetDeadline(deadline)
	sess := newSession(n, s, n.h.ID())
	h.Presence = n.presenceVersion()
	if err := sess.fw.WriteFrame(wire.FrameHello, wire.EncodeHello(h)); err != nil {
		s.Reset()
		return nil, wire.Welcome{}, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	typ, body, err := sess.fr.ReadFrame(wire.MaxHelloFrame)
	if err != nil {
		s.Reset()
		if errors.Is(err, io.EOF) || errors.Is(err, network.ErrReset) {
			return nil, wire.Welcome{}, fmt.Errorf("%w: stream closed without an answer", ErrRefused)
		}
		if errors.Is(err, wire.ErrBadFrame) || errors.Is(err, wire.ErrFrameTooBig) {
			return nil, wire.Welcome{}, fmt.Errorf("%w: %v", ErrRefused, err)
		}
		return nil, wire.Welcome{}, fmt.Errorf("%w: no answer: %v", ErrUnreachable, err)
	}
	switch typ {
	case wire.FrameRefuse:
		s.Close()
		if wire.ParseRefusal(body) == errDuplicate.Error() {
			return nil, wire.Welcome{}, errDuplicate // the peer's own stream to us carries the sync
		}
		return nil, wire.Welcome{}, fmt.Errorf("%w: %s", ErrRefused, wire.ParseRefusal(body))
	case wire.FrameWelcome:
		w, err := wire.ParseWelcome(body)
		if err != nil {
			s.Reset()
			return nil, w, err
		}
		if h.Have && w.Snapshot > 0 {
			s.Reset()
			return nil, w, fmt.Errorf("%w: snapshot offered to a peer that has the plan", wire.ErrBadFrame)
		}
		return sess, w, nil
	}
	s.Reset()
	return nil, wire.Welcome{}, fmt.Errorf("%w: frame type %d instead of a welcome", wire.ErrBadFrame, typ)
}

// handleStream answers a peer's stream: read the hello, check membership
// or invite before a byte of the plan is sent, then sync.
func (n *Node) handleStream(s network.Stream) {
	remote := s.Conn().RemotePeer()
	log := n.log.With("peer", shortID(remote))
	s.SetDeadline(time.Now().Add(15 * time.Second))
	sess := newSession(n, s, remote)
	typ, body, err := sess.fr.ReadFrame(wire.MaxHelloFrame)
	if err != nil {
		log.Warn("sync stream reset: unreadable hello", "reason", err)
		s.Reset()
		return
	}
	if typ != wire.FrameHello {
		log.Warn("sync stream reset: first frame is not a hello", "type", typ)
		s.Reset()
		return
	}
	h, err := parseHello(body)
	if err != nil {
		log.Warn("sync stream reset: bad hello", "reason", err)
		s.Reset()
		return
	}
	log = log.With("plan", shortPlan(h.Plan))
	ps := n.plan(h.Plan)
	if ps == nil {
		log.Warn("sync stream refused: plan not held here")
		n.refuse(s, "this device does not sync that plan")
		return
	}
	if err := ps.admit(remote, h); err != nil {
		log.Warn("sync stream refused", "reason", err)
		n.refuse(s, err.Error())
		return
	}
	n.forgetStranger(remote)
	n.h.ConnManager().Protect(remote, "coplan-member")
	sess.setPlan(ps)
	sess.setPresenceVersion(h.Presence)
	if old := ps.session(remote); old != nil && old.s.Conn() != s.Conn() && !old.isClosing() {
		// The peer opened a stream on another connection: after a
		// restart, sleep or network loss the old one may be dead while
		// libp2p has not noticed yet.
		if err := n.pingConn(old.s.Conn()); err != nil {
			log.Info("replacing a session whose connection does not answer", "err", err)
			old.fail("connection does not answer", err)
			old.s.Conn().Close()
		}
	}
	if !ps.register(sess) {
		n.refuse(s, errDuplicate.Error())
		return
	}
	w := wire.Welcome{Version: wire.ProtocolVersion, Presence: n.welcomePresence(h.Presence)}
	var snap []byte
	if !h.Have {
		if snap, err = ps.p.Save(); err != nil {
			ps.unregister(sess)
			s.Reset()
			return
		}
		w.Snapshot = int64(len(snap))
	}
	err = sess.fw.WriteFrame(wire.FrameWelcome, wire.EncodeWelcome(w))
	if err == nil {
		err = sess.fw.WriteSnapshot(snap, func() { s.SetWriteDeadline(time.Now().Add(30 * time.Second)) })
	}
	if err == nil {
		err = sess.begin(!h.Have)
	}
	if err != nil {
		log.Warn("sync stream failed during handshake", "err", err)
		ps.unregister(sess)
		s.Reset()
		return
	}
	if len(snap) > 0 {
		log.Info("sent snapshot", "bytes", len(snap))
	}
	ps.rememberConns(remote)
	sess.run()
}

// refuse tells the dialer why, then closes; the reason carries nothing of
// the plan.
func (n *Node) refuse(s network.Stream, reason string) {
	s.SetWriteDeadline(time.Now().Add(5 * time.Second))
	fw := wire.NewWriter(s)
	if err := fw.WriteFrame(wire.FrameRefuse, wire.EncodeRefusal(reason)); err != nil {
		s.Reset()
		return
	}
	s.CloseWrite()
	// Give the reason time to arrive, then drop the stream.
	n.goTask(func() {
		s.SetReadDeadline(time.Now().Add(2 * time.Second))
		io.Copy(io.Discard, io.LimitReader(s, 1<<16))
		s.Reset()
	})
}

// parseHello reads a hello frame's payload: wire checks its shape, the
// plan document what its plan ID and side mean.
func parseHello(b []byte) (wire.Hello, error) {
	h, err := wire.ParseHello(b)
	if err != nil {
		return h, err
	}
	if !doc.ValidPlanID(h.Plan) {
		return h, fmt.Errorf("%w: plan ID %q", wire.ErrBadHello, h.Plan)
	}
	if h.Side != "" {
		if _, err := doc.ParseSide(h.Side); err != nil {
			return h, fmt.Errorf("%w: %v", wire.ErrBadHello, err)
		}
	}
	return h, nil
}
