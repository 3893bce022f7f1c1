package sync

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
)

// MDNSServiceName is the DNS-SD service a plan is announced under: a hash
// of the plan ID, so the plan's title never goes on the air and members of
// other plans are not bothered.
func MDNSServiceName(planID string) string {
	sum := sha256.Sum256([]byte("coplan-mdns\x00" + planID))
	enc := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:10]))
	return "_cp" + enc[:12] + "._udp"
}

// sightingQuiet is how long a repeat sighting of a peer is ignored.
const sightingQuiet = 10 * time.Second

type mdnsNotifee struct{ ps *planState }

func (nf mdnsNotifee) HandlePeerFound(info peer.AddrInfo) {
	ps, n := nf.ps, nf.ps.n
	if info.ID == n.h.ID() || !ps.isMember(info.ID) {
		return
	}
	now := time.Now()
	ps.mu.Lock()
	last, dup := ps.sightings[info.ID]
	if dup && now.Sub(last) < sightingQuiet {
		ps.mu.Unlock()
		return
	}
	ps.sightings[info.ID] = now
	running := ps.sessions[info.ID] != nil
	ps.mu.Unlock()
	if running && n.h.Network().Connectedness(info.ID) == network.Connected {
		return
	}
	ps.log.Info("member found on the local network", "peer", shortID(info.ID))
	n.h.Peerstore().AddAddrs(info.ID, info.Addrs, peerstore.TempAddrTTL)
	if k := n.keep(info.ID); k != nil {
		k.now.Store(true)
		k.wake()
	}
}

func (ps *planState) startMDNS() {
	ps.mdnsMu.Lock()
	defer ps.mdnsMu.Unlock()
	svc := mdns.NewMdnsService(ps.n.h, MDNSServiceName(ps.id), mdnsNotifee{ps})
	if err := svc.Start(); err != nil {
		ps.log.Warn("mDNS discovery unavailable", "err", err)
		return
	}
	ps.mdns = svc
}

func (ps *planState) stopMDNS() {
	ps.mdnsMu.Lock()
	defer ps.mdnsMu.Unlock()
	if ps.mdns != nil {
		ps.mdns.Close()
		ps.mdns = nil
	}
}

// restartMDNS re-announces with the current addresses.
func (ps *planState) restartMDNS() {
	ps.mdnsMu.Lock()
	running := ps.mdns != nil
	ps.mdnsMu.Unlock()
	if !running {
		return
	}
	ps.log.Info("local addresses changed; re-announcing on mDNS")
	ps.stopMDNS()
	ps.startMDNS()
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
