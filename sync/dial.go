package sync

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	msmux "github.com/multiformats/go-multistream"
)

// Timings of getting members back.
const (
	// recentCap bounds the reconnect backoff for a member seen in the
	// last recentWindow (or since the node started that long ago): a
	// laptop back from sleep or a cable plugged in again is synced within
	// a few seconds. Others back off up to Config.ReconnectMax.
	recentCap    = 3 * time.Second
	recentWindow = 10 * time.Minute
	// sessionGrace is how long the side with the larger peer ID waits
	// for the other side's stream before opening its own (streams opened
	// by both at once cost one of them and what it carried).
	sessionGrace = 3 * time.Second
	// probeTimeout bounds a liveness check of a connection.
	probeTimeout = 1500 * time.Millisecond
	// keepAliveIdle is how long a session may receive nothing before its
	// connection is pinged; keepAliveEvery is how often that is checked.
	keepAliveIdle  = 15 * time.Second
	keepAliveEvery = 5 * time.Second
	dialTimeout    = 10 * time.Second
)

// keeper keeps one member device in sync for every started plan it is a
// member of: it dials while the device is not connected (backoff with
// jitter, never giving up while it is a member), opens the missing
// sessions, checks idle sessions' connections, and replaces stale ones.
// Connection events, session ends, mDNS sightings and Sync now wake it.
type keeper struct {
	pid   peer.ID
	kick  chan struct{}
	probe atomic.Bool // a connection appeared: check the sessions' older ones
	now   atomic.Bool // sync now: retry at once, backoff reset
}

func (k *keeper) wake() {
	select {
	case k.kick <- struct{}{}:
	default:
	}
}

// keep makes sure a keeper runs for pid and wakes it.
func (n *Node) keep(pid peer.ID) *keeper {
	if pid == n.h.ID() {
		return nil
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	k := n.keepers[pid]
	if k == nil {
		k = &keeper{pid: pid, kick: make(chan struct{}, 1)}
		n.keepers[pid] = k
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.runKeeper(k)
		}()
	}
	n.mu.Unlock()
	k.wake()
	return k
}

// dropKeeper removes k unless it was woken meanwhile (then it runs on).
func (n *Node) dropKeeper(k *keeper) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(k.kick) > 0 && !n.closed {
		return false
	}
	if n.keepers[k.pid] == k {
		delete(n.keepers, k.pid)
	}
	return true
}

// memberPlans are the started plans pid is a current member of.
func (n *Node) memberPlans(pid peer.ID) []*planState {
	var out []*planState
	for _, ps := range n.planList() {
		if ps.isMember(pid) {
			out = append(out, ps)
		}
	}
	return out
}

// pause waits d, or until k is woken; false when the node closes.
func (n *Node) pause(k *keeper, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-k.kick:
	case <-n.ctx.Done():
		return false
	}
	return true
}

// jitter spreads d over [0.75d, 1.25d] so peers do not dial in step.
func jitter(d time.Duration) time.Duration {
	return d*3/4 + time.Duration(mrand.Int64N(int64(d)/2+1))
}

// backoffCap is the longest wait between dials of pid.
func (n *Node) backoffCap(pid peer.ID, plans []*planState) time.Duration {
	recent := time.Since(n.started) < recentWindow
	for _, ps := range plans {
		if time.Since(ps.lastSeen(pid)) < recentWindow {
			recent = true
		}
	}
	if recent {
		return min(recentCap, n.cfg.ReconnectMax)
	}
	return n.cfg.ReconnectMax
}

