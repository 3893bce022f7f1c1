package sync

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	gosync "sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/coplan/coplan/doc"
	// As main.go does: a node process here stands for the coplan binary,
	// so its C memory must be allocated the same way.
	_ "github.com/coplan/coplan/internal/cmalloc"
)

// A node in its own process: the test binary run again as TestNodeProcess
// on a peer's data folder, driven by lines on stdin and answering on
// stdout. The parent kills, stops and restarts it by PID.
type nodeProc struct {
	t      testing.TB
	tp     *testPeer
	listen []string
	enter  func(argv ...string) []string // runs the child in a namespace; nil for none
	env    []string

	mu      gosync.Mutex
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	lines   chan string
	log     *logBuf // the child's stderr, every run
	seq     int
	started time.Time
}

// givenPorts are the ports freePort handed out: the kernel may offer a
// port again once its probe closed, and libp2p listens with SO_REUSEPORT,
// so two node processes given one port would share it without error.
var givenPorts = struct {
	gosync.Mutex
	m map[int]bool
}{m: map[int]bool{}}

// freePort finds a port free for both TCP and UDP on 127.0.0.1, never one
// it gave before.
func freePort(t testing.TB) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		must(t, err)
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if err == nil {
			u.Close()
			givenPorts.Lock()
			fresh := !givenPorts.m[port]
			givenPorts.m[port] = true
			givenPorts.Unlock()
			if fresh {
				return port
			}
		}
	}
	t.Fatal("no free port")
	return 0
}

func listenOn(ip string, port int) []string {
	return []string{fmt.Sprintf("/ip4/%s/tcp/%d", ip, port), fmt.Sprintf("/ip4/%s/udp/%d/quic-v1", ip, port)}
}

// addrsOf are the /p2p addresses a process listening on listen has.
func addrsOf(tp *testPeer, listen []string) []string {
	var out []string
	for _, l := range listen {
		out = append(out, l+"/p2p/"+tp.id.PeerID.String())
	}
	return out
}

func newNodeProc(t testing.TB, tp *testPeer, listen []string) *nodeProc {
	np := &nodeProc{t: t, tp: tp, listen: listen, log: &logBuf{}}
	t.Cleanup(func() {
		np.kill()
		if t.Failed() || os.Getenv("COPLAN_TEST_LOGS") != "" {
			t.Logf("log of the %s process:\n%s", tp.name, np.log.String())
		}
	})
	return np
}

