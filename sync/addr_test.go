package sync

import (
	"errors"
	"slices"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/coplan/coplan/doc"
)

func TestParsePeerAddr(t *testing.T) {
	member := newTestPeer(t, "Ana").id.PeerID.String()
	relay := newTestPeer(t, "Relay").id.PeerID.String()
	cases := []struct {
		name   string
		in     string
		addrs  []string // where to reach the peer
		relays []string // "RELAY-ID ADDR" of each relay
		bad    bool     // neither parses
	}{
		{name: "direct", in: "/ip4/127.0.0.1/tcp/4077/p2p/" + member, addrs: []string{"/ip4/127.0.0.1/tcp/4077"}},
		{name: "pasted with space", in: "  /ip6/::1/udp/4077/quic-v1/p2p/" + member + "\n", addrs: []string{"/ip6/::1/udp/4077/quic-v1"}},
		{name: "peer only", in: "/p2p/" + member},
		{name: "through a relay", in: "/ip4/10.0.0.1/tcp/4077/p2p/" + relay + "/p2p-circuit/p2p/" + member,
			addrs:  []string{"/ip4/10.0.0.1/tcp/4077/p2p/" + relay + "/p2p-circuit"},
			relays: []string{relay + " /ip4/10.0.0.1/tcp/4077"}},
		{name: "empty", in: "", bad: true},
		{name: "not a multiaddr", in: "192.168.1.5:4077", bad: true},
		{name: "no peer", in: "/ip4/127.0.0.1/tcp/4077", bad: true},
		{name: "bad peer ID", in: "/ip4/127.0.0.1/tcp/4077/p2p/notapeer", bad: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			info, err := ParsePeerAddr(tc.in)
			relays, rerr := CircuitRelays(tc.in)
			if tc.bad {
				if err == nil {
					t.Fatalf("accepted %q as %v", tc.in, info)
				}
				if !errors.Is(err, ErrPeerAddr) || !errors.Is(err, doc.ErrInvalid) {
					t.Fatalf("error %v is not ErrPeerAddr", err)
				}
				return
			}
			if err != nil || rerr != nil {
				t.Fatal(err, rerr)
			}
			if info.ID.String() != member {
				t.Fatalf("peer %s, want %s", info.ID, member)
			}
			var addrs []string
			for _, a := range info.Addrs {
				addrs = append(addrs, a.String())
			}
			if !slices.Equal(addrs, tc.addrs) {
				t.Fatalf("addrs %v, want %v", addrs, tc.addrs)
			}
			var rs []string
			for _, r := range relays {
				for _, a := range r.Addrs {
					rs = append(rs, r.ID.String()+" "+a.String())
				}
			}
			if !slices.Equal(rs, tc.relays) {
				t.Fatalf("relays %v, want %v", rs, tc.relays)
			}
		})
	}
	// A circuit that does not name its relay dials nowhere.
	if _, err := CircuitRelays("/p2p-circuit/p2p/" + member); !errors.Is(err, ErrPeerAddr) {
		t.Fatalf("unnamed relay: %v", err)
	}
}

// ParsePeerAddr never panics, and what it accepts prints back to addresses
// that parse to the same peer and places.
func FuzzParsePeerAddr(f *testing.F) {
	ident, err := LoadOrCreateIdentity(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	id := ident.PeerID.String()
	f.Add("/ip4/127.0.0.1/tcp/4077/p2p/" + id)
	f.Add("/ip4/10.0.0.1/tcp/4077/p2p/" + id + "/p2p-circuit/p2p/" + id)
	f.Add("/dns4/example.org/udp/4077/quic-v1/p2p/" + id)
	f.Add("192.168.1.5:4077")
	f.Add("/p2p/" + id)
	f.Fuzz(func(t *testing.T, s string) {
		CircuitRelays(s)
		info, err := ParsePeerAddr(s)
		if err != nil {
			return
		}
		if err := info.ID.Validate(); err != nil {
			t.Fatalf("accepted peer %q: %v", info.ID, err)
		}
		p2p, err := peer.AddrInfoToP2pAddrs(&info)
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range p2p {
			back, err := ParsePeerAddr(a.String())
			if err != nil || back.ID != info.ID {
				t.Fatalf("%q printed as %q reads back as %v (%v)", s, a, back, err)
			}
			if len(info.Addrs) > 0 && (len(back.Addrs) != 1 || !back.Addrs[0].Equal(info.Addrs[i])) {
				t.Fatalf("%q printed as %q reads back at %v", s, a, back.Addrs)
			}
		}
	})
}
