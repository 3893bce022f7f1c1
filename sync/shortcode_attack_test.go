package sync

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/coplan/coplan/internal/spake2"
	"github.com/coplan/coplan/sync/wire"
)

// stranger is a bare libp2p host on loopback with a fresh key.
func stranger(t *testing.T) host.Host {
	t.Helper()
	k, _, err := crypto.GenerateEd25519Key(rand.Reader)
	must(t, err)
	return rawHost(t, k)
}

// reachesJoin says whether h gets through a's gate to the join protocol:
// asked for a number that is not open, the inviter answers with a
// refusal; a device the gate turned away reads nothing.
func reachesJoin(t *testing.T, h host.Host, a *testPeer) bool {
	t.Helper()
	ctx := ctxT(t, 10*time.Second)
	if err := h.Connect(ctx, a.info()); err != nil {
		return false
	}
	s, err := h.NewStream(ctx, a.n.ID(), wire.JoinProtocolID)
	if err != nil {
		return false
	}
	defer s.Close()
	s.SetDeadline(time.Now().Add(5 * time.Second))
	start := wire.JoinStart{Version: wire.JoinVersion, Nameplate: 98, Share: make([]byte, wire.JoinShareSize)}
	if err := wire.NewWriter(s).WriteFrame(wire.FrameJoinStart, wire.EncodeJoinStart(start)); err != nil {
		return false
	}
	typ, _, err := wire.NewReader(s).ReadFrame(wire.MaxJoinFrame)
	return err == nil && typ == wire.FrameJoinRefuse
}

// The gate turns strangers away unless a code is open, and then lets in a
// handful at once; a stranger let in still gets nothing of the plan
// without an invite.
func TestShortCodeGate(t *testing.T) {
	a := newGroup(t, "Ana")[0]
	ctx := ctxT(t, time.Minute)
	if reachesJoin(t, stranger(t), a) {
		t.Fatal("a stranger got through with no code or invite open")
	}
	openCode_(t, a, "3-penguin-pretzel", time.Minute)
	var guests []host.Host
	for range maxCodeGuests {
		g := stranger(t)
		if !reachesJoin(t, g, a) {
			t.Fatalf("guest %d refused while a code is open", len(guests)+1)
		}
		guests = append(guests, g)
	}
	if reachesJoin(t, stranger(t), a) {
		t.Fatalf("guest %d let in; at most %d at once", maxCodeGuests+1, maxCodeGuests)
	}
	// A guest is a guest only for the join protocol.
	s, err := guests[0].NewStream(ctx, a.n.ID(), wire.ProtocolID)
	must(t, err)
	must(t, wire.NewWriter(s).WriteFrame(wire.FrameHello, wire.EncodeHello(wire.Hello{Version: wire.ProtocolVersion, Plan: a.p.ID()})))
	s.SetReadDeadline(time.Now().Add(10 * time.Second))
	typ, body, err := wire.NewReader(s).ReadFrame(wire.MaxHelloFrame)
	if err != nil || typ != wire.FrameRefuse {
		t.Fatalf("a guest's sync hello got frame %d %q %v; want a refusal", typ, body, err)
	}
	t.Logf("guest's hello refused: %s", wire.ParseRefusal(body))
	// A guest leaving frees its place.
	guests[0].Close()
	waitFor(t, 10*time.Second, "the guest's place to free up", func() bool {
		a.n.codes.mu.Lock()
		defer a.n.codes.mu.Unlock()
		return len(a.n.codes.guests) < maxCodeGuests
	})
	if !reachesJoin(t, stranger(t), a) {
		t.Fatal("a guest's place did not free up")
	}
}

