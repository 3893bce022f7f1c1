package sync

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
)

// AddPeer records addr (a multiaddr ending in /p2p/ID) as a place to find
// a member of the plan, and dials it now if the plan is started. For
// networks where multicast does not pass.
func (n *Node) AddPeer(ctx context.Context, planID string, addr string) error {
	info, err := AddKnownPeer(n.cfg.StateDir, planID, addr)
	if err != nil {
		return err
	}
	ps := n.plan(planID)
	if ps == nil {
		return nil
	}
	n.h.Peerstore().AddAddrs(info.ID, info.Addrs, peerstore.PermanentAddrTTL)
	if !ps.isMember(info.ID) {
		return fmt.Errorf("%w: %s (recorded; it will be dialled once it is)", ErrNotMember, info.ID)
	}
	return n.connect(ctx, ps, *info)
}

// SyncOnce connects to a peer, syncs the plan until both sides are level
// and reports what moved. The plan must be started.
func (n *Node) SyncOnce(ctx context.Context, planID string, info peer.AddrInfo) (Stats, error) {
	ps := n.plan(planID)
	if ps == nil {
		return Stats{}, ErrNotStarted
	}
	start := time.Now()
	rec := ps.record(info.ID)
	if err := n.connect(ctx, ps, info); err != nil {
		return Stats{}, err
	}
	for {
		ps.mu.Lock()
		done := rec.levelAt.After(start)
		ch := rec.levelCh
		st := rec.stats
		sess := ps.sessions[info.ID]
		ps.mu.Unlock()
		if done {
			return st, nil
		}
		if sess == nil {
			// The session may have been refused or superseded: try again.
			if err := n.openSession(ctx, ps, info.ID); err != nil && !errors.Is(err, errDuplicate) {
				return st, err
			}
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// WaitLevel waits until this device and peer were level for the plan at
// some time after since.
func (n *Node) WaitLevel(ctx context.Context, planID string, pid peer.ID, since time.Time) error {
	ps := n.plan(planID)
	if ps == nil {
		return ErrNotStarted
	}
	rec := ps.record(pid)
	for {
		ps.mu.Lock()
		done := rec.levelAt.After(since)
		ch := rec.levelCh
		ps.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// connect dials a member and makes sure a session for the plan runs.
func (n *Node) connect(ctx context.Context, ps *planState, info peer.AddrInfo) error {
	if info.ID == n.h.ID() {
		return nil
	}
	if len(info.Addrs) > 0 {
		n.h.Peerstore().AddAddrs(info.ID, info.Addrs, peerstore.PermanentAddrTTL)
	}
	if err := n.h.Connect(allowLimited(ctx), info); err != nil {
		return fmt.Errorf("%w %s: %v", ErrUnreachable, shortID(info.ID), err)
	}
	ps.rememberPeer(info.ID, n.h.Peerstore().Addrs(info.ID))
	err := n.openSession(ctx, ps, info.ID)
	if errors.Is(err, errDuplicate) {
		return nil
	}
	return err
}

// onConnected starts sessions for plans the peer is a member of. Only the
// side with the smaller peer ID opens them unprompted, so two devices
// that find each other at once do not race to open two streams.
func (n *Node) onConnected(pid peer.ID) {
	member := false
	for _, ps := range n.planList() {
		if !ps.isMember(pid) {
			continue
		}
		member = true
		ps.seen(pid)
		if n.h.ID() < pid {
			n.goTask(func() { n.ensureSession(ps, pid, false) })
		}
	}
	if member || n.isRelayOrJoin(pid) {
		return
	}
	// Admitted only because an invite is open: it has a grace period to
	// present the invite and become a member.
	n.goTask(func() {
		select {
		case <-time.After(n.cfg.InviteGrace):
		case <-n.ctx.Done():
			return
		}
		for _, ps := range n.planList() {
			if ps.isMember(pid) {
				return
			}
		}
		n.log.Info("disconnecting device that presented no invite", "peer", shortID(pid))
		n.h.Network().ClosePeer(pid)
	})
}

func (n *Node) onDisconnected(pid peer.ID) {
	n.kickRelay(pid)
	if n.isConnected(pid) {
		return
	}
	wanted := false
	for _, ps := range n.planList() {
		if ps.isMember(pid) {
			ps.seen(pid)
			wanted = true
		}
	}
	if wanted {
		n.reconnect(pid)
	}
}

func (n *Node) isRelayOrJoin(pid peer.ID) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.relays[pid] || n.joinTargets[pid] > 0
}

// ensureSession opens a session unless one runs.
func (n *Node) ensureSession(ps *planState, pid peer.ID, _ bool) {
	if ps.session(pid) != nil {
		return
	}
	ctx, cancel := context.WithTimeout(n.ctx, 30*time.Second)
	defer cancel()
	if err := n.openSession(ctx, ps, pid); err != nil && !errors.Is(err, errDuplicate) && n.ctx.Err() == nil {
		n.log.Warn("sync session not opened", "plan", shortPlan(ps.id), "peer", shortID(pid), "err", err)
	}
}

// reconnect dials a member that went away, with exponential backoff and
// jitter, until it is back, is no longer a member, or the node closes.
func (n *Node) reconnect(pid peer.ID) {
	n.mu.Lock()
	if n.closed || n.reconnecting[pid] {
		n.mu.Unlock()
		return
	}
	n.reconnecting[pid] = true
	n.mu.Unlock()
	n.goTask(func() {
		defer func() {
			n.mu.Lock()
			delete(n.reconnecting, pid)
			n.mu.Unlock()
		}()
		wait := n.cfg.ReconnectMin
		for attempt := 0; attempt < 40; attempt++ {
			jitter := time.Duration(rand.Int64N(int64(wait)/2 + 1))
			select {
			case <-time.After(wait + jitter):
			case <-n.ctx.Done():
				return
			}
			var plans []*planState
			for _, ps := range n.planList() {
				if ps.isMember(pid) {
					plans = append(plans, ps)
				}
			}
			if len(plans) == 0 {
				return
			}
			if n.isConnected(pid) {
				for _, ps := range plans {
					n.ensureSession(ps, pid, true)
				}
				return
			}
			ctx, cancel := context.WithTimeout(n.ctx, 10*time.Second)
			err := n.h.Connect(allowLimited(ctx), peer.AddrInfo{ID: pid})
			cancel()
			if err == nil {
				n.log.Info("reconnected", "peer", shortID(pid), "attempt", attempt+1)
				for _, ps := range plans {
					n.ensureSession(ps, pid, true)
				}
				return
			}
			n.log.Debug("reconnect failed", "peer", shortID(pid), "attempt", attempt+1, "err", err)
			wait = min(wait*2, n.cfg.ReconnectMax)
		}
	})
}

// resume makes sure a member still connected after a stream closed (two
// streams crossed, the peer restarted its side) gets a new one. The side
// with the smaller peer ID opens it, as on connection.
func (s *session) resume() {
	select {
	case <-time.After(300*time.Millisecond + time.Duration(rand.IntN(200))*time.Millisecond):
	case <-s.n.ctx.Done():
		return
	}
	ps := s.ps
	ps.mu.Lock()
	stopped := ps.stopped
	ps.mu.Unlock()
	if stopped || s.n.h.ID() > s.peer || !ps.isMember(s.peer) ||
		!s.n.isConnected(s.peer) {
		return
	}
	s.n.ensureSession(ps, s.peer, false)
}

// isConnected counts a relayed connection as connected.
func (n *Node) isConnected(pid peer.ID) bool {
	c := n.h.Network().Connectedness(pid)
	return c == network.Connected || c == network.Limited
}
