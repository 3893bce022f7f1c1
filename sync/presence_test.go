package sync

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/sync/wire"
)

// colleague is who the node shows with peerID, if it does.
func colleague(n *Node, planID, peerID string) (Colleague, bool) {
	for _, c := range n.Presence(planID) {
		if c.PeerID == peerID {
			return c, true
		}
	}
	return Colleague{}, false
}

// waitPresence waits up to d for n to show peerID matching ok, and says
// how long it took.
func waitPresence(t *testing.T, n *Node, planID, peerID string, d time.Duration, what string, ok func(Colleague) bool) time.Duration {
	t.Helper()
	start := time.Now()
	waitFor(t, d, what, func() bool {
		c, here := colleague(n, planID, peerID)
		return here && ok(c)
	})
	return time.Since(start)
}

// Two nodes on loopback each see the other by name, organisation and side,
// with the commitment open and the cursor, within 2 s; a moved cursor
// follows, and a watcher is told.
func TestPresenceLive(t *testing.T) {
	g := newGroup(t, "Ana", "Bo")
	a, b := g[0], g[1]
	syncOnce(t, a, b)
	plan := a.p.ID()
	cid := commitmentID(t, a.p)
	watch, stop := b.n.WatchPresence(plan)
	defer stop()

	a.n.SetPresence(plan, Presence{Commitment: cid, Field: "description", Cursor: 12, Before: "a long text before"})
	b.n.SetPresence(plan, Presence{Commitment: cid, Field: "title", Cursor: -1})
	took := waitPresence(t, b.n, plan, a.author.PeerID, 2*time.Second, "Bo to see Ana's cursor", func(c Colleague) bool {
		return c.Commitment == cid && c.Cursor == 12
	})
	t.Logf("Bo saw Ana in %v", took)
	waitPresence(t, a.n, plan, b.author.PeerID, 2*time.Second, "Ana to see Bo in the title", func(c Colleague) bool {
		return c.Commitment == cid && c.Field == "title"
	})
	c, _ := colleague(b.n, plan, a.author.PeerID)
	want := Colleague{PeerID: a.author.PeerID, Name: "Ana", Org: "Ana org", Side: doc.CivilSociety, Shares: true,
		Presence: Presence{Commitment: cid, Field: "description", Cursor: 12, Before: "fore"}}
	got := c
	got.Seq, got.LastSeen = 0, time.Time{}
	if got != want {
		t.Errorf("Bo sees %+v\nwant %+v", got, want)
	}
	if c.Seq == 0 || time.Since(c.LastSeen) > 3*time.Second {
		t.Errorf("seq %d, last seen %v", c.Seq, c.LastSeen)
	}
	if bc, _ := colleague(a.n, plan, b.author.PeerID); bc.Cursor != -1 || bc.Before != "" {
		t.Errorf("Bo has no cursor in the title, Ana sees %+v", bc)
	}
	select {
	case <-watch:
	case <-time.After(time.Second):
		t.Error("Bo's watcher was not told")
	}

	for _, tc := range []struct {
		name string
		p    Presence
	}{
		{"cursor moves", Presence{Commitment: cid, Field: "description", Cursor: 13, Before: "ore!"}},
		{"another field", Presence{Commitment: cid, Field: "problem", Cursor: 0}},
		{"the vision", Presence{Item: ItemOverview, Field: "vision", Cursor: 5, Before: "sion"}},
		{"a meeting's notes", Presence{Item: ItemNotes, Note: "n0te", Field: "body", Cursor: 0}},
		{"the timeline", Presence{Item: ItemTimeline}},
		{"closes it", Presence{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq := c.Seq
			a.n.SetPresence(plan, tc.p)
			want := tc.p
			if want.Field == "" {
				want.Cursor = -1
			}
			took := waitPresence(t, b.n, plan, a.author.PeerID, 2*time.Second, "the update", func(c Colleague) bool {
				return c.Presence == want
			})
			c, _ = colleague(b.n, plan, a.author.PeerID)
			if c.Seq <= seq {
				t.Errorf("seq %d after %d", c.Seq, seq)
			}
			t.Logf("followed in %v", took)
		})
	}

	// A colleague who closes the laptop goes at once when the connection
	// ends.
	b.n.Close()
	waitFor(t, 2*time.Second, "Ana to stop showing Bo", func() bool {
		_, here := colleague(a.n, plan, b.author.PeerID)
		return !here
	})
}

