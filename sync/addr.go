package sync

import (
	"fmt"
	"slices"
	"strings"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"

	"github.com/coplan/coplan/doc"
)

// ErrPeerAddr is a peer address that does not parse or names no peer.
var ErrPeerAddr = fmt.Errorf("%w: peer address", doc.ErrInvalid)

// ParsePeerAddr reads a peer address as people type or paste it: a
// multiaddr ending in /p2p/PEER-ID, with surrounding space ignored. It
// gives the peer and where to reach it. Through a relay the address is
// .../p2p/RELAY-ID/p2p-circuit/p2p/PEER-ID; CircuitRelays names the relay.
func ParsePeerAddr(s string) (peer.AddrInfo, error) {
	m, err := parseMultiaddr(s)
	if err != nil {
		return peer.AddrInfo{}, err
	}
	info, err := peer.AddrInfoFromP2pAddr(m)
	if err != nil {
		return peer.AddrInfo{}, fmt.Errorf("%w: %q must end in /p2p/PEER-ID", ErrPeerAddr, s)
	}
	return *info, nil
}

// CircuitRelays are the relays a peer address goes through, which a node
// must admit and dial through (Config.Relays): the RELAY of
// .../p2p/RELAY-ID/p2p-circuit/p2p/PEER-ID, or none for a direct address.
func CircuitRelays(s string) ([]peer.AddrInfo, error) {
	m, err := parseMultiaddr(s)
	if err != nil {
		return nil, err
	}
	before, _ := ma.SplitFunc(m, func(c ma.Component) bool { return c.Protocol().Code == ma.P_CIRCUIT })
	if len(before) == len(m) {
		return nil, nil
	}
	info, err := peer.AddrInfoFromP2pAddr(before)
	if err != nil {
		return nil, fmt.Errorf("%w: %q must name the relay as /p2p/RELAY-ID before /p2p-circuit", ErrPeerAddr, s)
	}
	return []peer.AddrInfo{*info}, nil
}

func parseMultiaddr(s string) (ma.Multiaddr, error) {
	m, err := ma.NewMultiaddr(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("%w: %q is not a multiaddr: %v", ErrPeerAddr, s, err)
	}
	return m, nil
}

func isLoopback(a ma.Multiaddr) bool { return manet.IsIPLoopback(a) }

func ipv6Rank(a ma.Multiaddr) int {
	if first, _ := ma.SplitFirst(a); first != nil && first.Protocol().Code == ma.P_IP6 {
		return 1
	}
	return 0
}

// InviteAddrs resolves listen addresses (possibly 0.0.0.0) into the
// interface addresses an invite should carry, for the command line, which
// has no running node to ask.
func InviteAddrs(listen []string) ([]ma.Multiaddr, error) {
	var ls []ma.Multiaddr
	for _, l := range listen {
		m, err := ma.NewMultiaddr(l)
		if err != nil {
			return nil, err
		}
		ls = append(ls, m)
	}
	ifaces, err := manet.InterfaceMultiaddrs()
	if err != nil {
		return nil, err
	}
	resolved, err := manet.ResolveUnspecifiedAddresses(ls, ifaces)
	if err != nil {
		return nil, err
	}
	return inviteAddrs(resolved), nil
}

// inviteAddrs picks up to a few addresses for an invite: LAN ones first,
// loopback only when there is nothing else, never IPv6 link-local ones
// (they need an interface name the joiner cannot know).
func inviteAddrs(addrs []ma.Multiaddr) []ma.Multiaddr {
	var lan, loop []ma.Multiaddr
	for _, a := range addrs {
		if manet.IsIP6LinkLocal(a) {
			continue
		}
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
