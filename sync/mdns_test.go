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

// Two hosts in separate network namespaces, joined by a veth pair, find
// each other by mDNS and sync. The test creates the namespaces (and only
// uses addresses inside them), re-runs this test binary in each as a child
// process, and removes them again.
func TestMDNSDiscoveryAcrossNamespaces(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping namespace test in -short mode")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipping: the ip tool (iproute2) is not installed")
	}
	tag := fmt.Sprintf("%d", os.Getpid()%100000)
	nsA, nsB := "coplan-"+tag+"-a", "coplan-"+tag+"-b"
	vA, vB := "cpa"+tag, "cpb"+tag
	subnet := fmt.Sprintf("10.231.%d", os.Getpid()%250)
	ip := func(args ...string) error {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := ip("netns", "add", nsA); err != nil {
		t.Skipf("skipping: cannot create network namespaces here: %v", err)
	}
	t.Cleanup(func() { ip("netns", "del", nsA) })
	must(t, ip("netns", "add", nsB))
	t.Cleanup(func() { ip("netns", "del", nsB) })
	for _, step := range [][]string{
		{"link", "add", vA, "type", "veth", "peer", "name", vB},
		{"link", "set", vA, "netns", nsA},
		{"link", "set", vB, "netns", nsB},
		{"-n", nsA, "addr", "add", subnet + ".1/24", "dev", vA},
		{"-n", nsB, "addr", "add", subnet + ".2/24", "dev", vB},
		{"-n", nsA, "link", "set", "lo", "up"},
		{"-n", nsB, "link", "set", "lo", "up"},
		{"-n", nsA, "link", "set", vA, "up"},
		{"-n", nsB, "link", "set", vB, "up"},
	} {
		must(t, ip(step...))
	}

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
		cmd := exec.CommandContext(ctx, "ip", "netns", "exec", c.ns, os.Args[0],
			"-test.run=^TestMDNSChild$", "-test.v", "-test.count=1")
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
	p, err := lib.Open(ids[0], doc.Author{PeerID: id.PeerID.String(), Name: name})
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