// start runs the node process and waits until it syncs the plan.
func (np *nodeProc) start() {
	np.t.Helper()
	argv := []string{os.Args[0], "-test.run=^TestNodeProcess$", "-test.v", "-test.count=1"}
	if np.enter != nil {
		argv = np.enter(argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "COPLAN_NODE_CHILD="+np.tp.dir, "COPLAN_NODE_NAME="+np.tp.name,
		"COPLAN_NODE_LISTEN="+strings.Join(np.listen, ","))
	cmd.Env = append(cmd.Env, np.env...)
	stdin, err := cmd.StdinPipe()
	must(np.t, err)
	stdout, err := cmd.StdoutPipe()
	must(np.t, err)
	fmt.Fprintf(np.log, "--- start %s\n", time.Now().Format(time.TimeOnly))
	cmd.Stderr = np.log
	must(np.t, cmd.Start())
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	np.mu.Lock()
	np.cmd, np.stdin, np.lines = cmd, stdin, lines
	np.mu.Unlock()
	np.expect("READY", 60*time.Second)
	np.started = time.Now()
}

// expect waits for a line starting with prefix and returns it.
func (np *nodeProc) expect(prefix string, d time.Duration) string {
	np.t.Helper()
	timeout := time.After(d)
	for {
		select {
		case l, ok := <-np.lines:
			if !ok {
				np.t.Fatalf("the %s process ended while waiting for %q", np.tp.name, prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-timeout:
			np.t.Fatalf("the %s process did not say %q within %s", np.tp.name, prefix, d)
		}
	}
}

func (np *nodeProc) send(line string) {
	np.t.Helper()
	if _, err := fmt.Fprintln(np.stdin, line); err != nil {
		np.t.Fatalf("writing to the %s process: %v", np.tp.name, err)
	}
}

// edit adds a timeline entry in the process and commits it.
func (np *nodeProc) edit(title string) {
	np.t.Helper()
	np.send("edit " + title)
	np.expect("EDITED "+title, 30*time.Second)
}

// has asks the process whether it holds a timeline entry.
func (np *nodeProc) has(title string) bool {
	np.t.Helper()
	np.seq++
	np.send(fmt.Sprintf("has %d %s", np.seq, title))
	return np.expect(fmt.Sprintf("HAS %d ", np.seq), 30*time.Second) == fmt.Sprintf("HAS %d yes", np.seq)
}

// mem asks the process for its peak and current resident memory (bytes)
// and the largest frame it sent or received.
func (np *nodeProc) mem() (peak, rss, largest int64) {
	np.t.Helper()
	np.send("mem")
	l := np.expect("MEM ", 30*time.Second)
	if _, err := fmt.Sscanf(l, "MEM %d %d %d", &peak, &rss, &largest); err != nil {
		np.t.Fatalf("%q: %v", l, err)
	}
	return peak << 10, rss << 10, largest
}

// count asks how many timeline entries the process holds.
func (np *nodeProc) count() int {
	np.t.Helper()
	np.send("count")
	var n int
	fmt.Sscanf(np.expect("COUNT ", 30*time.Second), "COUNT %d", &n)
	return n
}

// waitHeads polls until the process holds every change of heads or d
// passes (cheaper than reading the plan, for memory measurements).
func (np *nodeProc) waitHeads(heads []string, d time.Duration) (time.Duration, bool) {
	np.t.Helper()
	start := time.Now()
	for time.Since(start) < d {
		np.seq++
		np.send(fmt.Sprintf("hasheads %d %s", np.seq, strings.Join(heads, ",")))
		if np.expect(fmt.Sprintf("HAS %d ", np.seq), 30*time.Second) == fmt.Sprintf("HAS %d yes", np.seq) {
			return time.Since(start), true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start), false
}

// waitHas polls until the process holds title or d passes; it returns how
// long that took.
func (np *nodeProc) waitHas(title string, d time.Duration) (time.Duration, bool) {
	np.t.Helper()
	start := time.Now()
	for time.Since(start) < d {
		if np.has(title) {
			return time.Since(start), true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start), false
}

func (np *nodeProc) signal(sig syscall.Signal) {
	np.t.Helper()
	np.mu.Lock()
	defer np.mu.Unlock()
	if np.cmd == nil || np.cmd.Process == nil {
		np.t.Fatalf("the %s process is not running", np.tp.name)
	}
	must(np.t, np.cmd.Process.Signal(sig))
}

// kill ends the process with SIGKILL (a crash) and reaps it.
func (np *nodeProc) kill() {
	np.mu.Lock()
	cmd := np.cmd
	np.cmd = nil
	np.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGCONT) // a stopped process dies too
	cmd.Process.Kill()
	cmd.Wait()
}

// TestNodeProcess is the child half of the process tests; it does nothing
// unless one of them started it.
func TestNodeProcess(t *testing.T) {
	dir := os.Getenv("COPLAN_NODE_CHILD")
	if dir == "" {
		t.Skip("runs only as a child of the process tests")
	}
	name := os.Getenv("COPLAN_NODE_NAME")
	id, err := LoadOrCreateIdentity(filepath.Join(dir, "config"))
	must(t, err)
	lib, err := doc.OpenLibrary(filepath.Join(dir, "data"))
	must(t, err)
	ids, err := lib.IDs()
	must(t, err)
	p, err := lib.Open(ids[0], doc.Author{PeerID: id.PeerID.String(), Name: name, Side: doc.CivilSociety})
	must(t, err)
	defer p.Close()
	must(t, p.AutoCommit(doc.DefaultPolicy)) // as the app does
	level := slog.LevelDebug
	if os.Getenv("COPLAN_NODE_QUIET") != "" {
		level = slog.LevelInfo // a room of many: debug logs cost more than the sync
	}
	// The app's reconnect settings: the defaults.
	n, err := NewNode(Config{Identity: id, Listen: strings.Split(os.Getenv("COPLAN_NODE_LISTEN"), ","),
		StateDir: filepath.Join(dir, "data", "sync"), Library: lib,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})).With("node", name)})
	must(t, err)
	defer n.Close()
	must(t, n.Start(p))
	if dir := os.Getenv("COPLAN_NODE_CPUPROF"); dir != "" {
		if out, err := os.Create(filepath.Join(dir, "cpu-"+name+".pprof")); err == nil {
			pprof.StartCPUProfile(out)
			defer pprof.StopCPUProfile()
		}
	}
	var mix *peakMix
	if os.Getenv("COPLAN_NODE_SAMPLE") != "" {
		mix = samplePeak(n.ctx, 50*time.Millisecond)
	}
	fmt.Println("READY")
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 3)
		switch f[0] {
		case "edit":
			title := strings.Join(f[1:], " ")
			_, err := p.AddTimeline(title, "2025-01-01", "")
			must(t, err)
			must(t, p.Commit())
			fmt.Println("EDITED " + title)
		case "has":
			ans := "no"
			for _, e := range p.Timeline() {
				if e.Title == f[2] {
					ans = "yes"
				}
			}
			fmt.Printf("HAS %s %s\n", f[1], ans)
		case "mem":
			// Peak and current resident memory, and the largest frame.
			status, _ := os.ReadFile("/proc/self/status")
			var hwm, rss string
			for _, l := range strings.Split(string(status), "\n") {
				if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
					hwm = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB"))
				}
				if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
					rss = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB"))
				}
			}
			var largest int64
			for _, ps := range n.Peers(p.ID()) {
				largest = max(largest, ps.Stats.LargestFrame)
			}
			fmt.Printf("MEM %s %s %d\n", hwm, rss, largest)
		case "hasheads":
			ans := "no"
			if p.HasChanges(strings.Split(f[2], ",")) {
				ans = "yes"
			}
			fmt.Printf("HAS %s %s\n", f[1], ans)
		case "count":
			fmt.Printf("COUNT %d\n", len(p.Timeline()))
		case "dial":
			// dial ADDR...: connect to each at once, as a room does.
			var wg gosync.WaitGroup
			var failed atomic.Int32
			for _, a := range strings.Fields(strings.Join(f[1:], " ")) {
				info, err := peer.AddrInfoFromString(a)
				must(t, err)
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
					defer cancel()
					if err := n.connect(ctx, n.plan(p.ID()), *info); err != nil {
						failed.Add(1)
						fmt.Fprintln(os.Stderr, "dial failed:", err)
					}
				}()
			}
			wg.Wait()
			fmt.Printf("DIALED %d\n", failed.Load())
		case "gomem":
			// The Go heap's share of the memory, and a heap profile.
			pprof.StopCPUProfile()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if len(f) > 1 {
				if out, err := os.Create(f[1]); err == nil {
					pprof.WriteHeapProfile(out)
					out.Close()
				}
			}
			// Resident memory by mapping: the C heap ([heap] and
			// malloc's other arenas) against the Go heap.
			smaps, _ := os.ReadFile("/proc/self/smaps")
			var cur string
			rssBy := map[string]int64{}
			for _, l := range strings.Split(string(smaps), "\n") {
				fs := strings.Fields(l)
				if len(fs) >= 5 && strings.Contains(fs[0], "-") {
					cur = "anon"
					if len(fs) >= 6 {
						cur = fs[5]
					}
				} else if len(fs) >= 2 && fs[0] == "Rss:" {
					var kb int64
					fmt.Sscan(fs[1], &kb)
					rssBy[cur] += kb
				}
			}
			fmt.Printf("GOMEM rss: brk-heap=%dMB anon=%dMB binary=%dMB; go: sys=%dMB heapinuse=%dMB stacks=%dMB goroutines=%d\n",
				rssBy["[heap]"]>>10, rssBy["anon"]>>10, rssBy[os.Args[0]]>>10, ms.Sys>>20, ms.HeapInuse>>20, ms.StackSys>>20, runtime.NumGoroutine())
		case "peakmix":
			// What the resident memory was made of when it was largest.
			if mix == nil {
				fmt.Println("PEAKMIX not sampled")
				break
			}
			fmt.Println("PEAKMIX " + mix.String())
		case "cpu":
			// CPU time used so far, user and system, in microseconds: a
			// measure of work that other load on the machine does not skew.
			var ru syscall.Rusage
			must(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
			fmt.Printf("CPU %d\n", ru.Utime.Nano()/1e3+ru.Stime.Nano()/1e3)
		case "sent":
			var sent int64
			for _, ps := range n.Peers(p.ID()) {
				sent += ps.Stats.BytesSent
			}
			fmt.Printf("SENT %d\n", sent)
		case "quit":
			return
		}
	}
}

