package sync

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
	"github.com/coplan/coplan/sync/wire"
)

// rawHost is a plain libp2p host with a given key and no Coplan logic: a
// stranger's laptop, or a member's key driven by hand to send bad frames.
func rawHost(t testing.TB, key crypto.PrivKey) host.Host {
	t.Helper()
	h, err := libp2p.New(libp2p.Identity(key), libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"),
		libp2p.DisableRelay(), libp2p.DisableMetrics())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// readAll drains a stream (bounded in time and size) and says how it ended.
func readAll(s network.Stream) ([]byte, error) {
	s.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(io.LimitReader(s, 1<<20))
	return b, err
}

func helloFrame(t testing.TB, h wire.Hello) []byte {
	t.Helper()
	return wire.AppendFrame(nil, wire.FrameHello, wire.EncodeHello(h))
}

// A device with a valid libp2p key but no membership and no invite cannot
// connect; while an invite is open it can connect but its stream is
// refused before any plan byte, and a change it pushes is not applied.
func TestStrangerLearnsNothing(t *testing.T) {
	g := newGroup(t, "Ana")
	a := g[0]
	title := a.p.Info().Title
	strangerKey, _, err := crypto.GenerateEd25519Key(nil)
	must(t, err)
	rogue := rawHost(t, strangerKey)

	if err := rogue.Connect(ctxT(t, 10*time.Second), a.info()); err == nil {
		// The gater may let the dialler finish its side first; then the
		// connection is gone or streams fail.
		if s, err := rogue.NewStream(ctxT(t, 5*time.Second), a.n.ID(), wire.ProtocolID); err == nil {
			b, _ := readAll(s)
			if len(b) > 0 {
				t.Fatalf("stranger read %d bytes", len(b))
			}
		}
	}
	waitFor(t, 10*time.Second, "stranger to be disconnected", func() bool {
		return rogue.Network().Connectedness(a.n.ID()) != network.Connected
	})

	// With an invite open the gate lets unknown devices in to present it.
	_, err = a.n.Invite(a.p.ID(), time.Hour)
	must(t, err)
	must(t, rogue.Connect(ctxT(t, 10*time.Second), a.info()))

	// A rogue copy of the plan (say a leaked .coplan file) with an edit.
	rogueCopy, err := doc.LoadPlan(mustSave(t, a.p), doc.Author{Name: "Rogue"})
	must(t, err)
	_, err = rogueCopy.AddTimeline("Injected", "2025-01-01", "")
	must(t, err)
	must(t, rogueCopy.Commit())
	change, err := rogueCopy.ChangeBytes(rogueCopy.Heads()[0])
	must(t, err)
	msg := wire.EncodeChanges([][]byte{change})
	before := strings.Join(a.p.Heads(), ",")

	s, err := rogue.NewStream(ctxT(t, 5*time.Second), a.n.ID(), wire.ProtocolID)
	must(t, err)
	out := helloFrame(t, wire.Hello{Version: wire.ProtocolVersion, Plan: a.p.ID(), Have: true})
	out = wire.AppendFrame(out, wire.FrameChanges, msg)
	s.Write(out)
	got, _ := readAll(s)
	fr := wire.NewReader(bytes.NewReader(got))
	typ, reason, err := fr.ReadFrame(wire.MaxHelloFrame)
	if err != nil || typ != wire.FrameRefuse {
		t.Fatalf("stranger got frame %d (%v), want a refusal", typ, err)
	}
	if !strings.Contains(string(reason), "not a member") {
		t.Fatalf("refusal reason %q", reason)
	}
	if _, _, err := fr.ReadFrame(wire.MaxFrame); !errors.Is(err, io.EOF) {
		t.Fatalf("more after the refusal: %v", err)
	}
	if bytes.Contains(got, []byte(title)) {
		t.Fatal("the refusal carried plan content")
	}
	time.Sleep(200 * time.Millisecond) // let anything that wrongly got through land
	if strings.Join(a.p.Heads(), ",") != before || len(a.p.Timeline()) != 0 {
		t.Fatal("the stranger's change reached the plan")
	}
	if !strings.Contains(a.logs.String(), "not a member") {
		t.Fatal("refusal not logged")
	}
}

// A removed member is refused by every peer that has seen the removal.
func TestRemovedMemberRefused(t *testing.T) {
	g := newGroup(t, "Ana", "Bo", "Cy")
	a, b, c := g[0], g[1], g[2]
	syncOnce(t, c, a) // C was a member in good standing
	must(t, a.p.RemoveMember(c.author.PeerID))
	must(t, a.p.Commit())
	syncOnce(t, b, a) // B sees the removal
	waitFor(t, 10*time.Second, "A to drop C", func() bool {
		return a.n.Host().Network().Connectedness(c.n.ID()) != network.Connected
	})
	_, err := c.p.AddTimeline("After removal", "2025-05-01", "")
	must(t, err)
	must(t, c.p.Commit())
	for _, other := range []*testPeer{a, b} {
		if _, err := c.n.SyncOnce(ctxT(t, 10*time.Second), c.p.ID(), other.info()); err == nil {
			t.Fatalf("removed member synced with %s", other.name)
		}
	}
	for _, other := range []*testPeer{a, b} {
		for _, e := range other.p.Timeline() {
			if e.Title == "After removal" {
				t.Fatalf("%s received the removed member's change", other.name)
			}
		}
	}
}

// Invites: a valid one joins one device, which redeems it with a
// statement its own key signs; a second device presenting the same invite
// is refused by the inviter and by a third peer that synced the
// redemption. Expired, forged, other-plan and non-member-signed ones are
// refused with a clear reason on both sides.
func TestInvites(t *testing.T) {
	g := newGroup(t, "Ana", "Cy")
	a, cy := g[0], g[1]
	code, err := a.n.Invite(a.p.ID(), time.Hour)
	must(t, err)

	j := newTestPeer(t, "Joe")
	j.startNode(t)
	j.author.Side = doc.Government
	p, err := j.n.Join(ctxT(t, 30*time.Second), GroupCode(code), j.author)
	if err != nil {
		t.Fatalf("Joe join: %v", err)
	}
	j.p = p
	t.Cleanup(func() { p.Close() })
	if p.ID() != a.p.ID() {
		t.Fatal("joined another plan")
	}
	m, ok := a.p.Member(j.author.PeerID)
	if !ok || m.Name != "Joe" || m.Org != "Joe org" || m.Side != doc.Government || m.AddedBy != a.author.PeerID || m.Status != "claimed" {
		t.Fatalf("inviter's record of Joe: %+v", m)
	}
	waitFor(t, 30*time.Second, "Joe to be level with the inviter", func() bool { return sameHeads(a, j) })
	if !p.IsMember(j.author.PeerID) {
		t.Fatal("joiner does not see itself as a member")
	}
	// The joiner keeps syncing: a later edit reaches it.
	_, err = a.p.AddTimeline("Welcome Joe", "2025-06-01", "")
	must(t, err)
	must(t, a.p.Commit())
	waitFor(t, 30*time.Second, "a live edit to reach Joe", func() bool { return sameHeads(a, j) })

	// Kim presents the same invite: the inviter refuses it, and so does Cy
	// once it has synced Joe's redemption.
	kim := newTestPeer(t, "Kim")
	kim.startNode(t)
	kim.author.Side = doc.Government
	if _, err := kim.n.Join(ctxT(t, 30*time.Second), code, kim.author); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "already redeemed") {
		t.Fatalf("a second device joined with a used invite: %v", err)
	}
	if a.p.IsMember(kim.author.PeerID) || kim.lib.Exists(a.p.ID()) {
		t.Fatal("the second device became a member or holds the plan")
	}
	syncOnce(t, cy, a)
	inv, _ := ParseInvite(code)
	red, err := doc.SignRedemption(kim.author.Key, a.p.ID(), inv.Statement, "Kim", "", doc.Government, time.Now())
	must(t, err)
	h := wire.Hello{Version: wire.ProtocolVersion, Plan: a.p.ID(), Invite: code, Name: "Kim", Side: "government",
		Redemption: base64.StdEncoding.EncodeToString(red)}
	if err := cy.n.plan(a.p.ID()).admit(kim.id.PeerID, h); err == nil || !strings.Contains(err.Error(), "already redeemed") {
		t.Fatalf("the third peer admitted a used invite: %v", err)
	}
	if cy.p.IsMember(kim.author.PeerID) {
		t.Fatal("the third peer made the second device a member")
	}

	other, err := a.lib.Create("Another plan", "Freedonia", "2025", "2027", a.author)
	must(t, err)
	t.Cleanup(func() { other.Close() })
	stranger := newTestPeer(t, "Sly")
	expired := &Invite{Plan: a.p.ID(), Inviter: a.id.PeerID, Addrs: a.n.Host().Addrs(), Expires: time.Now().Add(-time.Minute)}
	expiredCode, err := expired.sign(a.id)
	must(t, err)
	otherPlan := &Invite{Plan: other.ID(), Inviter: a.id.PeerID, Addrs: a.n.Host().Addrs(), Expires: time.Now().Add(time.Hour)}
	otherCode, err := otherPlan.sign(a.id)
	must(t, err)
	byStranger := &Invite{Plan: a.p.ID(), Inviter: stranger.id.PeerID, Addrs: a.n.Host().Addrs(), Expires: time.Now().Add(time.Hour)}
	strangerCode, err := byStranger.sign(stranger.id)
	must(t, err)
	forged := tamper(code)

	cases := []struct {
		name, code string
		local      error // what the joiner's own check says
		remote     string
	}{
		{"expired", expiredCode, ErrInviteExpired, "expired"},
		{"forged", forged, ErrInviteForged, "forged"},
		{"other plan", otherCode, nil, "another plan"},
		{"signed by a non-member", strangerCode, nil, "no longer a member"},
		{"already redeemed", code, nil, "already redeemed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j := newTestPeer(t, "Jay")
			j.startNode(t)
			if tc.local != nil {
				if _, err := j.n.Join(ctxT(t, 10*time.Second), tc.code, j.author); !errors.Is(err, tc.local) {
					t.Fatalf("joiner's own check: %v, want %v", err, tc.local)
				}
			}
			// Present it anyway, as a hostile joiner would.
			inv, _ := ParseInvite(tc.code)
			var stmt authority.ID
			if inv != nil {
				stmt = inv.Statement
			}
			red, err := doc.SignRedemption(j.author.Key, a.p.ID(), stmt, "Jay", "", doc.Government, time.Now())
			must(t, err)
			h := wire.Hello{Version: wire.ProtocolVersion, Plan: a.p.ID(), Invite: tc.code, Name: "Jay", Side: "government",
				Redemption: base64.StdEncoding.EncodeToString(red)}
			_, err = j.n.fetch(ctxT(t, 10*time.Second), a.info(), h, j.author)
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.remote) {
				t.Fatalf("joiner got %v, want a refusal saying %q", err, tc.remote)
			}
			waitFor(t, 5*time.Second, "the inviter to log the reason", func() bool {
				return strings.Contains(a.logs.String(), tc.remote)
			})
			if _, ok := a.p.Member(j.author.PeerID); ok {
				t.Fatal("refused device became a member")
			}
			if j.lib.Exists(a.p.ID()) {
				t.Fatal("refused device holds the plan")
			}
		})
	}
}

// tamper changes one signed byte of an invite code (the nonce), keeping
// the code well-formed.
func tamper(code string) string {
	raw, _ := inviteEncoding.DecodeString(code)
	if raw[0] == inviteVersionCompact {
		// version(1) + plan(16) + key(32) + expiry(4), then the nonce.
		raw[53] ^= 0x01
		return inviteEncoding.EncodeToString(raw)
	}
	// version(1) + plan(16) + uvarint len + peer ID + expiry ... flip a
	// byte just before the signature length's neighbourhood: the expiry.
	n, k := binary.Uvarint(raw[17:])
	raw[17+k+int(n)] ^= 0x01
	return inviteEncoding.EncodeToString(raw)
}

var _ = context.Background