// A device relaying the exchange between joiner and inviter (each sees it,
// not the other) cannot make it succeed: the identities in the PAKE are
// the authenticated peer IDs, so the confirmation fails, costs one
// attempt, and no invite passes through it.
func TestShortCodeRelayInTheMiddle(t *testing.T) {
	a, oc, _ := inviterWithCode(t, "9-penguin-pretzel", time.Minute)
	ctx := ctxT(t, time.Minute)
	m := stranger(t)
	m.Peerstore().AddAddrs(a.n.ID(), a.n.Host().Addrs(), time.Hour)
	var mu gosync.Mutex
	var seen []byte // frame types the inviter sent through the relay
	m.SetStreamHandler(wire.JoinProtocolID, func(s network.Stream) {
		defer s.Close()
		up, err := m.NewStream(ctx, a.n.ID(), wire.JoinProtocolID)
		if err != nil {
			s.Reset()
			return
		}
		defer up.Close()
		go io.Copy(up, s)
		fr := wire.NewReader(up)
		for range 8 {
			typ, body, err := fr.ReadFrame(wire.MaxJoinFrame)
			if err != nil {
				return
			}
			mu.Lock()
			seen = append(seen, typ)
			mu.Unlock()
			if _, err := s.Write(wire.AppendFrame(nil, typ, body)); err != nil {
				return
			}
		}
	})
	b := joiner(t, "Bo")
	_, err := b.n.JoinWords(ctx, "9-penguin-pretzel", b.author, peer.AddrInfo{ID: m.ID(), Addrs: m.Addrs()})
	if !errors.Is(err, ErrCodeWrong) {
		t.Fatalf("joining through a relay: %v; want a wrong-code failure", err)
	}
	mu.Lock()
	got := append([]byte(nil), seen...)
	mu.Unlock()
	if !bytes.Equal(got, []byte{wire.FrameJoinShare, wire.FrameJoinRefuse}) {
		t.Fatalf("frames from the inviter through the relay: %v; want a share and a refusal", got)
	}
	if checks, failures := counts(a.n, oc); checks != 1 || failures != 1 {
		t.Fatalf("%d checks, %d failures; want the relayed try counted once", checks, failures)
	}
	if len(a.p.Members()) != 1 {
		t.Fatalf("members: %v", a.p.Members())
	}
}

// pakeRun is what a joiner sent and received in one exchange.
type pakeRun struct {
	sent, received []byte
	invite         string // the full invite, when it succeeded
	refusal        *wire.JoinRefusal
}

// runPAKE is a joiner written out by hand, frame by frame, from host h.
// With replay set it sends those bytes instead of computing its own.
func runPAKE(t *testing.T, h host.Host, to peer.ID, sc ShortCode, replay [][]byte) pakeRun {
	t.Helper()
	ctx := ctxT(t, time.Minute)
	s, err := h.NewStream(ctx, to, wire.JoinProtocolID)
	must(t, err)
	defer s.Close()
	s.SetDeadline(time.Now().Add(20 * time.Second))
	var run pakeRun
	fr := wire.NewReader(s)
	send := func(frame []byte) {
		run.sent = append(run.sent, frame...)
		if _, err := s.Write(frame); err != nil {
			t.Fatal(err)
		}
	}
	recv := func() (byte, []byte) {
		typ, body, err := fr.ReadFrame(wire.MaxJoinFrame)
		must(t, err)
		run.received = append(run.received, wire.AppendFrame(nil, typ, body)...)
		if typ == wire.FrameJoinRefuse {
			r, err := wire.ParseJoinRefusal(body)
			must(t, err)
			run.refusal = &r
		}
		return typ, body
	}
	w, err := passwordScalar(sc)
	must(t, err)
	ex, err := spake2.New(spake2.RoleA, w, []byte(h.ID()), []byte(to), joinAAD(sc.Nameplate))
	must(t, err)
	if replay != nil {
		send(replay[0])
	} else {
		send(wire.AppendFrame(nil, wire.FrameJoinStart, wire.EncodeJoinStart(wire.JoinStart{Version: wire.JoinVersion, Nameplate: sc.Nameplate, Share: ex.Share()})))
	}
	typ, body := recv()
	if typ != wire.FrameJoinShare {
		return run
	}
	keys, err := ex.Finish(body)
	must(t, err)
	if replay != nil {
		send(replay[1])
	} else {
		send(wire.AppendFrame(nil, wire.FrameJoinConfirm, keys.Confirm))
	}
	typ, body = recv()
	if typ != wire.FrameJoinInvite {
		return run
	}
	ji, err := wire.ParseJoinInvite(body)
	must(t, err)
	must(t, keys.Verify(ji.Confirm))
	run.invite, err = openInvite(keys.Shared, sc.Nameplate, ji.Sealed)
	must(t, err)
	return run
}

