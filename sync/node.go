package sync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	gosync "sync"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/relay"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/coplan/coplan/doc"
)

// Sentinel errors of the node.
var (
	ErrClosed      = errors.New("sync node closed")
	ErrNotStarted  = errors.New("plan is not being synced on this device")
	ErrRefused     = errors.New("refused by peer")
	ErrNotMember   = errors.New("not a member of this plan")
	ErrNoLibrary   = errors.New("no library to store a received plan")
	ErrUnreachable = errors.New("could not reach the peer")
)

// DefaultPort is where Coplan listens (TCP and QUIC) unless told otherwise,
// so an invite printed by the command line names the port the app or
// `coplan serve` will use.
const DefaultPort = 4077

// DefaultListen is every interface on port, TCP and QUIC, IPv4 and IPv6.
func DefaultListen(port int) []string {
	return []string{
		fmt.Sprintf("/ip4/0.0.0.0/tcp/%d", port),
		fmt.Sprintf("/ip4/0.0.0.0/udp/%d/quic-v1", port),
		fmt.Sprintf("/ip6/::/tcp/%d", port),
		fmt.Sprintf("/ip6/::/udp/%d/quic-v1", port),
	}
}

// Config sets up a node.
type Config struct {
	Identity *Identity
	// Listen are multiaddrs to listen on; nil means DefaultListen(DefaultPort),
	// empty means none (a device reachable only through its relays).
	Listen []string
	// StateDir keeps, per plan, the sync state of each peer, the record of
	// which peer delivered which change, known peer addresses and issued
	// invites. Usually DATA/sync.
	StateDir string
	// Library stores plans received whole (Join, Fetch).
	Library *doc.Library
	// Relays are admitted by the gater; the node keeps a reservation on
	// each so members can reach it through them, and dials through them.
	Relays []peer.AddrInfo
	// RelayService serves circuit relay v2, with limits big enough for a
	// whole sync session, to members of the plans started here (an
	// always-on `coplan serve` for drafters working apart).
	RelayService bool
	// MDNS announces and finds members on the local network.
	MDNS   bool
	Logger *slog.Logger
	// Reconnect backoff bounds; zero means 500 ms and 30 s.
	ReconnectMin, ReconnectMax time.Duration
	// InviteGrace is how long a device admitted only because an invite is
	// open has to present it before it is disconnected; zero means 15 s.
	InviteGrace time.Duration
}

// Node is a device on the network: one libp2p host syncing every plan
// started on it with every member it can reach. Its methods are safe for
// concurrent use.
type Node struct {
	cfg    Config
	h      host.Host
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     gosync.WaitGroup

	mu           gosync.Mutex
	plans        map[string]*planState
	joinTargets  map[peer.ID]int
	relays       map[peer.ID]bool
	relayKick    map[peer.ID]chan struct{}
	relaySvc     *relay.Relay
	reconnecting map[peer.ID]bool
	closed       bool

	// testBeforeReceive, when set, sees each sync message before it is
	// applied; returning true drops it and ends the session (a crash).
	testBeforeReceive func(from peer.ID, msg []byte) bool
}

