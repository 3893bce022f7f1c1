package sync

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/internal/traces"
)

// sveltePlan replays the sveltecomponent trace into a commitment with the
// commit policy (a fake clock, 150 ms per transaction) and returns the
// saved plan and its owner.
func sveltePlan(b *testing.B, owner *testPeer) *doc.Plan {
	b.Helper()
	tr := traces.LoadOrSkip(b, "sveltecomponent.json.gz")
	p, err := owner.lib.Create("Bootstrap plan", "Freedonia", "2025", "2027", owner.author)
	must(b, err)
	id, err := p.AddCommitment(doc.NewCommitment{Title: "Replayed"})
	must(b, err)
	clock := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	must(b, p.AutoCommit(doc.CommitPolicy{Pause: doc.DefaultPolicy.Pause, Max: doc.DefaultPolicy.Max,
		Now: func() time.Time { return clock }}))
	ref := doc.CommitmentText(id, "description")
	for _, tx := range tr.Txns {
		for _, pt := range tx.Patches {
			must(b, p.Splice(ref, pt.Pos, pt.Del, pt.Ins))
		}
		clock = clock.Add(150 * time.Millisecond)
	}
	must(b, p.Commit())
	return p
}

// A fresh peer receives a plan built by replaying sveltecomponent: bytes
// on the wire against the saved size, and time against an in-memory
// Automerge sync of the same document (sub-benchmark "automerge-in-memory").
func BenchmarkBootstrap(b *testing.B) {
	owner := newTestPeer(b, "Ana")
	p := sveltePlan(b, owner)
	defer p.Close()
	saved := mustSave(b, p)
	changes, err := p.ChangeCount()
	must(b, err)
	b.Logf("plan: %d changes, saved %d bytes", changes, len(saved))

	b.Run("p2p", func(b *testing.B) {
		owner.startNode(b)
		must(b, owner.n.Start(p))
		var wire int64
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			j := newTestPeer(b, fmt.Sprint("Joe", i))
			j.startNode(b)
			code, err := owner.n.Invite(p.ID(), time.Hour)
			must(b, err)
			b.StartTimer()
			start := time.Now()
			q, err := j.n.Join(ctxT(b, time.Minute), code, j.author)
			must(b, err)
			must(b, j.n.WaitLevel(ctxT(b, time.Minute), q.ID(), owner.n.ID(), start))
			b.StopTimer()
			st := j.n.Peers(q.ID())
			for _, ps := range st {
				wire += ps.Stats.BytesReceived + ps.Stats.BytesSent
			}
			j.n.Close()
			q.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(wire)/float64(b.N), "wire-bytes/op")
		b.ReportMetric(float64(wire)/float64(b.N)/float64(len(saved)), "wire/saved")
	})
	b.Run("automerge-in-memory", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			a, err := doc.LoadPlan(saved, doc.Author{})
			must(b, err)
			c := doc.NewReplica(doc.Author{})
			b.StartTimer()
			sa, err := a.NewSyncState(nil)
			must(b, err)
			sc, err := c.NewSyncState(nil)
			must(b, err)
			var moved int
			for round := 0; round < 100; round++ {
				m1, _, ok1, err := sa.Generate()
				must(b, err)
				if ok1 {
					moved += len(m1)
					_, _, err = sc.Receive(m1)
					must(b, err)
				}
				m2, _, ok2, err := sc.Generate()
				must(b, err)
				if ok2 {
					moved += len(m2)
					_, _, err = sa.Receive(m2)
					must(b, err)
				}
				if !ok1 && !ok2 {
					break
				}
			}
			if !slices.Equal(a.Heads(), c.Heads()) {
				b.Fatal("in-memory sync did not converge")
			}
			b.ReportMetric(float64(moved), "sync-bytes/op")
		}
	})
}