// A recorded exchange, replayed to the same inviter with the same code,
// even from the joiner's own device, fails: the inviter's share is fresh,
// so the recorded confirmation no longer matches. Nothing in the exchange
// carries the code.
func TestShortCodeReplayFails(t *testing.T) {
	const code = "4-penguin-pretzel"
	a, oc1, _ := inviterWithCode(t, code, time.Minute)
	sc, _ := ParseShortCode(code)
	b := joiner(t, "Bo")
	b.n.mu.Lock()
	b.n.joinTargets[a.n.ID()]++
	b.n.mu.Unlock()
	must(t, b.n.Host().Connect(ctxT(t, time.Minute), a.info()))
	first := runPAKE(t, b.n.Host(), a.n.ID(), sc, nil)
	if first.invite == "" {
		t.Fatalf("the recorded exchange did not succeed: %+v", first.refusal)
	}
	inv, err := ParseInvite(first.invite)
	must(t, err)
	if inv.Inviter != a.n.ID() || inv.Plan != a.p.ID() {
		t.Fatalf("invite from %s for %s", inv.Inviter, inv.Plan)
	}
	for _, secret := range []string{sc.String(), "penguin", "pretzel", "PENGUIN"} {
		if bytes.Contains(first.sent, []byte(secret)) || bytes.Contains(first.received, []byte(secret)) {
			t.Fatalf("%q is on the wire", secret)
		}
	}
	if bytes.Contains(first.received, []byte(first.invite)) || bytes.Contains(first.received, []byte(a.p.ID())) {
		t.Fatal("the full invite crossed in the clear")
	}
	// Split what was sent back into its two frames.
	fr := wire.NewReader(bytes.NewReader(first.sent))
	var frames [][]byte
	for range 2 {
		typ, body, err := fr.ReadFrame(wire.MaxJoinFrame)
		must(t, err)
		frames = append(frames, wire.AppendFrame(nil, typ, body))
	}
	a.n.finishCode(oc1, JoinResult{Err: ErrCodeCancelled})
	oc2, done := openCode_(t, a, code, time.Minute)
	for _, from := range []struct {
		name string
		h    host.Host
	}{{"the joiner's device", b.n.Host()}, {"another device", stranger(t)}} {
		t.Run(from.name, func(t *testing.T) {
			if from.h != b.n.Host() {
				must(t, from.h.Connect(ctxT(t, time.Minute), a.info()))
			}
			checksBefore, _ := counts(a.n, oc2)
			again := runPAKE(t, from.h, a.n.ID(), sc, frames)
			if again.invite != "" || again.refusal == nil || again.refusal.Reason != wire.JoinWrongCode {
				t.Fatalf("replay got invite %q, refusal %+v; want a wrong-code refusal", again.invite, again.refusal)
			}
			if checks, _ := counts(a.n, oc2); checks != checksBefore+1 {
				t.Fatalf("checks %d -> %d", checksBefore, checks)
			}
		})
	}
	select {
	case r := <-done:
		t.Fatalf("the reopened code ended: %+v", r)
	default:
	}
	if len(a.p.Members()) != 1 {
		t.Fatalf("members: %v", a.p.Members())
	}
}

// recordingProxy forwards loopback TCP connections to target and keeps
// every byte each way: an eavesdropper on the link.
type recordingProxy struct {
	ln       net.Listener
	mu       gosync.Mutex
	up, down [][]byte // per connection: client to server, server to client
}