// The text before a cursor in a text both hold the same is not sent: the
// colleague reads it from its own copy (presence version 3), and a
// cursor following the typing costs a few bytes; text before it that the
// plan does not read so still crosses as it is.
func TestPresenceBeforeFromText(t *testing.T) {
	g := newGroup(t, "Ana", "Bo")
	a, b := g[0], g[1]
	syncOnce(t, a, b)
	plan := a.p.ID()
	cid := commitmentID(t, a.p)
	ref := doc.CommitmentText(cid, "description")
	must(t, a.p.Splice(ref, 0, 0, "Hello wörld, and more"))
	must(t, a.p.Commit())
	waitFor(t, 10*time.Second, "Bo to have the text", func() bool { return sameHeads(a, b) })
	sent := func() int64 {
		for _, p := range a.n.Peers(plan) {
			if p.ID == b.n.ID().String() {
				return p.Stats.BytesSent
			}
		}
		return 0
	}
	cost := map[string]int64{}
	for _, tc := range []struct {
		name   string
		cursor int
		before string
	}{
		{"opens the text", 0, ""},
		{"as the text reads", 11, "örld"},
		{"not as the text reads", 13, "XYZ!"},
		{"as the text reads again", 21, "more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			time.Sleep(500 * time.Millisecond) // what went before is through
			n := sent()
			a.n.SetPresence(plan, Presence{Commitment: cid, Field: "description", Cursor: tc.cursor, Before: tc.before})
			waitPresence(t, b.n, plan, a.author.PeerID, 2*time.Second, "Bo to see the cursor", func(c Colleague) bool {
				return c.Cursor == tc.cursor && c.Before == tc.before
			})
			cost[tc.name] = sent() - n
		})
	}
	if cost["as the text reads"]+3 > cost["not as the text reads"] {
		t.Errorf("a cursor in the shared text cost %d bytes, one with other text before it %d: the text was sent", cost["as the text reads"], cost["not as the text reads"])
	}
}

// Presence is never in the plan: after a burst of presence changes both
// plans have the same heads and changes as before, and nothing more was
// saved.
func TestPresenceAddsNoChanges(t *testing.T) {
	g := newGroup(t, "Ana", "Bo")
	a, b := g[0], g[1]
	syncOnce(t, a, b)
	waitFor(t, 10*time.Second, "both level", func() bool { return sameHeads(a, b) })
	time.Sleep(300 * time.Millisecond) // attestations and their sync settle
	waitFor(t, 10*time.Second, "both level", func() bool { return sameHeads(a, b) })
	plan := a.p.ID()
	cid := commitmentID(t, a.p)
	type counts struct {
		heads         string
		changes, size int
	}
	count := func(tp *testPeer) counts {
		n, err := tp.p.ChangeCount()
		must(t, err)
		sz, err := tp.p.TotalChangeBytes()
		must(t, err)
		return counts{strings.Join(tp.p.Heads(), ","), n, sz}
	}
	before := []counts{count(a), count(b)}
	for i := range 200 {
		a.n.SetPresence(plan, Presence{Commitment: cid, Field: "description", Cursor: i, Before: "x"})
		b.n.SetPresence(plan, Presence{Commitment: cid, Field: "problem", Cursor: 200 - i})
		time.Sleep(2 * time.Millisecond)
	}
	waitPresence(t, b.n, plan, a.author.PeerID, 3*time.Second, "the last cursor", func(c Colleague) bool { return c.Cursor == 199 })
	waitPresence(t, a.n, plan, b.author.PeerID, 3*time.Second, "the last cursor", func(c Colleague) bool { return c.Cursor == 1 })
	time.Sleep(2500 * time.Millisecond) // a heartbeat or two
	after := []counts{count(a), count(b)}
	if !slices.Equal(before, after) {
		t.Errorf("presence changed the plan: %+v -> %+v", before, after)
	}
}