// NewNode starts a libp2p host with the device key and begins listening.
func NewNode(cfg Config) (*Node, error) {
	if cfg.Identity == nil {
		return nil, errors.New("sync: Config.Identity is required")
	}
	if cfg.StateDir == "" {
		return nil, errors.New("sync: Config.StateDir is required")
	}
	if cfg.Listen == nil {
		cfg.Listen = DefaultListen(DefaultPort)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ReconnectMin <= 0 {
		cfg.ReconnectMin = 500 * time.Millisecond
	}
	if cfg.ReconnectMax <= 0 {
		cfg.ReconnectMax = 30 * time.Second
	}
	if cfg.InviteGrace <= 0 {
		cfg.InviteGrace = 15 * time.Second
	}
	n := &Node{cfg: cfg, log: cfg.Logger.With("self", shortID(cfg.Identity.PeerID)),
		plans: map[string]*planState{}, joinTargets: map[peer.ID]int{}, relays: map[peer.ID]bool{},
		relayKick: map[peer.ID]chan struct{}{}, reconnecting: map[peer.ID]bool{}}
	for _, r := range cfg.Relays {
		n.relays[r.ID] = true
		n.relayKick[r.ID] = make(chan struct{}, 1)
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())

	limits := rcmgr.DefaultLimits
	libp2p.SetDefaultServiceLimits(&limits)
	// One stream per (peer, plan); a handful of plans per peer at most.
	limits.AddProtocolPeerLimit(ProtocolID, rcmgr.BaseLimit{Streams: 16, StreamsInbound: 8, StreamsOutbound: 8, Memory: 64 << 20},
		rcmgr.BaseLimitIncrease{})
	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(limits.AutoScale()))
	if err != nil {
		return nil, err
	}
	cm, err := connmgr.NewConnManager(64, 256)
	if err != nil {
		return nil, err
	}
	opts := []libp2p.Option{
		libp2p.Identity(cfg.Identity.Key),
		libp2p.ListenAddrStrings(cfg.Listen...),
		// TCP and QUIC only; no pre-shared key (it would disable QUIC):
		// the gater admits members instead.
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(quic.NewTransport),
		libp2p.ResourceManager(rm),
		libp2p.ConnectionManager(cm),
		libp2p.ConnectionGater(&gater{n: n}),
		libp2p.DisableMetrics(),
	}
	if len(cfg.Listen) == 0 {
		opts = append(opts, libp2p.NoListenAddrs)
	}
	if len(cfg.Relays) > 0 {
		// Reservations are kept by keepReservation, not autorelay.
		opts = append(opts, libp2p.EnableRelay(), libp2p.EnableHolePunching())
	} else {
		opts = append(opts, libp2p.DisableRelay())
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("start libp2p host: %w", err)
	}
	n.h = h
	if cfg.RelayService {
		// Started here rather than by libp2p.EnableRelayService, which waits
		// for AutoNAT to find the node public.
		if n.relaySvc, err = relay.New(h, relay.WithResources(relayResources()), relay.WithACL(relayACL{n})); err != nil {
			h.Close()
			return nil, fmt.Errorf("start relay service: %w", err)
		}
	}
	h.SetStreamHandler(ProtocolID, n.handleStream)
	h.Network().Notify(&network.NotifyBundle{
		ConnectedF:    func(_ network.Network, c network.Conn) { n.onConnected(c.RemotePeer()) },
		DisconnectedF: func(_ network.Network, c network.Conn) { n.onDisconnected(c.RemotePeer()) },
	})
	if err := n.watchAddrs(); err != nil {
		h.Close()
		return nil, err
	}
	for _, r := range cfg.Relays {
		kick := n.relayKick[r.ID]
		n.goTask(func() { n.keepReservation(r, kick) })
	}
	n.log.Info("sync node listening", "addrs", h.Addrs(), "relay service", cfg.RelayService)
	return n, nil
}

// ID is this device's peer ID.
func (n *Node) ID() peer.ID { return n.h.ID() }

// Host exposes the libp2p host (for tests and diagnostics).
func (n *Node) Host() host.Host { return n.h }

// Addrs are the addresses the node listens on and those through its
// relays, each ending in /p2p/ID.
func (n *Node) Addrs() []ma.Multiaddr {
	var direct []ma.Multiaddr
	for _, a := range n.h.Addrs() {
		if _, err := a.ValueForProtocol(ma.P_CIRCUIT); err != nil {
			direct = append(direct, a)
		}
	}
	infos, _ := peer.AddrInfoToP2pAddrs(&peer.AddrInfo{ID: n.h.ID(), Addrs: append(direct, n.relayAddrs()...)})
	return infos
}

// Close stops every plan's sync, saving per-peer sync state, and shuts
// the host down.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	plans := make([]*planState, 0, len(n.plans))
	for _, ps := range n.plans {
		plans = append(plans, ps)
	}
	n.plans = map[string]*planState{}
	n.mu.Unlock()
	for _, ps := range plans {
		ps.stop()
	}
	n.cancel()
	if n.relaySvc != nil {
		n.relaySvc.Close()
	}
	err := n.h.Close()
	n.wg.Wait()
	return err
}

func (n *Node) isClosed() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.closed
}

func (n *Node) plan(id string) *planState {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.plans[id]
}

func (n *Node) planList() []*planState {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]*planState, 0, len(n.plans))
	for _, ps := range n.plans {
		out = append(out, ps)
	}
	return out
}

// go runs f on the node's wait group unless the node is closed.
func (n *Node) goTask(f func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		f()
	}()
}

// Start syncs p with its members: it answers their streams, finds them by
// mDNS, dials the peers it knows and pushes every commit. The caller keeps
// ownership of p (Stop does not close it).
func (n *Node) Start(p *doc.Plan) error {
	_, err := n.startPlan(p, nil)
	return err
}

