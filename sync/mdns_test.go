package sync

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coplan/coplan/doc"
)

// rootIsMountPoint says whether mountinfo (the text of
// /proc/self/mountinfo) lists a mount at "/". In a chroot, and in
// containers built on one, the root is a plain folder.
func rootIsMountPoint(mountinfo []byte) bool {
	for _, line := range strings.Split(string(mountinfo), "\n") {
		// ID PARENT MAJOR:MINOR ROOT MOUNT-POINT OPTIONS ... - TYPE SOURCE ...
		if f := strings.Fields(line); len(f) > 4 && f[4] == "/" {
			return true
		}
	}
	return false
}

// netnsCommand returns how to run a command inside a named network
// namespace. `ip netns exec` and `ip -n` first run "mount --make-rslave /",
// which fails where / is not a mount point; there nsenter enters the
// network namespace alone and touches no mount. skip says why neither can.
func netnsCommand() (enter func(ns string, argv ...string) []string, skip string) {
	info, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Sprintf("cannot read /proc/self/mountinfo to see whether / is a mount point: %v", err)
	}
	if rootIsMountPoint(info) {
		return func(ns string, argv ...string) []string { return append([]string{"ip", "netns", "exec", ns}, argv...) }, ""
	}
	if _, err := exec.LookPath("nsenter"); err != nil {
		return nil, "/ is not a mount point here (a chroot or container), so `ip netns exec` cannot run (it needs \"mount --make-rslave /\"), and nsenter (util-linux) is not installed to enter the namespace instead"
	}
	return func(ns string, argv ...string) []string {
		return append([]string{"nsenter", "--net=" + netnsPath(ns)}, argv...)
	}, ""
}

// netnsPath is where `ip netns add` keeps a namespace.
func netnsPath(ns string) string {
	for _, dir := range []string{"/run/netns", "/var/run/netns"} {
		if p := filepath.Join(dir, ns); fileExists(p) {
			return p
		}
	}
	return filepath.Join("/run/netns", ns)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func TestRootIsMountPoint(t *testing.T) {
	host := `22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
28 27 0:25 / /mnt/my\040disk ro,nosuid - tmpfs tmpfs ro
`
	// The same machine seen from a chroot into /srv/root: the real root is
	// out of sight, and folders bound in keep their root "/" in field 4.
	chroot := `65 44 254:0 /usr /usr rw,relatime - ext4 /dev/vda rw
67 44 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw
72 44 0:39 / /proc rw,relatime - proc proc rw
`
	cases := []struct {
		name string
		in   string
		want bool
	}{
		{"host", host, true},
		{"chroot", chroot, false},
		{"root mounted last, no newline", "22 27 0:21 / /proc rw - proc proc rw\n27 1 254:0 / / rw - ext4 /dev/vda rw", true},
		{"overlay root of a container", "600 550 0:52 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/l\n", true},
		{"empty", "", false},
		{"truncated line", "27 1 254:0 /\n", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := rootIsMountPoint([]byte(tc.in)); got != tc.want {
				t.Fatalf("rootIsMountPoint = %v, want %v", got, tc.want)
			}
		})
	}
}

// Two hosts in separate network namespaces, joined by a veth pair, find
// each other by mDNS and sync. The test creates the namespaces (and only
// uses addresses inside them), re-runs this test binary in each as a child
// process, and removes them again. It runs in a chroot too, where / is not
// a mount point, entering the namespaces with nsenter.
func TestMDNSDiscoveryAcrossNamespaces(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping namespace test in -short mode")
	}
	nsp := newNetnsPair(t)
	enter, nsA, nsB, subnet := nsp.enter, nsp.nsA, nsp.nsB, nsp.subnet

	// Two members with their copies, prepared here, run in the namespaces.
	a, b := newTestPeer(t, "Ana"), newTestPeer(t, "Bo")
	p, err := a.lib.Create("Plan in a meeting room", "Freedonia", "2025", "2027", a.author)
	must(t, err)
	must(t, p.AddMember(doc.Member{PeerID: b.author.PeerID, Name: "Bo", Side: doc.Government}))
	saved := mustSave(t, p)
	must(t, p.Close())
	q, err := b.lib.Adopt(saved, b.author)
	must(t, err)
	must(t, q.Close())

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	type result struct {
		name string
		out  []byte
		err  error
	}
	results := make(chan result, 2)
	for _, c := range []struct {
		tp   *testPeer
		ns   string
		addr string
	}{{a, nsA, subnet + ".1"}, {b, nsB, subnet + ".2"}} {
		argv := enter(c.ns, os.Args[0], "-test.run=^TestMDNSChild$", "-test.v", "-test.count=1")
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "COPLAN_MDNS_CHILD="+c.tp.dir, "COPLAN_MDNS_ADDR="+c.addr, "COPLAN_MDNS_NAME="+c.tp.name)
		go func() {
			out, err := cmd.CombinedOutput()
			results <- result{c.tp.name, out, err}
		}()
	}
	for range 2 {
		r := <-results
		if r.err != nil || !strings.Contains(string(r.out), "MDNS-CHILD-OK") {
			t.Fatalf("%s in its namespace: %v\n%s", r.name, r.err, r.out)
		}
		t.Logf("%s: found its peer by mDNS and synced", r.name)
	}
}