// A colleague not heard from for presenceExpiry (a laptop gone to sleep,
// the connection not yet known dead) is no longer shown, and the watcher
// is told; when heard again it is back.
func TestPresenceExpires(t *testing.T) {
	g := newGroup(t, "Ana", "Bo")
	a, b := g[0], g[1]
	syncOnce(t, a, b)
	plan := a.p.ID()
	b.n.SetPresence(plan, Presence{Commitment: commitmentID(t, b.p), Field: "title"})
	waitPresence(t, a.n, plan, b.author.PeerID, 2*time.Second, "Bo", func(c Colleague) bool { return c.Field == "title" })
	watch, stop := a.n.WatchPresence(plan)
	defer stop()
	s := a.n.plan(plan).session(b.n.ID())
	// As if nothing had come from Bo for longer than the expiry.
	s.heardAt.Store(time.Now().Add(-presenceExpiry - time.Second).UnixNano())
	if _, here := colleague(a.n, plan, b.author.PeerID); here {
		t.Fatal("a colleague silent past the expiry is still shown")
	}
	select {
	case <-watch:
	case <-time.After(2 * time.Second):
		t.Fatal("the watcher was not told the colleague went")
	}
	// Bo's heartbeat (within presenceBeat) brings it back.
	waitPresence(t, a.n, plan, b.author.PeerID, 2*presenceBeat, "Bo's heartbeat", func(c Colleague) bool { return c.Field == "title" })
}

// A device removed from the plan is not shown, whatever it sends.
func TestPresenceRemovedMember(t *testing.T) {
	g := newGroup(t, "Ana", "Bo")
	a, b := g[0], g[1]
	syncOnce(t, a, b)
	plan := a.p.ID()
	b.n.SetPresence(plan, Presence{Commitment: commitmentID(t, b.p), Field: "title"})
	waitPresence(t, a.n, plan, b.author.PeerID, 2*time.Second, "Bo", func(c Colleague) bool { return c.Field == "title" })
	must(t, a.p.RemoveMember(b.author.PeerID))
	must(t, a.p.Commit())
	waitFor(t, 5*time.Second, "Bo gone from Ana's presence", func() bool {
		_, here := colleague(a.n, plan, b.author.PeerID)
		return !here
	})
	b.n.SetPresence(plan, Presence{Commitment: commitmentID(t, b.p), Field: "problem", Cursor: 3})
	time.Sleep(time.Second)
	if _, here := colleague(a.n, plan, b.author.PeerID); here {
		t.Error("a removed member is shown")
	}
}