// Live edit latency on loopback: a commit on A until it is in B's plan.
func BenchmarkLiveEditLatency(b *testing.B) {
	g := newGroup(b, "Ana", "Bo")
	a, bo := g[0], g[1]
	syncOnce(b, a, bo)
	ref := doc.CommitmentText(commitmentID(b, a.p), "description")
	events, cancel := bo.p.Subscribe()
	defer cancel()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		must(b, a.p.Splice(ref, 0, 0, "x"))
		must(b, a.p.Commit())
		want := a.p.Heads()
		deadline := time.After(10 * time.Second)
		for !bo.p.HasChanges(want) {
			select {
			case <-events:
			case <-deadline:
				b.Fatal("edit never arrived")
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ms")
}

// A room of 5, 10 and 20 laptops (40 with COPLAN_ROOM40=1), each with 100
// offline edits, then all connected: time until all hold identical plans,
// and bytes sent (frames as sent, compressed) against the ideal of every
// change crossing the wire once per receiving peer, uncompressed. In one
// process on two cores, 40 nodes' 780 handshakes at once time out;
// BenchmarkRoomProcs runs each node in its own process.
func BenchmarkRoom(b *testing.B) {
	sizes := []int{5, 10, 20}
	if os.Getenv("COPLAN_ROOM40") != "" {
		sizes = append(sizes, 40)
	}
	for _, peers := range sizes {
		b.Run(fmt.Sprintf("peers=%d", peers), func(b *testing.B) { benchRoom(b, peers) })
	}
}

func benchRoom(b *testing.B, peers int) {
	const edits = 100
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		names := make([]string, peers)
		for k := range names {
			names[k] = fmt.Sprint("P", k)
		}
		g := newRoom(b, names)
		ref := doc.CommitmentText(commitmentID(b, g[0].p), "description")
		for k, tp := range g {
			for e := range edits {
				must(b, tp.p.Splice(ref, 0, 0, fmt.Sprintf("[%d.%d]", k, e)))
				must(b, tp.p.Commit())
			}
		}
		b.StartTimer()
		start := time.Now()
		var wg gosync.WaitGroup
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		for x := range g {
			for y := x + 1; y < len(g); y++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := g[x].n.connect(ctx, g[x].n.plan(g[x].p.ID()), g[y].info()); err != nil {
						b.Error(err)
					}
				}()
			}
		}
		wg.Wait()
		waitFor(b, 2*time.Minute, "the room to converge", func() bool { return sameHeads(g...) })
		elapsed := time.Since(start)
		b.StopTimer()
		cancel()
		var sent int64
		for _, tp := range g {
			for _, ps := range tp.n.Peers(tp.p.ID()) {
				sent += ps.Stats.BytesSent
			}
		}
		all, err := g[0].p.TotalChangeBytes()
		must(b, err)
		ideal := int64(all-g[0].baseBytes) * int64(peers-1)
		if os.Getenv("COPLAN_ROOM_DEBUG") != "" {
			fetches, states, dup, superseded := 0, 0, 0, 0
			for _, tp := range g {
				l := tp.logs.String()
				fetches += strings.Count(l, "fetching what the peer holds")
				states += strings.Count(l, "sending state")
				superseded += strings.Count(l, "superseded by")
				for _, line := range strings.Split(l, "\n") {
					if i := strings.Index(line, " known="); i >= 0 && strings.Contains(line, "received changes") {
						var k int
						fmt.Sscanf(line[i+7:], "%d", &k)
						dup += k
					}
				}
			}
			b.Logf("fetches %d, states %d, duplicate changes received %d, superseded sessions %d", fetches, states, dup, superseded)
			if os.Getenv("COPLAN_ROOM_DEBUG") == "log" {
				for _, tp := range g {
					for _, l := range strings.Split(tp.logs.String(), "\n") {
						if strings.Contains(l, "supersed") {
							b.Log(l)
						}
					}
				}
			}
		}
		b.ReportMetric(elapsed.Seconds(), "converge-s")
		b.ReportMetric(float64(sent), "bytes-sent")
		b.ReportMetric(float64(ideal), "ideal-bytes")
		b.ReportMetric(float64(sent)/float64(ideal), "sent/ideal")
		for _, tp := range g {
			tp.n.Close()
		}
		b.StartTimer()
	}
}