func newRecordingProxy(t *testing.T, target string) *recordingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	p := &recordingProxy{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for i := 0; i < 16; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			idx := len(p.up)
			p.up, p.down = append(p.up, nil), append(p.down, nil)
			p.mu.Unlock()
			pipe := func(dst, src net.Conn, keep func([]byte)) {
				defer dst.Close()
				buf := make([]byte, 32<<10)
				for {
					n, err := src.Read(buf)
					if n > 0 {
						keep(buf[:n])
						if _, werr := dst.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}
			go pipe(u, c, func(b []byte) { p.mu.Lock(); p.up[idx] = append(p.up[idx], b...); p.mu.Unlock() })
			go pipe(c, u, func(b []byte) { p.mu.Lock(); p.down[idx] = append(p.down[idx], b...); p.mu.Unlock() })
		}
	}()
	return p
}

func (p *recordingProxy) all() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []byte
	for i := range p.up {
		out = append(append(out, p.up[i]...), p.down[i]...)
	}
	return out
}

// loopbackTCP is the node's 127.0.0.1 TCP address as host:port.
func loopbackTCP(t *testing.T, n *Node) string {
	t.Helper()
	for _, a := range n.Host().Addrs() {
		if ip, err := a.ValueForProtocol(ma.P_IP4); err == nil && ip == "127.0.0.1" {
			if port, err := a.ValueForProtocol(ma.P_TCP); err == nil {
				return net.JoinHostPort(ip, port)
			}
		}
	}
	t.Fatal("no loopback TCP address")
	return ""
}

// Everything between joiner and inviter, recorded on the link: the whole
// join, code to plan, crosses without the code, the plan's title or ID, or
// anything of the invite; replaying the joiner's bytes to the inviter
// gets nowhere.
func TestShortCodeEavesdropperLoopback(t *testing.T) {
	const code = "21-penguin-pretzel"
	a, _, done := inviterWithCode(t, code, time.Minute)
	px := newRecordingProxy(t, loopbackTCP(t, a.n))
	port := px.ln.Addr().(*net.TCPAddr).Port
	via := peer.AddrInfo{ID: a.n.ID(), Addrs: []ma.Multiaddr{ma.StringCast("/ip4/127.0.0.1/tcp/" + strconv.Itoa(port))}}
	b := joiner(t, "Bo")
	q, err := b.n.JoinWords(ctxT(t, time.Minute), code, b.author, via)
	must(t, err)
	defer q.Close()
	if r := result(t, done); r.Err != nil {
		t.Fatal(r.Err)
	}
	heard := px.all()
	if len(heard) < 2000 {
		t.Fatalf("the recording has %d bytes; the join did not go through the proxy", len(heard))
	}
	nonce := inviteNonces(t, a)
	secrets := map[string][]byte{"the code": []byte(code), "a code word": []byte("penguin"), "the other word": []byte("pretzel"),
		"the plan ID": []byte(a.p.ID()), "the plan ID's bytes": mustHex(a.p.ID()), "the plan's title": []byte(a.p.Info().Title),
		"the invite's nonce": nonce}
	for what, s := range secrets {
		if bytes.Contains(heard, s) {
			t.Errorf("%s is in what the eavesdropper heard", what)
		}
	}
	t.Logf("eavesdropper heard %d bytes in %d connections, none of: code, words, plan ID or title, invite", len(heard), len(px.up))
	// Replay the joiner's side of the recorded connection straight to the
	// inviter.
	px.mu.Lock()
	up := append([]byte(nil), px.up[0]...)
	px.mu.Unlock()
	c, err := net.Dial("tcp", loopbackTCP(t, a.n))
	must(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	go c.Write(up)
	answer, _ := io.ReadAll(io.LimitReader(c, 1<<20))
	time.Sleep(200 * time.Millisecond)
	if n := len(a.p.Members()); n != 2 {
		t.Fatalf("%d members after the replay, want Ana and Bo", n)
	}
	if strings.Count(a.logs.String(), "new member joined by invite") != 1 {
		t.Fatal("the replay was admitted as a join")
	}
	t.Logf("replayed %d bytes; the inviter answered %d bytes and closed", len(up), len(answer))
}

func inviteNonces(t *testing.T, a *testPeer) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(a.dir, "data", "sync", a.p.ID(), "invites"))
	must(t, err)
	f := strings.Fields(string(raw))
	if len(f) < 2 {
		t.Fatalf("invites file: %q", raw)
	}
	return mustHex(f[1])
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