// A peer that does not say it reads presence (its hello has no presence
// field, as before presence) is sent no presence frame, heartbeats
// included, and its session keeps running; the welcome's new field is one
// such a peer's JSON decoding ignores. (Version 3 peers are refused since
// version 4's compressed frames, so the peer speaks the current version.)
func TestPresenceNotSentToOlderPeer(t *testing.T) {
	g := newGroup(t, "Ana", "Bo")
	a, b := g[0], g[1]
	plan := a.p.ID()
	a.n.SetPresence(plan, Presence{Commitment: commitmentID(t, a.p), Field: "title"})
	h := rawHost(t, b.id.Key)
	must(t, h.Connect(ctxT(t, 10*time.Second), a.info()))
	s, err := h.NewStream(ctxT(t, 10*time.Second), a.n.ID(), wire.ProtocolID)
	must(t, err)
	defer s.Reset()
	old := []byte(fmt.Sprintf(`{"v":%d,"plan":"%s","have":true}`, wire.ProtocolVersion, plan))
	_, err = s.Write(wire.AppendFrame(nil, wire.FrameHello, old))
	must(t, err)
	fr := wire.NewReader(s)
	s.SetReadDeadline(time.Now().Add(10 * time.Second))
	typ, body, err := fr.ReadFrame(wire.MaxHelloFrame)
	if err != nil || typ != wire.FrameWelcome {
		t.Fatalf("no welcome: %d %v", typ, err)
	}
	var v3 struct { // the Welcome before presence
		Version  int   `json:"v"`
		Snapshot int64 `json:"snapshot,omitempty"`
	}
	if err := json.Unmarshal(body, &v3); err != nil || v3.Version != wire.ProtocolVersion {
		t.Fatalf("a peer without presence cannot read the welcome %s: %v", body, err)
	}
	deadline := time.Now().Add(presenceBeat + 1500*time.Millisecond)
	frames := 0
	zd := wire.NewDecompressor()
	for time.Now().Before(deadline) {
		s.SetReadDeadline(deadline)
		in, err := readFrames(fr, zd)
		if err != nil {
			break
		}
		for _, f := range in {
			frames++
			if f.Type == wire.FramePresence {
				t.Fatal("a presence frame went to a peer that did not ask for them")
			}
		}
	}
	if frames == 0 {
		t.Error("no frame at all: the session did not run")
	}
	if a.n.plan(plan).session(b.n.ID()) == nil {
		t.Error("the session ended")
	}
	cs := a.n.Presence(plan)
	if len(cs) != 1 || cs[0].Shares || cs[0].Name != "Bo" || cs[0].Commitment != "" {
		t.Errorf("the older peer shows as %+v", cs)
	}
}

// Typing is committed by the commit policy alone, whatever sync does
// meanwhile: presence frames both ways (ours on every keystroke), and the
// colleague's node restarting and syncing again (hello, state and level
// frames) read the heads without cutting the typing into extra changes;
// what was typed reaches the colleague once committed.
func TestSyncDoesNotCutTyping(t *testing.T) {
	g := newGroup(t, "Ana", "Bo")
	a, b := g[0], g[1]
	syncOnce(t, a, b)
	waitFor(t, 10*time.Second, "both level", func() bool { return sameHeads(a, b) })
	time.Sleep(300 * time.Millisecond) // attestations and their sync settle
	waitFor(t, 10*time.Second, "both level", func() bool { return sameHeads(a, b) })
	plan := a.p.ID()
	cid := commitmentID(t, a.p)
	ref := doc.CommitmentText(cid, "description")
	// A pause longer than the typing: only the explicit Commit ends it.
	must(t, a.p.AutoCommit(doc.CommitPolicy{Pause: 20 * time.Second, Max: time.Minute}))
	start := a.p.Heads()
	typed := ""
	key := func(n int) {
		for range n {
			must(t, a.p.Splice(ref, len(typed), 0, "x"))
			typed += "x"
			a.n.SetPresence(plan, Presence{Commitment: cid, Field: "description", Cursor: len(typed), Before: typed})
			b.n.SetPresence(plan, Presence{Commitment: cid, Field: "problem", Cursor: len(typed)})
			time.Sleep(10 * time.Millisecond)
		}
	}
	key(20)
	waitPresence(t, b.n, plan, a.author.PeerID, 3*time.Second, "the last cursor", func(c Colleague) bool { return c.Cursor == 20 })
	must(t, b.n.Close())
	b.startNode(t)
	must(t, b.n.Start(b.p))
	// Bo comes back on a new port: point it at Ana, as mDNS would (how a
	// restarted peer finds its way back is the recovery tests' subject).
	must(t, b.n.Host().Connect(ctxT(t, 10*time.Second), a.info()))
	key(10)
	waitFor(t, 10*time.Second, "Bo's new session to open", func() bool {
		ps := b.n.Peers(plan)
		return len(ps) == 1 && ps[0].Connected
	})
	key(10) // 100 ms: time for the opening frames
	if got := a.p.CommittedHeads(); !slices.Equal(got, start) {
		t.Errorf("heads moved while typing (%v -> %v): sync committed the typing", start, got)
	}
	must(t, a.p.Commit())
	refs, err := a.p.ChangesSince(start)
	must(t, err)
	if len(refs) != 1 {
		t.Errorf("typing made %d changes, want 1 (the policy's)", len(refs))
	}
	waitFor(t, 10*time.Second, "Bo to have the typing", func() bool { return sameHeads(a, b) })
	if got := text(t, b.p, ref); got != typed {
		t.Errorf("Bo has %q, want %q", got, typed)
	}
}