// BenchmarkRoomProcs is BenchmarkRoom with each laptop in its own
// process (the test binary run again as TestNodeProcess), so each node's
// peak memory (VmHWM: the largest resident size, the binary's file pages
// included) can be measured: 5, 10 and 20 peers, and 40 with
// COPLAN_ROOM40=1, where the bounds are checked.
func BenchmarkRoomProcs(b *testing.B) {
	sizes := []int{5, 10, 20}
	if os.Getenv("COPLAN_ROOM40") != "" {
		sizes = append(sizes, 40)
	}
	for _, peers := range sizes {
		b.Run(fmt.Sprintf("peers=%d", peers), func(b *testing.B) { benchRoomProcs(b, peers) })
	}
}

func benchRoomProcs(b *testing.B, peers int) {
	const edits = 100
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		procs, heads, ideal := roomOnDisk(b, peers, edits)
		if os.Getenv("COPLAN_ROOM_DEBUG") != "" {
			for _, np := range procs {
				np.env = append(np.env, "COPLAN_NODE_SAMPLE=1")
			}
		}
		for _, np := range procs {
			np.start()
		}
		b.StartTimer()
		start := time.Now()
		// Full mesh: each dials those after it, all at once.
		for x, np := range procs {
			var addrs []string
			for _, other := range procs[x+1:] {
				addrs = append(addrs, addrsOf(other.tp, other.listen)[0])
			}
			np.send("dial " + strings.Join(addrs, " "))
		}
		for _, np := range procs {
			if l := np.expect("DIALED ", 3*time.Minute); l != "DIALED 0" {
				b.Fatalf("%s: %s", np.tp.name, l)
			}
		}
		dialed := time.Since(start)
		for _, np := range procs {
			if _, ok := np.waitHeads(heads, 3*time.Minute-time.Since(start)); !ok {
				b.Fatalf("%s did not converge within 3 minutes", np.tp.name)
			}
			if os.Getenv("COPLAN_ROOM_DEBUG") != "" {
				b.Logf("%s level at %s", np.tp.name, time.Since(start))
			}
		}
		if os.Getenv("COPLAN_ROOM_DEBUG") != "" {
			b.Logf("all dials done at %s", dialed)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		var sent int64
		var cpu time.Duration // all nodes' CPU time, from their start until all are level
		var peaks []int64
		for _, np := range procs {
			np.send("sent")
			var n int64
			fmt.Sscanf(np.expect("SENT ", 30*time.Second), "SENT %d", &n)
			sent += n
			np.send("cpu")
			var us int64
			fmt.Sscanf(np.expect("CPU ", 30*time.Second), "CPU %d", &us)
			cpu += time.Duration(us) * time.Microsecond
			peak, rss, _ := np.mem()
			if os.Getenv("COPLAN_ROOM_DEBUG") != "" {
				// To stderr: a benchmark's log is cut after ten lines.
				np.send(fmt.Sprintf("gomem %s/heap-%s.pprof", os.TempDir(), np.tp.name))
				gomem := np.expect("GOMEM ", 30*time.Second)
				np.send("peakmix")
				fmt.Fprintf(os.Stderr, "%s: peak %d MB, rss %d MB, %s; %s\n", np.tp.name, peak>>20, rss>>20, gomem,
					np.expect("PEAKMIX ", 30*time.Second))
			}
			peaks = append(peaks, peak)
		}
		slices.Sort(peaks)
		for _, np := range procs {
			np.kill()
		}
		b.ReportMetric(elapsed.Seconds(), "converge-s")
		b.ReportMetric(float64(sent), "bytes-sent")
		b.ReportMetric(float64(ideal), "ideal-bytes")
		b.ReportMetric(float64(sent)/float64(ideal), "sent/ideal")
		b.ReportMetric(cpu.Seconds(), "node-cpu-s")
		b.ReportMetric(float64(peaks[len(peaks)-1])/(1<<20), "peak-MB-max")
		b.ReportMetric(float64(peaks[len(peaks)/2])/(1<<20), "peak-MB-median")
		// Issue 10's bounds for a room of 40.
		if peers >= 40 && float64(sent) > 1.5*float64(ideal) {
			b.Errorf("%d bytes sent, more than 1.5x the ideal %d", sent, ideal)
		}
		if peers >= 40 && !raceEnabled && peaks[len(peaks)-1] > 150<<20 {
			b.Errorf("a node's memory peaked at %d MB, above 150 MB", peaks[len(peaks)-1]>>20)
		}
		b.StartTimer()
	}
}