func (n *Node) startPlan(p *doc.Plan, first *session) (*planState, error) {
	id := p.ID()
	if !doc.ValidPlanID(id) {
		return nil, fmt.Errorf("%w: plan ID %q", doc.ErrInvalid, id)
	}
	dir := filepath.Join(n.cfg.StateDir, id)
	if err := os.MkdirAll(filepath.Join(dir, "peers"), 0o700); err != nil {
		return nil, err
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil, ErrClosed
	}
	if ps, ok := n.plans[id]; ok {
		n.mu.Unlock()
		return ps, nil
	}
	ps := newPlanState(n, p, dir)
	n.plans[id] = ps
	n.mu.Unlock()
	if first != nil {
		first.setPlan(ps)
		ps.register(first)
	}
	events, cancel := p.Subscribe()
	ps.cancelSub = cancel
	n.goTask(func() { ps.watch(events) })
	if n.cfg.MDNS {
		ps.startMDNS()
	}
	// Members already connected (another plan brought them) sync now;
	// known members are dialled.
	for _, pid := range n.h.Network().Peers() {
		if ps.isMember(pid) {
			n.goTask(func() { n.ensureSession(ps, pid, false) })
		}
	}
	for pid, addrs := range ps.knownPeers() {
		if pid == n.h.ID() || !ps.isMember(pid) {
			continue
		}
		n.h.Peerstore().AddAddrs(pid, addrs, peerstore.PermanentAddrTTL)
		if !n.isConnected(pid) {
			n.reconnect(pid)
		}
	}
	n.log.Info("syncing plan", "plan", shortPlan(id))
	return ps, nil
}

// Stop ends syncing the plan: its streams close and sync state is saved.
func (n *Node) Stop(planID string) {
	n.mu.Lock()
	ps := n.plans[planID]
	delete(n.plans, planID)
	n.mu.Unlock()
	if ps != nil {
		ps.stop()
	}
}

// Status is how a plan's sync looks from this device.
type Status struct {
	Connected  int       // members connected now
	LastSynced time.Time // last time a peer and this device were level
	Offline    bool      // no member connected
}

// Status reports on a started plan.
func (n *Node) Status(planID string) Status {
	ps := n.plan(planID)
	if ps == nil {
		return Status{Offline: true}
	}
	var st Status
	for _, pi := range ps.peerInfos() {
		if pi.Connected {
			st.Connected++
		}
		if pi.LastSynced.After(st.LastSynced) {
			st.LastSynced = pi.LastSynced
		}
	}
	st.Offline = st.Connected == 0
	return st
}

// PeerStatus is one member device as seen from here.
type PeerStatus struct {
	ID         string
	Name       string
	Connected  bool // a sync session is open now
	LastSeen   time.Time
	LastSynced time.Time
	Stats      Stats
}

// Stats counts what moved between this device and a peer.
type Stats struct {
	ChangesSent, ChangesReceived int
	BytesSent, BytesReceived     int64
}

// Peers lists the member devices of a started plan other than this one.
func (n *Node) Peers(planID string) []PeerStatus {
	ps := n.plan(planID)
	if ps == nil {
		return nil
	}
	return ps.peerInfos()
}

// DeliveredBy reads the local record of which authenticated peer delivered
// each change of a plan (change hash -> peer ID).
func (n *Node) DeliveredBy(planID string) (map[string]string, error) {
	return ReadProvenance(filepath.Join(n.cfg.StateDir, planID))
}

