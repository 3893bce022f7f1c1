package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// peers.json keeps a few addresses per peer, those that last worked
// first, whatever it is fed; the older form (lists of strings) still
// reads.
func TestKnownPeersBounded(t *testing.T) {
	dir := t.TempDir()
	id := "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA"
	var old []string
	for i := range 110 {
		old = append(old, fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", 20000+i))
	}
	raw, _ := json.Marshal(map[string][]string{id: old})
	must(t, os.WriteFile(filepath.Join(dir, knownPeersFile), raw, 0o600))
	got := readKnownPeers(dir)
	if len(got[id]) != maxKnownAddrs {
		t.Fatalf("old form: %d addresses kept, want %d", len(got[id]), maxKnownAddrs)
	}

	now := time.Now()
	cases := []struct {
		name string
		in   []knownAddr
		want []string
	}{
		{"worked first, then learned last", []knownAddr{
			{Addr: "a", Seen: now}, {Addr: "b", OK: now.Add(-time.Hour)}, {Addr: "c", OK: now}, {Addr: "d", Seen: now.Add(time.Minute)},
		}, []string{"c", "b", "d", "a"}},
		{"duplicates once", []knownAddr{{Addr: "a", OK: now}, {Addr: "a"}, {Addr: ""}}, []string{"a"}},
		{"cut to the bound", []knownAddr{{Addr: "1"}, {Addr: "2"}, {Addr: "3"}, {Addr: "4"}, {Addr: "5", OK: now}}, []string{"5", "1", "2", "3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var addrs []string
			for _, k := range pruneAddrs(tc.in) {
				addrs = append(addrs, k.Addr)
			}
			if strings.Join(addrs, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("got %v, want %v", addrs, tc.want)
			}
		})
	}
}

// A serve killed (SIGKILL) 30 times during syncs with a member that dials
// from a new port each time (as one-off `coplan sync` runs do): its
// peers.json stays bounded, and afterwards the member connects and syncs
// within 10 s.
func TestKilledServeDuringSyncs(t *testing.T) {
	sListen := listenOn("127.0.0.1", freePort(t))
	ts, tm, id := planPair(t, sListen, listenOn("127.0.0.1", freePort(t)))
	serve := newNodeProc(t, ts, sListen)
	q, err := tm.lib.Open(id, tm.author)
	must(t, err)
	t.Cleanup(func() { q.Close() })
	tm.p = q
	rounds := 30
	for i := range rounds {
		serve.start()
		_, err := q.AddTimeline(fmt.Sprintf("edit %d", i), "2025-01-01", strings.Repeat("x", 20<<10))
		must(t, err)
		must(t, q.Commit())
		tm.startNodeWith(t, func(c *Config) { c.Listen = listenOn("127.0.0.1", 0) })
		must(t, tm.n.Start(q))
		done := make(chan struct{})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		go func() {
			defer close(done)
			tm.n.SyncOnce(ctx, id, peerInfo(t, ts, sListen))
		}()
		time.Sleep(time.Duration(i%5) * 15 * time.Millisecond) // killed at various points of the sync
		serve.kill()
		cancel()
		<-done
		must(t, tm.n.Close())
	}
	serve.start()
	tm.startNodeWith(t, func(c *Config) { c.Listen = listenOn("127.0.0.1", 0) })
	must(t, tm.n.Start(q))
	start := time.Now()
	if _, err := tm.n.SyncOnce(ctxT(t, 10*time.Second), id, peerInfo(t, ts, sListen)); err != nil {
		t.Fatalf("after %d kills the member could not sync: %v", rounds, err)
	}
	if _, ok := serve.waitHas(fmt.Sprintf("edit %d", rounds-1), 10*time.Second-time.Since(start)); !ok {
		t.Fatal("the serve does not hold the member's last edit")
	}
	t.Logf("synced %s after the last restart", time.Since(start).Round(time.Millisecond))
	for _, who := range []*testPeer{ts, tm} {
		path := filepath.Join(who.dir, "data", "sync", id, knownPeersFile)
		info, err := os.Stat(path)
		must(t, err)
		known := readKnownPeers(filepath.Dir(path))
		for pid, addrs := range known {
			if len(addrs) > maxKnownAddrs {
				t.Fatalf("%s keeps %d addresses of %s", who.name, len(addrs), pid)
			}
		}
		t.Logf("%s's peers.json: %d bytes, %d peers", who.name, info.Size(), len(known))
		if info.Size() > 4<<10 {
			t.Fatalf("%s's peers.json is %d bytes", who.name, info.Size())
		}
	}
}

func peerInfo(t *testing.T, tp *testPeer, listen []string) (info peer.AddrInfo) {
	t.Helper()
	for _, l := range listen {
		m, err := ma.NewMultiaddr(l)
		must(t, err)
		info.Addrs = append(info.Addrs, m)
	}
	info.ID = tp.id.PeerID
	return info
}