// roomOnDisk is a room's laptops on disk, each with edits offline edits
// to one plan, ready to run as processes on their own loopback ports: the
// heads all end at, and the ideal bytes (every new change once to each
// other peer).
func roomOnDisk(b *testing.B, peers, edits int) (procs []*nodeProc, heads []string, ideal int64) {
	b.Helper()
	tps := make([]*testPeer, peers)
	for k := range tps {
		tps[k] = newTestPeer(b, fmt.Sprint("P", k))
	}
	p, err := doc.NewPlan("Room plan", "Freedonia", "2025", "2027", tps[0].author)
	must(b, err)
	for _, tp := range tps[1:] {
		must(b, p.AddMember(doc.Member{PeerID: tp.author.PeerID, Name: tp.name, Side: tp.author.Side}))
	}
	_, err = p.AddCommitment(doc.NewCommitment{Title: "Room"})
	must(b, err)
	saved := mustSave(b, p)
	base, err := p.TotalChangeBytes()
	must(b, err)
	ref := doc.CommitmentText(commitmentID(b, p), "description")
	must(b, p.Close())
	var added int64
	for k, tp := range tps {
		q, err := tp.lib.Adopt(saved, tp.author)
		must(b, err)
		for e := range edits {
			must(b, q.Splice(ref, 0, 0, fmt.Sprintf("[%d.%d]", k, e)))
			must(b, q.Commit())
		}
		all, err := q.TotalChangeBytes()
		must(b, err)
		added += int64(all - base)
		heads = append(heads, q.Heads()...)
		must(b, q.Close())
		np := newNodeProc(b, tp, listenOn("127.0.0.1", freePort(b)))
		np.env = []string{"COPLAN_NODE_QUIET=1"}
		procs = append(procs, np)
	}
	return procs, heads, added * int64(peers-1)
}

// newRoom is a group held in memory, nodes started, not yet connected.
func newRoom(b *testing.B, names []string) []*testPeer {
	peers := make([]*testPeer, len(names))
	for i, nm := range names {
		peers[i] = newTestPeer(b, nm)
	}
	p, err := doc.NewPlan("Room plan", "Freedonia", "2025", "2027", peers[0].author)
	must(b, err)
	for _, tp := range peers[1:] {
		must(b, p.AddMember(doc.Member{PeerID: tp.author.PeerID, Name: tp.name, Side: tp.author.Side}))
	}
	_, err = p.AddCommitment(doc.NewCommitment{Title: "Room"})
	must(b, err)
	saved := mustSave(b, p)
	baseBytes, err := p.TotalChangeBytes()
	must(b, err)
	for i, tp := range peers {
		if i == 0 {
			tp.p = p
		} else {
			tp.p, err = doc.LoadPlan(saved, tp.author)
			must(b, err)
		}
		tp.baseBytes = baseBytes
		tp.startNode(b)
		must(b, tp.n.Start(tp.p))
	}
	return peers
}