func (n *Node) runKeeper(k *keeper) {
	wait := n.cfg.ReconnectMin
	var graceUntil time.Time // the higher ID waits until then for the peer's stream
	var lastDial time.Time
	for {
		if n.ctx.Err() != nil {
			return
		}
		plans := n.memberPlans(k.pid)
		if len(plans) == 0 {
			if n.dropKeeper(k) {
				return
			}
			<-k.kick
			continue
		}
		now := k.now.Swap(false) // Sync now: no waiting this round
		if now {
			wait = n.cfg.ReconnectMin
		}
		retry := func() bool {
			d := jitter(wait)
			wait = min(wait*2, n.backoffCap(k.pid, plans))
			return n.pause(k, d)
		}
		if !n.isConnected(k.pid) {
			// At most one dial per wait: a peer that accepts the
			// connection and then drops it (its gate refuses this device)
			// is not dialled in a loop.
			if since := time.Since(lastDial); since < wait && !now {
				if !n.pause(k, wait-since) {
					return
				}
				continue
			}
			lastDial = time.Now()
			if err := n.dialMember(k.pid, plans); err != nil {
				n.log.Debug("member not reachable", "peer", shortID(k.pid), "err", err, "retry in", wait)
				if !retry() {
					return
				}
				continue
			}
			n.log.Info("reconnected", "peer", shortID(k.pid))
			for _, ps := range plans {
				ps.rememberConns(k.pid)
			}
			// Reset only once the sessions are up.
			wait = min(wait*2, n.backoffCap(k.pid, plans))
		}
		if k.probe.Swap(false) {
			n.dropStale(k.pid, plans)
		}
		var missing []*planState
		for _, ps := range plans {
			if ps.session(k.pid) == nil && !ps.isStopped() {
				missing = append(missing, ps)
			}
		}
		if len(missing) > 0 {
			// The smaller peer ID opens; the other waits a moment for
			// its stream before opening its own.
			if n.h.ID() > k.pid {
				if graceUntil.IsZero() {
					graceUntil = time.Now().Add(sessionGrace)
				}
				if left := time.Until(graceUntil); left > 0 && !now {
					if !n.pause(k, left) {
						return
					}
					continue
				}
			}
			ok := true
			for _, ps := range missing {
				ctx, cancel := context.WithTimeout(n.ctx, dialTimeout)
				err := n.openSession(ctx, ps, k.pid)
				cancel()
				switch {
				case err == nil:
				case errors.Is(err, errDuplicate):
					// The peer keeps a live stream it opened: wait for it
					// to arrive here, then look again.
					ok = false
				default:
					ok = false
					if n.ctx.Err() == nil {
						n.log.Warn("sync session not opened", "plan", shortPlan(ps.id), "peer", shortID(k.pid), "err", err)
						ps.noteProblem(k.pid, err)
					}
				}
			}
			if !ok {
				if !retry() {
					return
				}
				continue
			}
		}
		wait, graceUntil = n.cfg.ReconnectMin, time.Time{}
		if !n.pause(k, keepAliveEvery) {
			return
		}
		n.keepAlive(k.pid, plans)
	}
}

// dialMember connects to a member at the addresses known for it. A failed
// dial leaves libp2p's per-address backoff behind, which would refuse the
// next attempts for minutes: the keeper has its own backoff, so clear it.
func (n *Node) dialMember(pid peer.ID, plans []*planState) error {
	if sw, ok := n.h.Network().(*swarm.Swarm); ok {
		sw.Backoff().Clear(pid)
	}
	// The addresses kept for it, those that last worked first (libp2p
	// dials them all, so one dead address does not keep out a live one).
	for _, ps := range plans {
		if addrs := ps.knownPeers()[pid]; len(addrs) > 0 {
			n.h.Peerstore().AddAddrs(pid, addrs, peerstore.AddressTTL)
		}
	}
	ctx, cancel := context.WithTimeout(n.ctx, dialTimeout)
	defer cancel()
	if err := n.h.Connect(allowLimited(ctx), peer.AddrInfo{ID: pid}); err != nil {
		return fmt.Errorf("%w %s: %v", ErrUnreachable, shortID(pid), err)
	}
	return nil
}

// dropStale checks, after a new connection from pid appeared, the
// connections its sessions run on: one that does not answer a ping is
// left over from before a restart, sleep or network loss, and is closed,
// which ends its session so a fresh one replaces it.
func (n *Node) dropStale(pid peer.ID, plans []*planState) {
	conns := n.h.Network().ConnsToPeer(pid)
	if len(conns) < 2 {
		return
	}
	checked := map[network.Conn]bool{}
	for _, ps := range plans {
		s := ps.session(pid)
		if s == nil || checked[s.s.Conn()] {
			continue
		}
		c := s.s.Conn()
		checked[c] = true
		if err := n.pingConn(c); err != nil {
			n.log.Info("closing stale connection", "peer", shortID(pid), "err", err)
			c.Close()
		}
	}
}

// keepAlive pings the connections of sessions that have received nothing
// for a while; a dead one is closed, so the keeper reconnects.
func (n *Node) keepAlive(pid peer.ID, plans []*planState) {
	checked := map[network.Conn]bool{}
	for _, ps := range plans {
		s := ps.session(pid)
		if s == nil || time.Since(s.lastHeard()) < keepAliveIdle {
			continue
		}
		c := s.s.Conn()
		if checked[c] {
			continue
		}
		checked[c] = true
		if err := n.pingConn(c); err != nil {
			n.log.Info("connection does not answer; closing it", "peer", shortID(pid), "err", err)
			c.Close()
			continue
		}
		s.heard()
	}
}

// pingConn runs libp2p's ping over one connection (not whichever the host
// would pick), answered by the peer's libp2p stack even while its sync
// session is busy applying changes.
func (n *Node) pingConn(c network.Conn) error {
	ctx, cancel := context.WithTimeout(n.ctx, probeTimeout)
	defer cancel()
	s, err := c.NewStream(network.WithAllowLimitedConn(ctx, "coplan liveness ping"))
	if err != nil {
		return err
	}
	defer s.Reset()
	s.SetDeadline(time.Now().Add(probeTimeout))
	if err := s.SetProtocol(ping.ID); err != nil {
		return err
	}
	if err := msmux.SelectProtoOrFail(ping.ID, s); err != nil {
		return err
	}
	out := make([]byte, ping.PingSize)
	rand.Read(out)
	if _, err := s.Write(out); err != nil {
		return err
	}
	in := make([]byte, len(out))
	if _, err := io.ReadFull(s, in); err != nil {
		return err
	}
	if string(in) != string(out) {
		return errors.New("ping answered wrongly")
	}
	return nil
}

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
	n.h.Peerstore().AddAddrs(info.ID, info.Addrs, peerstore.AddressTTL)
	if !ps.isMember(info.ID) {
		return fmt.Errorf("%w: %s (recorded; it will be dialled once it is)", ErrNotMember, info.ID)
	}
	return n.connect(ctx, ps, *info)
}