// peakMix is a node process's memory at its largest resident size seen by
// sampling: file-backed pages (the binary), the Go runtime's mapped and
// unreleased memory, and the rest of the anonymous memory, which is C's
// (malloc's arenas, Automerge) and thread stacks.
type peakMix struct {
	mu                                     gosync.Mutex
	rss, file, goHeld, goObjects, goStacks int64
	threads                                int
}

func (m *peakMix) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	anon := m.rss - m.file
	return fmt.Sprintf("rss=%dMB file=%dMB anon=%dMB go-held=%dMB (objects %dMB, stacks %dMB) c-and-other=%dMB threads=%d",
		m.rss>>20, m.file>>20, anon>>20, m.goHeld>>20, m.goObjects>>20, m.goStacks>>20, (anon-m.goHeld)>>20, m.threads)
}

// samplePeak samples the process's memory every d until ctx ends,
// keeping the sample with the largest resident size.
func samplePeak(ctx context.Context, d time.Duration) *peakMix {
	m := &peakMix{}
	page := int64(os.Getpagesize())
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/stacks:bytes"}}
	threads := pprof.Lookup("threadcreate")
	go func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			statm, err := os.ReadFile("/proc/self/statm")
			if err != nil {
				return
			}
			var size, res, shared int64
			fmt.Sscan(string(statm), &size, &res, &shared)
			m.mu.Lock()
			if res*page > m.rss {
				metrics.Read(samples)
				m.rss, m.file = res*page, shared*page
				m.goHeld = int64(samples[0].Value.Uint64() - samples[1].Value.Uint64())
				m.goObjects, m.goStacks = int64(samples[2].Value.Uint64()), int64(samples[3].Value.Uint64())
				m.threads = threads.Count()
			}
			m.mu.Unlock()
		}
	}()
	return m
}

