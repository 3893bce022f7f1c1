package sync

import (
	"time"

	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// gater admits, once the transport has authenticated the peer ID, only
// current members of a plan started here, the peer being joined, configured
// relays, and (inbound, while an invite this device issued is open) devices
// that may be coming to present it, or a few at a time while a short code
// is open, to run the join exchange. The stream handler still checks the
// plan named in each hello.
type gater struct{ n *Node }

func (g *gater) InterceptPeerDial(p peer.ID) bool { return g.n.allowed(p, network.DirOutbound) }

func (g *gater) InterceptAddrDial(peer.ID, ma.Multiaddr) bool { return true }

func (g *gater) InterceptAccept(network.ConnMultiaddrs) bool { return true }

func (g *gater) InterceptSecured(dir network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	return g.n.allowed(p, dir)
}

func (g *gater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }

func (n *Node) allowed(p peer.ID, dir network.Direction) bool {
	if n.isRelayOrJoin(p) {
		return true
	}
	plans := n.planList()
	for _, ps := range plans {
		if ps.isMember(p) {
			return true
		}
	}
	if dir == network.DirInbound {
		invites := 0
		for _, ps := range plans {
			if _, known := ps.p.Member(p.String()); !known {
				invites += ps.openInvites()
			}
		}
		if invites > 0 && n.admitStranger(p, invites) {
			return true
		}
		// A short code's own allowance (joinpake.go) is apart from the
		// room kept for invites.
		if n.admitsCodeGuest(p) {
			return true
		}
		if invites > 0 {
			n.log.Debug("gater refused device: enough unknown devices are presenting invites", "peer", shortID(p))
			return false
		}
	}
	n.log.Debug("gater refused device", "peer", shortID(p), "dir", dir.String())
	return false
}

// Unknown devices let in while an invite is open, to present it: a
// handful at a time per open invite and in all, so a flood of them
// cannot take the node's connections and handshakes from members.
const (
	maxStrangers          = 8
	maxStrangersPerInvite = 4
)

// admitStranger lets p in as an unknown device if there is room.
func (n *Node) admitStranger(p peer.ID, openInvites int) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := time.Now()
	for id, at := range n.strangers {
		// The grace timer has closed its connection by then.
		if now.Sub(at) > n.cfg.InviteGrace+5*time.Second {
			delete(n.strangers, id)
		}
	}
	if _, ok := n.strangers[p]; ok {
		return true
	}
	if len(n.strangers) >= min(maxStrangers, maxStrangersPerInvite*openInvites) {
		return false
	}
	n.strangers[p] = now
	return true
}

// forgetStranger frees p's place: it left, or became a member.
func (n *Node) forgetStranger(p peer.ID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.strangers, p)
}