// SyncNow wakes the keepers of every member of the plan: unreachable
// ones are dialled at once with their backoff reset, and stale
// connections are checked. What the user asks for with "Sync now".
func (n *Node) SyncNow(planID string) error {
	ps := n.plan(planID)
	if ps == nil {
		return ErrNotStarted
	}
	for _, pid := range ps.memberPeers() {
		if k := n.keep(pid); k != nil {
			k.now.Store(true)
			k.probe.Store(true)
			k.wake()
		}
	}
	return nil
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
			// Refused, superseded or crossed: try again; a duplicate is
			// resolved by the two sides' rule and a stale peer's probe.
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

// MemberSync is how syncing with one member went (SyncMembers).
type MemberSync struct {
	ID    string
	Name  string
	Level bool  // this device and the member were level
	Err   error // why not
	Stats Stats
}

// SyncMembers syncs the plan with every member whose address is known or
// who is connected, at once, until each is level, unreachable or ctx
// ends. The plan must be started.
func (n *Node) SyncMembers(ctx context.Context, planID string) ([]MemberSync, error) {
	ps := n.plan(planID)
	if ps == nil {
		return nil, ErrNotStarted
	}
	known := ps.knownPeers()
	var pids []peer.ID
	for _, pid := range ps.memberPeers() {
		if len(known[pid]) > 0 || len(n.h.Peerstore().Addrs(pid)) > 0 || n.isConnected(pid) {
			pids = append(pids, pid)
		}
	}
	out := make([]MemberSync, len(pids))
	done := make(chan struct{}, len(pids))
	for i, pid := range pids {
		m, _ := ps.p.Member(pid.String())
		out[i] = MemberSync{ID: pid.String(), Name: m.Name}
		go func() {
			defer func() { done <- struct{}{} }()
			st, err := n.SyncOnce(ctx, planID, peer.AddrInfo{ID: pid, Addrs: known[pid]})
			out[i].Stats, out[i].Err, out[i].Level = st, err, err == nil
		}()
	}
	for range pids {
		<-done
	}
	return out, nil
}

// connect dials a member and makes sure a session for the plan runs.
func (n *Node) connect(ctx context.Context, ps *planState, info peer.AddrInfo) error {
	if info.ID == n.h.ID() {
		return nil
	}
	if len(info.Addrs) > 0 {
		n.h.Peerstore().AddAddrs(info.ID, info.Addrs, peerstore.AddressTTL)
	}
	if sw, ok := n.h.Network().(*swarm.Swarm); ok {
		sw.Backoff().Clear(info.ID)
	}
	if err := n.h.Connect(allowLimited(ctx), info); err != nil {
		return fmt.Errorf("%w %s: %v", ErrUnreachable, shortID(info.ID), err)
	}
	ps.rememberConns(info.ID)
	if n.h.ID() > info.ID {
		// The peer's side opens (its keeper saw the connection): two
		// crossing streams would cost a session and what it sent.
		deadline := time.Now().Add(sessionGrace)
		for ps.session(info.ID) == nil && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if ps.session(info.ID) != nil {
		return nil
	}
	err := n.openSession(ctx, ps, info.ID)
	if errors.Is(err, errDuplicate) {
		n.keep(info.ID)
		return nil
	}
	return err
}

// onConnected wakes the member's keeper, which opens sessions and checks
// whether the new connection replaces a stale one.
func (n *Node) onConnected(pid peer.ID) {
	member := false
	for _, ps := range n.planList() {
		if ps.isMember(pid) {
			member = true
			ps.seen(pid)
		}
	}
	if member {
		n.forgetStranger(pid)
		// The connection manager never trims a member's connections.
		n.h.ConnManager().Protect(pid, "coplan-member")
		if k := n.keep(pid); k != nil {
			k.probe.Store(true)
			k.wake()
		}
		return
	}
	if n.isRelayOrJoin(pid) {
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
	if !n.isConnected(pid) {
		n.forgetStranger(pid)
	}
	for _, ps := range n.planList() {
		if ps.isMember(pid) {
			ps.seen(pid)
			n.keep(pid)
			return
		}
	}
}

func (n *Node) isRelayOrJoin(pid peer.ID) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.relays[pid] || n.joinTargets[pid] > 0
}

// isConnected counts a relayed connection as connected.
func (n *Node) isConnected(pid peer.ID) bool {
	c := n.h.Network().Connectedness(pid)
	return c == network.Connected || c == network.Limited
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