// planPair is two members with their copies of a plan on disk, each
// knowing where the other listens.
func planPair(t testing.TB, listenA, listenB []string) (ta, tb *testPeer, planID string) {
	ta, tb = newTestPeer(t, "Ana"), newTestPeer(t, "Bo")
	p, err := ta.lib.Create("Plan across processes", "Freedonia", "2025", "2027", ta.author)
	must(t, err)
	must(t, p.AddMember(doc.Member{PeerID: tb.author.PeerID, Name: "Bo", Side: doc.Government}))
	saved := mustSave(t, p)
	planID = p.ID()
	must(t, p.Close())
	q, err := tb.lib.Adopt(saved, tb.author)
	must(t, err)
	must(t, q.Close())
	for _, addr := range addrsOf(tb, listenB) {
		_, err := AddKnownPeer(filepath.Join(ta.dir, "data", "sync"), planID, addr)
		must(t, err)
	}
	for _, addr := range addrsOf(ta, listenA) {
		_, err := AddKnownPeer(filepath.Join(tb.dir, "data", "sync"), planID, addr)
		must(t, err)
	}
	return ta, tb, planID
}

// procPair is planPair, ready to run as processes.
func procPair(t testing.TB, listenA, listenB []string) (a, b *nodeProc) {
	ta, tb, _ := planPair(t, listenA, listenB)
	return newNodeProc(t, ta, listenA), newNodeProc(t, tb, listenB)
}

// bothWays makes an edit on each side and checks it reaches the other
// within d, returning the longer wait.
func bothWays(t *testing.T, a, b *nodeProc, tag string, d time.Duration) time.Duration {
	t.Helper()
	a.edit("from Ana " + tag)
	b.edit("from Bo " + tag)
	wa, okA := b.waitHas("from Ana "+tag, d)
	wb, okB := a.waitHas("from Bo "+tag, d)
	if !okA || !okB {
		t.Fatalf("%s: edits did not cross within %s (Ana's reached Bo: %v, Bo's reached Ana: %v)", tag, d, okA, okB)
	}
	return max(wa, wb)
}