// Invite signs an invite to a started plan, valid for ttl, naming this
// node's addresses, and opens the gate for the joiner until it expires.
func (n *Node) Invite(planID string, ttl time.Duration) (string, error) {
	ps := n.plan(planID)
	if ps == nil {
		return "", ErrNotStarted
	}
	if !ps.p.IsMember(n.h.ID().String()) {
		return "", fmt.Errorf("%w: this device", ErrNotMember)
	}
	code, inv, err := NewInvite(n.cfg.Identity, planID, inviteAddrs(n.h.Addrs()), ttl)
	if err != nil {
		return "", err
	}
	if err := RecordInvite(n.cfg.StateDir, inv); err != nil {
		return "", err
	}
	return code, nil
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

// watchAddrs re-announces on mDNS when the local addresses change: the
// go-libp2p mDNS service never re-advertises on its own.
func (n *Node) watchAddrs() error {
	sub, err := n.h.EventBus().Subscribe(new(event.EvtLocalAddressesUpdated))
	if err != nil {
		return err
	}
	n.goTask(func() {
		defer sub.Close()
		for {
			select {
			case <-n.ctx.Done():
				return
			case e, ok := <-sub.Out():
				if !ok {
					return
				}
				if ev, _ := e.(event.EvtLocalAddressesUpdated); !ev.Diffs {
					continue
				}
				for _, ps := range n.planList() {
					ps.restartMDNS()
				}
			}
		}
	})
	return nil
}

// Join uses an invite: it dials the inviter, proves the invite, receives
// the plan into the library, becomes a member and keeps syncing it. The
// returned plan is started on the node and owned by the caller.
func (n *Node) Join(ctx context.Context, code string, author doc.Author) (*doc.Plan, error) {
	inv, err := ParseInvite(code)
	if err != nil {
		return nil, err
	}
	if err := inv.Check(inv.Plan, time.Now()); err != nil {
		return nil, err
	}
	if author.Name == "" || author.Side == "" {
		return nil, fmt.Errorf("%w: joining needs a name and a side", doc.ErrInvalid)
	}
	h := Hello{Version: ProtocolVersion, Plan: inv.Plan, Invite: code, Name: author.Name, Org: author.Org, Side: string(author.Side)}
	return n.fetch(ctx, inv.AddrInfo(), h, author)
}

// Fetch receives a plan this device is a member of but does not hold (a new
// laptop with an old key, a wiped disk) from a member peer.
func (n *Node) Fetch(ctx context.Context, planID string, info peer.AddrInfo, author doc.Author) (*doc.Plan, error) {
	return n.fetch(ctx, info, Hello{Version: ProtocolVersion, Plan: planID}, author)
}

func (n *Node) fetch(ctx context.Context, info peer.AddrInfo, h Hello, author doc.Author) (*doc.Plan, error) {
	if n.cfg.Library == nil {
		return nil, ErrNoLibrary
	}
	if ps := n.plan(h.Plan); ps != nil {
		// Already here: a join is then only a sync.
		_, err := n.SyncOnce(ctx, h.Plan, info)
		return ps.p, err
	}
	h.Have = n.cfg.Library.Exists(h.Plan)
	n.mu.Lock()
	n.joinTargets[info.ID]++
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		if n.joinTargets[info.ID]--; n.joinTargets[info.ID] <= 0 {
			delete(n.joinTargets, info.ID)
		}
		n.mu.Unlock()
	}()
	n.h.Peerstore().AddAddrs(info.ID, info.Addrs, peerstore.PermanentAddrTTL)
	if err := n.h.Connect(allowLimited(ctx), info); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrUnreachable, shortID(info.ID), err)
	}
	s, err := n.h.NewStream(allowLimited(ctx), info.ID, ProtocolID)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	sess, w, err := n.handshake(ctx, s, h)
	if err != nil {
		return nil, err
	}
	var p *doc.Plan
	if h.Have {
		p, err = n.cfg.Library.Open(h.Plan, author)
	} else {
		var snap []byte
		snap, err = sess.readSnapshot(w.Snapshot)
		if err == nil {
			p, err = n.cfg.Library.Adopt(snap, author)
		}
	}
	if err != nil {
		s.Reset()
		return nil, err
	}
	if p.ID() != h.Plan || !p.IsMember(info.ID.String()) || !p.IsMember(n.h.ID().String()) {
		s.Reset()
		p.Close()
		return nil, fmt.Errorf("%w: the plan received does not list this device and its sender as members", ErrRefused)
	}
	// The joining stream is registered before the plan looks for other
	// connected members, so it is not raced by a second stream.
	ps, err := n.startPlan(p, sess)
	if err != nil {
		s.Reset()
		p.Close()
		return nil, err
	}
	ps.rememberPeer(info.ID, n.h.Peerstore().Addrs(info.ID))
	if err := sess.begin(!h.Have); err != nil {
		s.Reset()
		return p, err
	}
	n.goTask(sess.run)
	return p, nil
}

// openSession dials a stream for a plan both sides hold.
func (n *Node) openSession(ctx context.Context, ps *planState, pid peer.ID) error {
	if ps.session(pid) != nil {
		return errDuplicate
	}
	s, err := n.h.NewStream(allowLimited(ctx), pid, ProtocolID)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	sess, _, err := n.handshake(ctx, s, Hello{Version: ProtocolVersion, Plan: ps.id, Have: true})
	if err != nil {
		return err
	}
	sess.setPlan(ps)
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
	n.goTask(sess.run)
	return nil
}