// TestMDNSChild is the child half of TestMDNSDiscoveryAcrossNamespaces; it
// does nothing unless that test started it inside a namespace.
func TestMDNSChild(t *testing.T) {
	dir := os.Getenv("COPLAN_MDNS_CHILD")
	if dir == "" {
		t.Skip("runs only as a child of TestMDNSDiscoveryAcrossNamespaces")
	}
	name, addr := os.Getenv("COPLAN_MDNS_NAME"), os.Getenv("COPLAN_MDNS_ADDR")
	id, err := LoadOrCreateIdentity(filepath.Join(dir, "config"))
	must(t, err)
	lib, err := doc.OpenLibrary(filepath.Join(dir, "data"))
	must(t, err)
	ids, err := lib.IDs()
	must(t, err)
	p, err := lib.Open(ids[0], testAuthor(t, id, name))
	must(t, err)
	defer p.Close()
	_, err = p.AddTimeline("from "+name, "2025-01-01", "")
	must(t, err)
	must(t, p.Commit())
	n, err := NewNode(Config{Identity: id, Listen: []string{"/ip4/" + addr + "/tcp/0", "/ip4/" + addr + "/udp/0/quic-v1"},
		StateDir: filepath.Join(dir, "data", "sync"), Library: lib, MDNS: true,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	must(t, err)
	defer n.Close()
	must(t, n.Start(p))
	both := func() bool {
		seen := 0
		for _, e := range p.Timeline() {
			if strings.HasPrefix(e.Title, "from ") {
				seen++
			}
		}
		return seen == 2
	}
	waitFor(t, 60*time.Second, "the other namespace's edit", both)
	since := time.Now().Add(-time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, ps := range n.Peers(p.ID()) {
		pid, _ := decodePeer(ps.ID)
		must(t, n.WaitLevel(ctx, p.ID(), pid, since))
	}
	fmt.Println("MDNS-CHILD-OK")
}

// netnsPair is two network namespaces the test made, joined by a veth
// pair (A at subnet.1, B at subnet.2), removed when the test ends.
type netnsPair struct {
	enter        func(ns string, argv ...string) []string
	nsA, nsB     string
	vethA, vethB string
	subnet       string
	run          func(argv ...string) error
}

func newNetnsPair(t *testing.T) *netnsPair {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipping: the ip tool (iproute2) is not installed")
	}
	enter, why := netnsCommand()
	if why != "" {
		t.Skip("skipping: " + why)
	}
	tag := fmt.Sprintf("%d", (os.Getpid()*7+int(time.Now().UnixNano()/1e6))%100000)
	nsA, nsB := "coplan-"+tag+"-a", "coplan-"+tag+"-b"
	vA, vB := "cpa"+tag, "cpb"+tag
	subnet := fmt.Sprintf("10.231.%d", (os.Getpid()+int(time.Now().UnixNano()/1e6))%250)
	run := func(argv ...string) error {
		out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, out)
		}
		return nil
	}
	ip := func(args ...string) error { return run(append([]string{"ip"}, args...)...) }
	if err := ip("netns", "add", nsA); err != nil {
		t.Skipf("skipping: cannot create network namespaces here: %v", err)
	}
	t.Cleanup(func() { ip("netns", "del", nsA) })
	must(t, ip("netns", "add", nsB))
	t.Cleanup(func() { ip("netns", "del", nsB) })
	for _, step := range [][]string{
		{"ip", "link", "add", vA, "type", "veth", "peer", "name", vB},
		{"ip", "link", "set", vA, "netns", nsA},
		{"ip", "link", "set", vB, "netns", nsB},
		enter(nsA, "ip", "addr", "add", subnet+".1/24", "dev", vA),
		enter(nsB, "ip", "addr", "add", subnet+".2/24", "dev", vB),
		enter(nsA, "ip", "link", "set", "lo", "up"),
		enter(nsB, "ip", "link", "set", "lo", "up"),
		enter(nsA, "ip", "link", "set", vA, "up"),
		enter(nsB, "ip", "link", "set", vB, "up"),
	} {
		must(t, run(step...))
	}
	return &netnsPair{enter: enter, nsA: nsA, nsB: nsB, vethA: vA, vethB: vB, subnet: subnet, run: run}
}

// setLink brings A's end of the veth pair down or up (a cable pulled).
func (np *netnsPair) setLink(t *testing.T, up bool) {
	t.Helper()
	state := "down"
	if up {
		state = "up"
	}
	must(t, np.run(np.enter(np.nsA, "ip", "link", "set", np.vethA, state)...))
}
