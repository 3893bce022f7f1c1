package sync

import (
	"context"
	"fmt"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
)

// strangerHost is a bare libp2p host with a fresh key, TCP only, as cheap
// as one can be: one of many unknown devices.
func strangerHost(t testing.TB) host.Host {
	t.Helper()
	h, err := libp2p.New(libp2p.NoListenAddrs, libp2p.Transport(tcp.NewTCPTransport), libp2p.DisableRelay(),
		libp2p.DisableMetrics(), libp2p.ResourceManager(&network.NullResourceManager{}), libp2p.DisableIdentifyAddressDiscovery())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// While an invite is open, 500 unknown devices connect again and again
// and present nothing; an honest member still connects and syncs within
// 5 s, and the gate holds no more than a handful of strangers at a time.
func TestInviteFloodDoesNotStarveMembers(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the 500-connection flood in -short mode")
	}
	g := newGroup(t, "Ana", "Bo")
	a, b := g[0], g[1]
	_, err := a.n.Invite(a.p.ID(), time.Hour)
	must(t, err)
	target := a.info()
	for i := range target.Addrs {
		if _, err := target.Addrs[i].ValueForProtocol(6 /* tcp */); err == nil {
			target.Addrs = target.Addrs[i : i+1]
			break
		}
	}
	// Under -race the strangers' own handshakes, in this process, cost
	// several times more CPU than an attacker's laptop would take from ours:
	// the full flood and the 5 s budget are checked by `make test`'s run
	// without -race; here a fifth of it checks the same paths for races.
	strangers, budget := 500, 5*time.Second
	if raceEnabled {
		strangers, budget = 100, 15*time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg gosync.WaitGroup
	var attempts, admitted atomic.Int64
	hosts := make(chan host.Host, strangers)
	for range 25 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range strangers / 25 {
				h := strangerHost(t)
				hosts <- h
				wg.Add(1)
				go func() { // connect again and again until the test ends
					defer wg.Done()
					for ctx.Err() == nil {
						attempts.Add(1)
						c, cc := context.WithTimeout(ctx, 5*time.Second)
						if h.Connect(c, target) == nil {
							admitted.Add(1)
						}
						cc()
						time.Sleep(50 * time.Millisecond)
					}
				}()
			}
		}()
	}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		close(hosts)
		for h := range hosts {
			h.Close()
		}
	})
	waitFor(t, 30*time.Second, "the flood to get going", func() bool { return attempts.Load() > int64(strangers) })
	_, err = b.p.AddTimeline("honest member during the flood", "2025-01-01", "")
	must(t, err)
	must(t, b.p.Commit())
	start := time.Now()
	sctx, scancel := context.WithTimeout(context.Background(), budget)
	defer scancel()
	var last error
	for sctx.Err() == nil {
		if _, last = b.n.SyncOnce(sctx, b.p.ID(), a.info()); last == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if last != nil {
		t.Fatalf("the honest member could not sync within %s of the flood (%d attempts): %v", budget, attempts.Load(), last)
	}
	t.Logf("honest member level after %s; %d stranger attempts, %d got a connection", time.Since(start).Round(time.Millisecond), attempts.Load(), admitted.Load())
	held := 0
	for _, pid := range a.n.Host().Network().Peers() {
		if !a.p.IsMember(pid.String()) {
			held++
		}
	}
	if held > maxStrangersPerInvite {
		t.Fatalf("Ana holds %d strangers at once for one invite, want at most %d", held, maxStrangersPerInvite)
	}
}

// The gate's room for unknown devices: a few per open invite, a handful
// in all, a device already in keeps its place, and one that left frees it.
func TestAdmitStranger(t *testing.T) {
	g := newGroup(t, "Ana")
	n := g[0].n
	cases := []struct {
		invites, want int
	}{{1, maxStrangersPerInvite}, {2, maxStrangers}, {5, maxStrangers}}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d invites", tc.invites), func(t *testing.T) {
			var pids []peer.ID
			for range 12 {
				k, _, err := crypto.GenerateEd25519Key(nil)
				must(t, err)
				p, err := peer.IDFromPrivateKey(k)
				must(t, err)
				pids = append(pids, p)
			}
			got := 0
			for _, p := range pids {
				if n.admitStranger(p, tc.invites) {
					got++
				}
			}
			if got != tc.want {
				t.Fatalf("admitted %d, want %d", got, tc.want)
			}
			if !n.admitStranger(pids[0], tc.invites) {
				t.Fatal("a device already in lost its place")
			}
			n.forgetStranger(pids[0])
			if !n.admitStranger(pids[len(pids)-1], tc.invites) {
				t.Fatal("a freed place was not given to the next device")
			}
			for _, p := range pids {
				n.forgetStranger(p)
			}
		})
	}
}