// handshake sends a hello and reads the welcome or refusal.
func (n *Node) handshake(ctx context.Context, s network.Stream, h Hello) (*session, Welcome, error) {
	deadline := time.Now().Add(30 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	s.SetDeadline(deadline)
	sess := newSession(n, s, n.h.ID())
	payload, _ := jsonMarshal(h)
	if err := sess.fw.write(frameHello, payload); err != nil {
		s.Reset()
		return nil, Welcome{}, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	typ, body, err := sess.fr.read(MaxHelloFrame)
	if err != nil {
		s.Reset()
		if errors.Is(err, io.EOF) || errors.Is(err, network.ErrReset) {
			return nil, Welcome{}, fmt.Errorf("%w: stream closed without an answer", ErrRefused)
		}
		return nil, Welcome{}, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	switch typ {
	case frameRefuse:
		s.Close()
		if string(body) == errDuplicate.Error() {
			return nil, Welcome{}, errDuplicate // the peer's own stream to us carries the sync
		}
		return nil, Welcome{}, fmt.Errorf("%w: %s", ErrRefused, truncate(string(body), 300))
	case frameWelcome:
		w, err := ParseWelcome(body)
		if err != nil {
			s.Reset()
			return nil, w, err
		}
		if h.Have && w.Snapshot > 0 {
			s.Reset()
			return nil, w, fmt.Errorf("%w: snapshot offered to a peer that has the plan", ErrBadFrame)
		}
		return sess, w, nil
	}
	s.Reset()
	return nil, Welcome{}, fmt.Errorf("%w: frame type %d instead of a welcome", ErrBadFrame, typ)
}

// handleStream answers a peer's stream: read the hello, check membership
// or invite before a byte of the plan is sent, then sync.
func (n *Node) handleStream(s network.Stream) {
	remote := s.Conn().RemotePeer()
	log := n.log.With("peer", shortID(remote))
	s.SetDeadline(time.Now().Add(15 * time.Second))
	sess := newSession(n, s, remote)
	typ, body, err := sess.fr.read(MaxHelloFrame)
	if err != nil {
		log.Warn("sync stream reset: unreadable hello", "reason", err)
		s.Reset()
		return
	}
	if typ != frameHello {
		log.Warn("sync stream reset: first frame is not a hello", "type", typ)
		s.Reset()
		return
	}
	h, err := ParseHello(body)
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
	sess.setPlan(ps)
	if !ps.register(sess) {
		n.refuse(s, errDuplicate.Error())
		return
	}
	w := Welcome{Version: ProtocolVersion}
	var snap []byte
	if !h.Have {
		if snap, err = ps.p.Save(); err != nil {
			ps.unregister(sess)
			s.Reset()
			return
		}
		w.Snapshot = int64(len(snap))
	}
	payload, _ := jsonMarshal(w)
	err = sess.fw.write(frameWelcome, payload)
	for off := 0; err == nil && off < len(snap); off += SnapshotChunk {
		s.SetWriteDeadline(time.Now().Add(30 * time.Second))
		err = sess.fw.write(frameSnapshot, snap[off:min(off+SnapshotChunk, len(snap))])
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
	ps.rememberPeer(remote, n.h.Peerstore().Addrs(remote))
	sess.run()
}

// refuse tells the dialer why, then closes; the reason carries nothing of
// the plan.
func (n *Node) refuse(s network.Stream, reason string) {
	s.SetWriteDeadline(time.Now().Add(5 * time.Second))
	fw := &frameWriter{w: s}
	if err := fw.write(frameRefuse, []byte(truncate(reason, 300))); err != nil {
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

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func shortID(p peer.ID) string {
	s := p.String()
	if len(s) > 12 {
		return s[len(s)-8:]
	}
	return s
}

func shortPlan(id string) string { return id[:min(8, len(id))] }

// inviteAddrs picks up to a few addresses for an invite: LAN ones first,
// loopback only when there is nothing else.
func inviteAddrs(addrs []ma.Multiaddr) []ma.Multiaddr {
	var lan, loop []ma.Multiaddr
	for _, a := range addrs {
		if isLoopback(a) {
			loop = append(loop, a)
		} else {
			lan = append(lan, a)
		}
	}
	out := append(lan, loop...)
	if len(lan) > 0 {
		out = lan
	}
	slices.SortStableFunc(out, func(a, b ma.Multiaddr) int { return ipv6Rank(a) - ipv6Rank(b) })
	return out[:min(len(out), maxInviteAddrs)]
}
