package sync

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/client"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/coplan/coplan/doc"
)

// Two drafters who cannot dial each other meet through a `coplan serve
// --relay` desk machine: A reaches B only by B's circuit address on R, and a
// 1.5 MB edit crosses each way over the relayed connection.
func TestSyncThroughRelay(t *testing.T) {
	// R serves the office plan, of which A and B are members; it does not
	// hold their draft, so the draft can only move A<->B, not via R.
	r := newTestPeer(t, "R")
	a := newTestPeer(t, "A")
	b := newTestPeer(t, "B")
	office, err := r.lib.Create("Office", "Freedonia", "2025", "2027", r.author)
	must(t, err)
	t.Cleanup(func() { office.Close() })
	for _, tp := range []*testPeer{a, b} {
		must(t, office.AddMember(doc.Member{PeerID: tp.author.PeerID, Name: tp.name, Org: tp.author.Org, Side: tp.author.Side}))
	}
	must(t, office.Commit())
	r.startNodeWith(t, func(c *Config) { c.RelayService = true })
	must(t, r.n.Start(office))

	draft, err := a.lib.Create("Draft", "Freedonia", "2025", "2027", a.author)
	must(t, err)
	must(t, draft.AddMember(doc.Member{PeerID: b.author.PeerID, Name: "B", Org: b.author.Org, Side: b.author.Side}))
	_, err = draft.AddCommitment(doc.NewCommitment{Title: "Open contracting"})
	must(t, err)
	must(t, draft.Commit())
	a.p = draft
	t.Cleanup(func() { draft.Close() })
	b.p, err = b.lib.Adopt(mustSave(t, draft), b.author)
	must(t, err)
	t.Cleanup(func() { b.p.Close() })

	// A and B listen nowhere and reach R over TCP from ports nothing
	// listens on, as behind two NATs: a hole punch (enabled) cannot succeed
	// on loopback, and only R's circuit leads from one to the other.
	relayInfo := peer.AddrInfo{ID: r.n.ID()}
	for _, m := range r.n.Host().Addrs() {
		if _, err := m.ValueForProtocol(ma.P_TCP); err == nil {
			relayInfo.Addrs = append(relayInfo.Addrs, m)
		}
	}
	for _, tp := range []*testPeer{a, b} {
		tp.startNodeWith(t, func(c *Config) { c.Listen = []string{}; c.Relays = []peer.AddrInfo{relayInfo} })
		if !allCircuit(tp.n.Host().Addrs()) {
			t.Fatalf("%s has direct addresses: %v", tp.name, tp.n.Host().Addrs())
		}
	}
	must(t, a.n.Start(a.p))
	must(t, b.n.Start(b.p))
	var bCircuit ma.Multiaddr
	for _, m := range b.n.Addrs() {
		if isCircuit(m) {
			bCircuit = m
		}
	}
	if bCircuit == nil {
		t.Fatalf("B names no circuit address: %v", b.n.Addrs())
	}
	waitFor(t, 10*time.Second, "B's reservation on R", func() bool { return strings.Contains(b.logs.String(), "reserved a slot on relay") })

	// Incompressible, and a plain string: a text field would spend its
	// time in the CRDT, not on the wire.
	big := func() string {
		b := make([]byte, 1<<20)
		rand.Read(b)
		return base64.StdEncoding.EncodeToString(b) // 1.4 MB
	}
	bigA := big()
	must(t, a.p.SetPlanField("country", bigA))
	must(t, a.p.Commit())
	bInfo, err := peer.AddrInfoFromP2pAddr(bCircuit)
	must(t, err)
	st, err := a.n.SyncOnce(ctxT(t, 30*time.Second), a.p.ID(), *bInfo)
	if err != nil {
		t.Fatalf("A syncing with B through R: %v", err)
	}
	if st.BytesSent < 1<<20 || b.p.Info().Country != bigA {
		t.Fatalf("A sent only %d bytes", st.BytesSent)
	}
	waitFor(t, 10*time.Second, "B to hold A's edit", func() bool { return sameHeads(a, b) })

	// B answers with a big edit of its own over the same circuit.
	bigB := big()
	must(t, b.p.SetPlanField("title", bigB))
	must(t, b.p.Commit())
	waitFor(t, 10*time.Second, "A to hold B's edit", func() bool { return sameHeads(a, b) })
	if a.p.Info().Title != bigB {
		t.Fatal("A's copy of B's edit differs")
	}
	if rx := a.n.Peers(a.p.ID())[0].Stats.BytesReceived; rx < 1<<20 {
		t.Fatalf("A received only %d bytes from B", rx)
	}

	conns := a.n.Host().Network().ConnsToPeer(b.n.ID())
	if len(conns) == 0 {
		t.Fatal("A has no connection to B")
	}
	for _, c := range conns {
		if !c.Stat().Limited || !isCircuit(c.RemoteMultiaddr()) {
			t.Fatalf("A reached B directly: %v", c.RemoteMultiaddr())
		}
	}

	// A device that is no member of any plan R holds gets no slot; R's
	// gater already refuses its connection.
	c := newTestPeer(t, "C")
	c.startNodeWith(t, func(cfg *Config) { cfg.Relays = []peer.AddrInfo{relayInfo} })
	if _, err := client.Reserve(ctxT(t, 5*time.Second), c.n.Host(), relayInfo); err == nil {
		t.Fatal("R gave a stranger a relay slot")
	}
	if ps := r.n.Host().Network().Connectedness(c.n.ID()); ps == network.Connected {
		t.Fatal("R kept a stranger connected")
	}
}

func isCircuit(m ma.Multiaddr) bool {
	_, err := m.ValueForProtocol(ma.P_CIRCUIT)
	return err == nil
}

func allCircuit(ms []ma.Multiaddr) bool {
	for _, m := range ms {
		if !isCircuit(m) {
			return false
		}
	}
	return true
}
