package sync

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/coplan/coplan/doc"
)

// logBuf collects a node's log so tests can look for a logged reason and
// print it when they fail.
type logBuf struct {
	mu gosync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testPeer is one laptop: a device key, a data folder, a node and the plan.
type testPeer struct {
	name   string
	id     *Identity
	dir    string
	lib    *doc.Library
	author doc.Author
	n      *Node
	p      *doc.Plan
	logs   *logBuf

	baseBytes int // size of the changes every peer started with (benchmarks)
}

var loopback = []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}

func newTestPeer(t testing.TB, name string) *testPeer {
	t.Helper()
	dir := t.TempDir()
	id, err := LoadOrCreateIdentity(filepath.Join(dir, "config"))
	if err != nil {
		t.Fatal(err)
	}
	lib, err := doc.OpenLibrary(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	tp := &testPeer{name: name, id: id, dir: dir, lib: lib, logs: &logBuf{},
		author: testAuthor(t, id, name)}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log of %s:\n%s", name, tp.logs.String())
		}
	})
	return tp
}

// startNode starts (or restarts) the peer's node on loopback.
func (tp *testPeer) startNode(t testing.TB) *Node {
	t.Helper()
	return tp.startNodeWith(t, nil)
}

// startNodeWith starts the peer's node with the test defaults changed by mod.
func (tp *testPeer) startNodeWith(t testing.TB, mod func(*Config)) *Node {
	t.Helper()
	cfg := Config{Identity: tp.id, Listen: loopback, StateDir: filepath.Join(tp.dir, "data", "sync"),
		Library: tp.lib, ReconnectMin: 100 * time.Millisecond, ReconnectMax: time.Second,
		Logger: slog.New(slog.NewTextHandler(tp.logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("node", tp.name)}
	if mod != nil {
		mod(&cfg)
	}
	n, err := NewNode(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tp.n = n
	t.Cleanup(func() { n.Close() })
	return n
}

func (tp *testPeer) info() peer.AddrInfo {
	return peer.AddrInfo{ID: tp.n.ID(), Addrs: tp.n.Host().Addrs()}
}

// newGroup makes n members of one plan, each with its own copy (as if the
// plan had been shared before the meeting), nodes started and syncing.
func newGroup(t testing.TB, names ...string) []*testPeer {
	t.Helper()
	peers := make([]*testPeer, len(names))
	for i, nm := range names {
		peers[i] = newTestPeer(t, nm)
	}
	first := peers[0]
	p, err := first.lib.Create("National Action Plan 2025-2027", "Freedonia", "2025", "2027", first.author)
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range peers[1:] {
		if err := p.AddMember(doc.Member{PeerID: tp.author.PeerID, Name: tp.name, Org: tp.author.Org, Side: tp.author.Side}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.AddCommitment(doc.NewCommitment{Title: "Open contracting"}); err != nil {
		t.Fatal(err)
	}
	saved, err := p.Save()
	if err != nil {
		t.Fatal(err)
	}
	first.p = p
	t.Cleanup(func() { p.Close() })
	for _, tp := range peers[1:] {
		q, err := tp.lib.Adopt(saved, tp.author)
		if err != nil {
			t.Fatal(err)
		}
		tp.p = q
		t.Cleanup(func() { q.Close() })
	}
	for _, tp := range peers {
		tp.startNode(t)
		if err := tp.n.Start(tp.p); err != nil {
			t.Fatal(err)
		}
	}
	return peers
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// syncOnce syncs a with b until level.
func syncOnce(t testing.TB, a, b *testPeer) Stats {
	t.Helper()
	st, err := a.n.SyncOnce(ctxT(t, 60*time.Second), a.p.ID(), b.info())
	if err != nil {
		t.Fatalf("%s syncing with %s: %v", a.name, b.name, err)
	}
	return st
}

// waitFor polls cond until true or the deadline (a bound, not an assertion
// on speed).
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting %s for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func sameHeads(ps ...*testPeer) bool {
	h := strings.Join(ps[0].p.Heads(), ",")
	for _, tp := range ps[1:] {
		if strings.Join(tp.p.Heads(), ",") != h {
			return false
		}
	}
	return true
}

func commitmentID(t testing.TB, p *doc.Plan) string {
	t.Helper()
	s := p.Summaries()
	if len(s) == 0 {
		t.Fatal("no commitment")
	}
	return s[0].ID
}

func text(t testing.TB, p *doc.Plan, ref doc.TextRef) string {
	t.Helper()
	s, err := p.Text(ref)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var _ = fmt.Sprint

// testAuthor is name on the device id, with the device key that signs the
// plan's statements.
func testAuthor(t testing.TB, id *Identity, name string) doc.Author {
	t.Helper()
	raw, err := id.Key.Raw()
	must(t, err)
	key, err := doc.DeviceKey(raw)
	must(t, err)
	a := doc.Author{PeerID: id.PeerID.String(), Name: name, Org: name + " org", Side: doc.CivilSociety, Key: key}
	return a
}

func decodePeer(s string) (peer.ID, error) { return peer.Decode(s) }
