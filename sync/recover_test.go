package sync

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coplan/coplan/doc"
)

// recoverWithin is how soon after both sides are reachable again they
// must be syncing (issue 10).
const recoverWithin = 5 * time.Second

// outage is how long a peer sleeps or a link stays cut in the long tests.
const outage = 60 * time.Second

// Two nodes in their own processes, one SIGKILLed and restarted from disk,
// each side in turn (so both peer ID orders are tried), first on the same
// port, then on a new one (a port taken meanwhile, a new DHCP lease): the
// survivor's connection to the dead process then lingers, since nothing
// at the old address answers or resets it. An edit made on either side
// after the restart reaches the other within 5 s of the restart; an edit
// made while it was down arrives too.
func TestKilledProcessSyncsAgain(t *testing.T) {
	a, b := procPair(t, listenOn("127.0.0.1", freePort(t)), listenOn("127.0.0.1", freePort(t)))
	a.start()
	b.start()
	bothWays(t, a, b, "at first", 30*time.Second)
	for round, victim := range []*nodeProc{b, a, b, a} {
		other := a
		if victim == a {
			other = b
		}
		victim.kill()
		if round >= 2 {
			victim.listen = listenOn("127.0.0.1", freePort(t))
		}
		down := fmt.Sprintf("while %s was down %d", victim.tp.name, round)
		other.edit(down)
		victim.start()
		restarted := victim.started
		tag := fmt.Sprintf("after restart %d", round)
		bothWays(t, a, b, tag, 30*time.Second)
		if _, ok := victim.waitHas(down, 10*time.Second); !ok {
			t.Fatalf("round %d: the edit made while %s was down never arrived", round, victim.tp.name)
		}
		took := time.Since(restarted)
		t.Logf("round %d (%s killed): both edits across %s after the restart", round, victim.tp.name, took.Round(time.Millisecond))
		if took > recoverWithin {
			t.Fatalf("round %d: syncing again took %s after %s restarted, want at most %s", round, took, victim.tp.name, recoverWithin)
		}
	}
}

// A node stopped (SIGSTOP, a closed laptop lid) for 60 s and resumed:
// both sides sync again within 5 s of the resume. 60 s outlives libp2p's
// keep-alives, so the connections are gone on both sides by then.
func TestStoppedProcessSyncsAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the 60 s sleep test in -short mode")
	}
	t.Parallel() // waits most of its time, as the link cut test does
	a, b := procPair(t, listenOn("127.0.0.1", freePort(t)), listenOn("127.0.0.1", freePort(t)))
	a.start()
	b.start()
	bothWays(t, a, b, "at first", 30*time.Second)
	b.signal(syscall.SIGSTOP)
	a.edit("while Bo slept")
	time.Sleep(outage)
	b.signal(syscall.SIGCONT)
	resumed := time.Now()
	bothWays(t, a, b, "after the sleep", 30*time.Second)
	if _, ok := b.waitHas("while Bo slept", 10*time.Second); !ok {
		t.Fatal("the edit made while Bo slept never arrived")
	}
	took := time.Since(resumed)
	t.Logf("syncing again %s after the resume", took.Round(time.Millisecond))
	if took > recoverWithin {
		t.Fatalf("syncing again took %s after the resume, want at most %s", took, recoverWithin)
	}
}

// Two nodes in network namespaces the test makes; the link between them
// is cut (veth down) for 60 s and restored: both sync again within 5 s,
// edits made on both sides during the cut included.
func TestLinkCutSyncsAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the 60 s link cut test in -short mode")
	}
	t.Parallel()
	nsp := newNetnsPair(t)
	port := 4100 + int(time.Now().UnixNano()%800)
	a, b := procPair(t, listenOn(nsp.subnet+".1", port), listenOn(nsp.subnet+".2", port))
	a.enter = func(argv ...string) []string { return nsp.enter(nsp.nsA, argv...) }
	b.enter = func(argv ...string) []string { return nsp.enter(nsp.nsB, argv...) }
	a.start()
	b.start()
	bothWays(t, a, b, "at first", 30*time.Second)
	nsp.setLink(t, false)
	a.edit("during the cut from Ana")
	b.edit("during the cut from Bo")
	time.Sleep(outage)
	nsp.setLink(t, true)
	restored := time.Now()
	if _, ok := b.waitHas("during the cut from Ana", 30*time.Second); !ok {
		t.Fatal("Ana's edit from during the cut never arrived")
	}
	if _, ok := a.waitHas("during the cut from Bo", 30*time.Second); !ok {
		t.Fatal("Bo's edit from during the cut never arrived")
	}
	took := time.Since(restored)
	bothWays(t, a, b, "after the cut", 30*time.Second)
	t.Logf("syncing again %s after the link came back", took.Round(time.Millisecond))
	if took > recoverWithin {
		t.Fatalf("syncing again took %s after the link came back, want at most %s", took, recoverWithin)
	}
}

// Sync now dials a member at once instead of waiting out the backoff: B
// comes back at its old address but knows nothing of A's, so only A can
// dial; A's keeper is asleep for seconds, and Sync now wakes it.
func TestSyncNowSkipsBackoff(t *testing.T) {
	a, b := newTestPeer(t, "Ana"), newTestPeer(t, "Bo")
	p, err := a.lib.Create("Plan", "Freedonia", "2025", "2027", a.author)
	must(t, err)
	must(t, p.AddMember(doc.Member{PeerID: b.author.PeerID, Name: "Bo", Side: doc.Government}))
	q, err := b.lib.Adopt(mustSave(t, p), b.author)
	must(t, err)
	a.p, b.p = p, q
	t.Cleanup(func() { p.Close(); q.Close() })
	slow := func(c *Config) { c.ReconnectMin, c.ReconnectMax = 10*time.Second, 10*time.Second }
	bListen := listenOn("127.0.0.1", freePort(t))
	a.startNodeWith(t, slow)
	b.startNodeWith(t, func(c *Config) { slow(c); c.Listen = bListen })
	must(t, a.n.Start(a.p))
	must(t, b.n.Start(b.p))
	syncOnce(t, a, b)

	must(t, b.n.Close())
	waitFor(t, 10*time.Second, "A to see B gone", func() bool { return !a.n.isConnected(b.n.ID()) })
	waitFor(t, 20*time.Second, "A's keeper to fail a dial (it then sleeps 7.5 s or more)", func() bool {
		return strings.Contains(a.logs.String(), "member not reachable")
	})
	if err := os.Remove(filepath.Join(b.dir, "data", "sync", b.p.ID(), knownPeersFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	b.startNodeWith(t, func(c *Config) { slow(c); c.Listen = bListen })
	must(t, b.n.Start(b.p))
	_, err = b.p.AddTimeline("after Bo came back", "2025-01-01", "")
	must(t, err)
	must(t, b.p.Commit())
	start := time.Now()
	must(t, a.n.SyncNow(a.p.ID()))
	waitFor(t, 5*time.Second, "Bo's edit after Sync now", func() bool { return sameHeads(a, b) })
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("level %s after Sync now; the backoff was not skipped", took)
	}
	if err := a.n.SyncNow("no-such-plan"); !errors.Is(err, ErrNotStarted) {
		t.Fatalf("Sync now on a plan not started: %v", err)
	}
}
