package sync

import (
	"context"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/client"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/relay"
	ma "github.com/multiformats/go-multiaddr"
)

// relayResources are the circuit relay v2 limits of a node with
// Config.RelayService. libp2p's defaults (2 min, 128 KiB) suit only a hole
// punch; a plan's first sync can carry a large snapshot and a session stays
// open all day, so a circuit lasts hours and carries plenty.
func relayResources() relay.Resources {
	return relay.Resources{
		Limit:          &relay.RelayLimit{Duration: 4 * time.Hour, Data: 256 << 20},
		ReservationTTL: time.Hour,
		// A desk machine serving a few delegations, not a public relay.
		// (A peer holds one reservation: libp2p replaces it on refresh.)
		MaxReservations: 64,
		MaxCircuits:     16,
		BufferSize:      16 << 10,
		// One office behind one NAT is one address.
		MaxReservationsPerIP:  32,
		MaxReservationsPerASN: 64,
	}
}

// relayACL serves members only: the gater admits the connection, but it
// also admits configured relays and invitees, and a member of one plan
// must not be reached through this node by a member of another.
type relayACL struct{ n *Node }

// AllowReserve admits a device that is a member of a plan started here.
func (a relayACL) AllowReserve(p peer.ID, _ ma.Multiaddr) bool {
	for _, ps := range a.n.planList() {
		if ps.isMember(p) {
			return true
		}
	}
	a.n.log.Debug("relay reservation refused", "peer", shortID(p))
	return false
}

// AllowConnect relays only between two members of one plan started here.
func (a relayACL) AllowConnect(src peer.ID, _ ma.Multiaddr, dest peer.ID) bool {
	for _, ps := range a.n.planList() {
		if ps.isMember(src) && ps.isMember(dest) {
			return true
		}
	}
	a.n.log.Debug("relayed connection refused", "from", shortID(src), "to", shortID(dest))
	return false
}

// keepReservation holds a slot on a configured relay so members can reach
// this device through it. libp2p's autorelay would wait for AutoNAT to call
// the device private, which never happens when only members are admitted.
func (n *Node) keepReservation(info peer.AddrInfo, kick <-chan struct{}) {
	wait := n.cfg.ReconnectMin
	for {
		n.h.Peerstore().AddAddrs(info.ID, info.Addrs, peerstore.PermanentAddrTTL)
		ctx, cancel := context.WithTimeout(n.ctx, 30*time.Second)
		err := n.h.Connect(ctx, info)
		var rsvp *client.Reservation
		if err == nil {
			rsvp, err = client.Reserve(ctx, n.h, info)
		}
		cancel()
		next := wait
		if err != nil {
			if n.ctx.Err() != nil {
				return
			}
			n.log.Debug("relay reservation failed", "relay", shortID(info.ID), "err", err)
			wait = min(wait*2, n.cfg.ReconnectMax)
		} else {
			n.log.Info("reserved a slot on relay", "relay", shortID(info.ID), "until", rsvp.Expiration.Format(time.TimeOnly))
			wait = n.cfg.ReconnectMin
			// Renew well before it lapses.
			next = max(time.Until(rsvp.Expiration)*3/4, time.Second)
		}
		select {
		case <-time.After(next):
		case <-kick:
		case <-n.ctx.Done():
			return
		}
	}
}

// kickRelay renews the reservation at once when the relay connection drops.
func (n *Node) kickRelay(pid peer.ID) {
	n.mu.Lock()
	ch := n.relayKick[pid]
	n.mu.Unlock()
	if ch == nil || n.h.Network().Connectedness(pid) != network.NotConnected {
		return
	}
	select {
	case ch <- struct{}{}:
	default:
	}
}

// relayAddrs are this node's addresses through each configured relay.
func (n *Node) relayAddrs() []ma.Multiaddr {
	var out []ma.Multiaddr
	for _, r := range n.cfg.Relays {
		tail, err := ma.NewMultiaddr("/p2p/" + r.ID.String() + "/p2p-circuit")
		if err != nil {
			continue
		}
		for _, a := range r.Addrs {
			out = append(out, a.Encapsulate(tail))
		}
	}
	return out
}

// allowLimited lets sync streams use a relayed connection: with the raised
// relay limits it carries a whole session.
func allowLimited(ctx context.Context) context.Context {
	return network.WithAllowLimitedConn(ctx, "coplan sync")
}
