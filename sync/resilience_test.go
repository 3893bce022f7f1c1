package sync

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// A peer killed in the middle of a sync comes back, reconnects by itself
// to the address it remembered, and converges; nothing is lost either side.
func TestKilledMidSyncReconnects(t *testing.T) {
	g := newGroup(t, "Ana", "Bo")
	a, b := g[0], g[1]
	const edits = 150
	for _, tp := range g {
		for i := range edits {
			_, err := tp.p.AddTimeline(fmt.Sprintf("%s %d", tp.name, i), "2025-01-01", "")
			must(t, err)
			must(t, tp.p.Commit())
		}
	}
	killed := make(chan struct{})
	var midSync bool
	b.n.testBeforeReceive = func(_ peer.ID, msg []byte) bool {
		if len(msg) < 1000 { // heads and bloom filters, no changes yet
			return false
		}
		select {
		case <-killed:
		default:
			// Pull the plug as A's changes arrive, before B applies them.
			for _, c := range b.n.Host().Network().Conns() {
				c.Close()
			}
			midSync = !sameHeads(a, b)
			close(killed)
			go b.n.Close()
		}
		return true
	}
	_, err := b.n.SyncOnce(ctxT(t, 30*time.Second), b.p.ID(), a.info())
	<-killed
	t.Logf("sync interrupted: %v", err)
	if !midSync {
		t.Fatal("the peer was killed after the sync had finished")
	}

	// Restart: the plan from disk, a new node with the same key and state.
	id := b.p.ID()
	must(t, b.p.Close())
	p, err := b.lib.Open(id, b.author)
	must(t, err)
	t.Cleanup(func() { p.Close() })
	b.p = p
	b.startNode(t)
	must(t, b.n.Start(p))
	waitFor(t, 60*time.Second, "the restarted peer to converge", func() bool { return sameHeads(a, b) })
	for _, tp := range g {
		n := 0
		for _, e := range tp.p.Timeline() {
			if strings.HasPrefix(e.Title, "Ana ") || strings.HasPrefix(e.Title, "Bo ") {
				n++
			}
		}
		if n != 2*edits {
			t.Fatalf("%s holds %d of %d edits", tp.name, n, 2*edits)
		}
	}
}