// The friendsforever trace typed live by two nodes, one agent on each,
// every run of typing one change as the commit policy makes it: bytes on
// the wire (frames as sent, compressed since protocol 4, every frame type
// counted) against the ideal (each change's encoded size, uncompressed,
// once to the one other peer) and against the saved plan: at most 1.5x
// and 3x (issue 10).
func BenchmarkLiveTraffic(b *testing.B) {
	tr := traces.LoadOrSkip(b, "friendsforever.json.gz")
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		g := newMemGroup(b, "Ana", "Bo")
		cid := commitmentID(b, g[0].p)
		ref := doc.CommitmentText(cid, "description")
		base, err := g[0].p.TotalChangeBytes()
		must(b, err)
		var before int64
		for _, tp := range g {
			for _, ps := range tp.n.Peers(tp.p.ID()) {
				before += ps.Stats.BytesSent
			}
		}
		runs := splitRuns(tr)
		runOf := map[int]int{}
		for k, r := range runs {
			runOf[r.txns[len(r.txns)-1]] = k
		}
		var mu gosync.Mutex
		cond := gosync.NewCond(&mu)
		hashes := make([]string, len(runs))
		failed := false
		saved := mustSave(b, g[0].p)
		b.StartTimer()
		var wg gosync.WaitGroup
		errs := make(chan error, 2)
		for agent := range 2 {
			tp := g[agent]
			editor, err := doc.LoadPlan(saved, tp.author)
			must(b, err)
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := typeAgent(tr, runs, runOf, agent, tp.p, editor, ref, &mu, cond, hashes, &failed)
				if err != nil {
					mu.Lock()
					failed = true
					cond.Broadcast()
					mu.Unlock()
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(b, err)
		}
		waitFor(b, 60*time.Second, "both peers to converge", func() bool { return sameHeads(g...) })
		b.StopTimer()
		var sent int64
		for _, tp := range g {
			for _, ps := range tp.n.Peers(tp.p.ID()) {
				sent += ps.Stats.BytesSent
			}
		}
		sent -= before
		all, err := g[0].p.TotalChangeBytes()
		must(b, err)
		ideal := int64(all - base) // each change crosses to the other peer once
		final := mustSave(b, g[0].p)
		b.ReportMetric(float64(sent), "wire-bytes")
		b.ReportMetric(float64(ideal), "ideal-bytes")
		b.ReportMetric(float64(len(final)), "saved-bytes")
		b.ReportMetric(float64(sent)/float64(ideal), "wire/ideal")
		b.ReportMetric(float64(sent)/float64(len(final)), "wire/saved")
		b.ReportMetric(float64(len(runs)), "changes")
		if sent*2 > ideal*3 || sent > int64(len(final))*3 {
			b.Errorf("%d bytes on the wire: past 1.5x the ideal %d or 3x the saved plan's %d (issue 10)", sent, ideal, len(final))
		}
		for _, tp := range g {
			tp.n.Close()
		}
		b.StartTimer()
	}
}

// Reconnect: a node in its own process SIGKILLed and restarted from disk
// 20 times, on its port or on a new one (the survivor's connection to the
// dead process then lingers until a ping fails); the time from starting
// the process again to being level with its peer (an edit the peer made
// meanwhile has arrived), p50 and p99.
func BenchmarkReconnect(b *testing.B) {
	b.Run("same port", func(b *testing.B) { benchReconnect(b, false) })
	b.Run("new port", func(b *testing.B) { benchReconnect(b, true) })
}

func benchReconnect(b *testing.B, newPort bool) {
	const restarts = 20
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		a, v := procPair(b, listenOn("127.0.0.1", freePort(b)), listenOn("127.0.0.1", freePort(b)))
		a.start()
		v.start()
		var lat []time.Duration
		b.StartTimer()
		for r := range restarts {
			v.kill()
			if newPort {
				v.listen = listenOn("127.0.0.1", freePort(b))
			}
			title := fmt.Sprintf("while down %d", r)
			a.edit(title)
			start := time.Now()
			v.start()
			if _, ok := v.waitHas(title, 30*time.Second); !ok {
				b.Fatalf("restart %d: not level within 30 s", r)
			}
			lat = append(lat, time.Since(start))
		}
		b.StopTimer()
		slices.Sort(lat)
		ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
		b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
		b.ReportMetric(ms(lat[len(lat)-1]), "p99-ms") // of 20: the slowest
		a.kill()
		v.kill()
		b.StartTimer()
	}
}

// cadenceRun is what one policy cost on the wire and on disk.
type cadenceRun struct {
	wire, acks, saved, changeBytes int64 // acks: what Bo sent back
	changes, commits               int
}