// A peer reading presence version 1 (commitments only) is welcomed in
// version 1 and sent frames it reads: a commitment as it is, the vision
// as nothing open, never the kind flag.
func TestPresenceToVersion1Peer(t *testing.T) {
	g := newGroup(t, "Ana", "Bo")
	a, b := g[0], g[1]
	plan := a.p.ID()
	cid := commitmentID(t, a.p)
	a.n.SetPresence(plan, Presence{Commitment: cid, Field: "title"})
	h := rawHost(t, b.id.Key)
	must(t, h.Connect(ctxT(t, 10*time.Second), a.info()))
	s, err := h.NewStream(ctxT(t, 10*time.Second), a.n.ID(), wire.ProtocolID)
	must(t, err)
	defer s.Reset()
	hello := []byte(fmt.Sprintf(`{"v":%d,"plan":"%s","have":true,"presence":1}`, wire.ProtocolVersion, plan))
	_, err = s.Write(wire.AppendFrame(nil, wire.FrameHello, hello))
	must(t, err)
	fr := wire.NewReader(s)
	s.SetReadDeadline(time.Now().Add(10 * time.Second))
	typ, body, err := fr.ReadFrame(wire.MaxHelloFrame)
	if err != nil || typ != wire.FrameWelcome {
		t.Fatalf("no welcome: %d %v", typ, err)
	}
	var w wire.Welcome
	if err := json.Unmarshal(body, &w); err != nil || w.Presence != 1 {
		t.Fatalf("welcome %s (%v): want presence version 1", body, err)
	}
	var in wire.Presence // as a stream starts
	zd := wire.NewDecompressor()
	next := func(what string, ok func(wire.Presence) bool) {
		t.Helper()
		deadline := time.Now().Add(4 * time.Second)
		for time.Now().Before(deadline) {
			s.SetReadDeadline(deadline)
			frames, err := readFrames(fr, zd)
			if err != nil {
				break
			}
			for _, f := range frames {
				if f.Type != wire.FramePresence || len(f.Payload) == 0 {
					continue
				}
				if f.Payload[0]&8 != 0 {
					t.Fatalf("a version 1 peer was sent the kind flag: % x", f.Payload)
				}
				if in, err = wire.ParsePresence(f.Payload, in); err != nil {
					t.Fatal(err)
				}
				if ok(in) {
					return
				}
			}
		}
		t.Fatalf("not sent: %s (last %+v)", what, in)
	}
	next("the commitment's title", func(p wire.Presence) bool { return p.ID == cid && p.Field == "title" })
	a.n.SetPresence(plan, Presence{Item: ItemOverview, Field: "vision", Cursor: 3, Before: "abc"})
	next("nothing open", func(p wire.Presence) bool {
		return p.Seq > 1 && p.ID == "" && p.Field == "" && p.Cursor == -1 && p.Kind == wire.OpenCommitment
	})
}

// readFrames reads the next frame of a sync stream: the frames a bundle
// holds, or the frame itself.
func readFrames(fr *wire.Reader, zd *wire.Decompressor) ([]wire.Inner, error) {
	typ, body, err := fr.ReadFrame(wire.MaxFrame)
	if err != nil {
		return nil, err
	}
	if typ == wire.FrameBundle {
		return zd.Decompress(body, wire.MaxFrame)
	}
	return []wire.Inner{{Type: typ, Payload: body}}, nil
}
