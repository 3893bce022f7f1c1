package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p"
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
	"github.com/coplan/coplan/sync/wire"
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

	// Lock order, outermost first; a lock may be held while taking those
	// after it, never one before it:
	//
	//	planState.mdnsMu   (closing mDNS waits for a sighting in flight,
	//	                   which takes planState.mu and Node.mu)
	//	session.recvMu     (held from merging changes until their
	//	                   delivery is recorded)
	//	planState.mu
	//	planState.fileMu, session.mu, Node.mu, codeBook.mu   (leaves: no
	//	                   other lock is taken while one is held)
	//
	// The doc.Plan's own lock is last of all (taken under recvMu and
	// planState.mu when they call into the plan; never under session.mu). No lock here is
	// held while dialling, opening a stream, closing a peer or writing to
	// a stream: the host calls back into the gater and the connection
	// notifiee, which take Node.mu and planState.mu.
	mu          gosync.Mutex // the fields below; a leaf
	plans       map[string]*planState
	joinTargets map[peer.ID]int
	relays      map[peer.ID]bool
	relayKick   map[peer.ID]chan struct{}
	relaySvc    *relay.Relay
	keepers     map[peer.ID]*keeper
	strangers   map[peer.ID]time.Time // admitted for an open invite, when
	closed      bool
	started     time.Time

	codes codeBook    // open short codes (joinpake.go)
	pres  presenceHub // presence.go; its lock is a leaf

	amGarbage atomic.Int64  // Automerge objects made since the last collection (cgogc.go)
	gcKick    chan struct{} // asks collectAutomerge for a collection

	// testBeforeReceive, when set, sees each changes frame before it is
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
		relayKick: map[peer.ID]chan struct{}{}, keepers: map[peer.ID]*keeper{}, strangers: map[peer.ID]time.Time{}, started: time.Now(),
		gcKick: make(chan struct{}, 1)}
	for _, r := range cfg.Relays {
		n.relays[r.ID] = true
		n.relayKick[r.ID] = make(chan struct{}, 1)
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())

	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(resourceLimits()))
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
	h.SetStreamHandler(wire.ProtocolID, n.tracked(n.handleStream))
	n.startJoinPAKE()
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
	n.goTask(n.collectAutomerge)
	n.log.Info("sync node listening", "addrs", h.Addrs(), "relay service", cfg.RelayService)
	return n, nil
}

// resourceLimits are libp2p's defaults for this machine with limits sized
// for a room of 40 laptops: every member may hold a few connections (TCP
// and QUIC both, a relayed one) and a stream per plan besides identify and
// ping, and one peer cannot take more than its share; handshakes in
// flight (the transient scope) have room beside a flood of unknown
// devices, which the gate then turns away.
func resourceLimits() rcmgr.ConcreteLimitConfig {
	limits := rcmgr.DefaultLimits
	libp2p.SetDefaultServiceLimits(&limits)
	// One stream per (peer, plan); a handful of plans per peer at most.
	limits.AddProtocolPeerLimit(wire.ProtocolID, rcmgr.BaseLimit{Streams: 16, StreamsInbound: 8, StreamsOutbound: 8, Memory: 64 << 20},
		rcmgr.BaseLimitIncrease{})
	room := rcmgr.PartialLimitConfig{
		System:    rcmgr.ResourceLimits{Conns: 512, ConnsInbound: 256, ConnsOutbound: 256},
		Transient: rcmgr.ResourceLimits{Conns: 256, ConnsInbound: 128, ConnsOutbound: 128},
		PeerDefault: rcmgr.ResourceLimits{Conns: 8, ConnsInbound: 4, ConnsOutbound: 4,
			Streams: 64, StreamsInbound: 32, StreamsOutbound: 32, Memory: 96 << 20},
	}
	scaled := limits.AutoScale()
	// Never below the room's needs on a small machine, nor the default
	// above them on a large one.
	base := scaled.ToPartialLimitConfig()
	raise := func(dst *rcmgr.LimitVal, floor rcmgr.LimitVal) {
		if *dst >= 0 && *dst < floor { // not unlimited or blocked
			*dst = floor
		}
	}
	for _, pair := range []struct{ dst, min *rcmgr.ResourceLimits }{
		{&base.System, &room.System}, {&base.Transient, &room.Transient},
	} {
		raise(&pair.dst.Conns, pair.min.Conns)
		raise(&pair.dst.ConnsInbound, pair.min.ConnsInbound)
		raise(&pair.dst.ConnsOutbound, pair.min.ConnsOutbound)
	}
	base.PeerDefault = room.PeerDefault
	return base.Build(scaled)
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

// tracked counts a stream handler in n.wg, so Close returns only once
// every handler has (nothing logs or writes after it); a stream arriving
// after Close began is reset.
func (n *Node) tracked(h network.StreamHandler) network.StreamHandler {
	return func(s network.Stream) {
		n.mu.Lock()
		if n.closed {
			n.mu.Unlock()
			s.Reset()
			return
		}
		n.wg.Add(1)
		n.mu.Unlock()
		defer n.wg.Done()
		h(s)
	}
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
			n.keep(pid)
		}
	}
	for pid, addrs := range ps.knownPeers() {
		if pid == n.h.ID() || !ps.isMember(pid) {
			continue
		}
		n.h.Peerstore().AddAddrs(pid, addrs, peerstore.AddressTTL)
		n.keep(pid)
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

func shortID(p peer.ID) string {
	s := p.String()
	if len(s) > 12 {
		return s[len(s)-8:]
	}
	return s
}

func shortPlan(id string) string { return id[:min(8, len(id))] }