// replayCadenceLive types sveltecomponent with human gaps into Ana's plan
// under pol (a fake clock), live-synced to Bo over loopback. The commits
// fall where the app's timers put them (Pause after the last keystroke, or
// Max into a run of typing), and each is level at Bo before typing goes
// on: on a real clock the next keystroke comes a gap later, far longer
// than a push on loopback, so pushes are not coalesced more than the app's.
func replayCadenceLive(b *testing.B, tr *traces.Trace, pol doc.CommitPolicy) cadenceRun {
	g := newMemGroup(b, "Ana", "Bo")
	a, bo := g[0], g[1]
	defer func() {
		for _, tp := range g {
			tp.n.Close()
		}
	}()
	ref := doc.CommitmentText(commitmentID(b, a.p), "description")
	waitFor(b, 30*time.Second, "both level", func() bool { return sameHeads(a, bo) })
	startHeads := a.p.Heads()
	base, err := a.p.TotalChangeBytes()
	must(b, err)
	sentBy := func(tp *testPeer) (n int64) {
		for _, ps := range tp.n.Peers(tp.p.ID()) {
			n += ps.Stats.BytesSent
		}
		return n
	}
	sent := func() int64 { return sentBy(a) + sentBy(bo) }
	before, acksBefore := sent(), sentBy(bo)
	clock := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	pol.Now = func() time.Time { return clock }
	must(b, a.p.AutoCommit(pol))
	var run cadenceRun
	commit := func() {
		must(b, a.p.Commit())
		run.commits++
		heads := a.p.CommittedHeads()
		deadline := time.Now().Add(30 * time.Second)
		for !bo.p.HasChanges(heads) {
			if time.Now().After(deadline) {
				b.Fatalf("commit %d never reached Bo", run.commits)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	gaps := traces.HumanGaps(len(tr.Txns))
	pending := false
	var first, last time.Time
	for i, tx := range tr.Txns {
		clock = clock.Add(gaps[i])
		if pending && (clock.Sub(last) >= pol.Pause || clock.Sub(first) >= pol.Max) {
			commit()
			pending = false
		}
		for _, pt := range tx.Patches {
			must(b, a.p.Splice(ref, pt.Pos, pt.Del, pt.Ins))
		}
		if !pending {
			pending, first = true, clock
		}
		last = clock
	}
	commit()
	waitFor(b, 60*time.Second, "both peers to converge", func() bool { return sameHeads(a, bo) })
	if got := text(b, bo.p, ref); got != tr.EndContent {
		b.Fatalf("Bo ends with %d bytes, want endContent's %d", len(got), len(tr.EndContent))
	}
	run.wire = sent() - before
	run.acks = sentBy(bo) - acksBefore
	run.saved = int64(len(mustSave(b, a.p)))
	all, err := a.p.TotalChangeBytes()
	must(b, err)
	run.changeBytes = int64(all - base)
	refs, err := a.p.ChangesSince(startHeads)
	must(b, err)
	run.changes = len(refs)
	return run
}

// BenchmarkCadenceWire: the default commit policy against the earlier one
// (a 700 ms pause) on the sveltecomponent replay with human gaps, pushed
// live to a second node: bytes on the wire (compressed frames, both ways,
// every frame type) and the saved size must stay within 1.2x (issue 13).
// extra-commits counts changes the policy did not make (sync cutting the
// typing).
func BenchmarkCadenceWire(b *testing.B) {
	tr := traces.LoadOrSkip(b, "sveltecomponent.json.gz")
	old := doc.CommitPolicy{Pause: 700 * time.Millisecond, Max: 2 * time.Second}
	for i := 0; i < b.N; i++ {
		r0 := replayCadenceLive(b, tr, old)
		r1 := replayCadenceLive(b, tr, doc.DefaultPolicy)
		b.ReportMetric(float64(r1.wire)/float64(r0.wire), "wire-ratio")
		b.ReportMetric(float64(r1.saved)/float64(r0.saved), "saved-ratio")
		b.ReportMetric(float64(r1.changeBytes)/float64(r0.changeBytes), "change-bytes-ratio")
		b.ReportMetric(float64(r1.changes)/float64(r0.changes), "changes-ratio")
		b.ReportMetric(float64(r0.wire), "wire-bytes-700ms")
		b.ReportMetric(float64(r1.wire), "wire-bytes-250ms")
		b.ReportMetric(float64(r0.saved), "saved-bytes-700ms")
		b.ReportMetric(float64(r1.saved), "saved-bytes-250ms")
		b.ReportMetric(float64(r0.acks), "acks-bytes-700ms")
		b.ReportMetric(float64(r1.acks), "acks-bytes-250ms")
		b.ReportMetric(float64(r0.changes), "changes-700ms")
		b.ReportMetric(float64(r1.changes), "changes-250ms")
		b.ReportMetric(float64(r0.changes-r0.commits+r1.changes-r1.commits), "extra-commits")
	}
}
