package sync

import (
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/coplan/coplan/sync/wire"
)

// Protocol 5 from the outside, a member's device driven by hand: a push
// comes as one bundle whose advance frame gives the sender's heads
// exactly (worked out from what it said before and the change), an echo
// naming that level makes the sender count the peer level, and an echo
// of a level it never sent is ignored without ending the session.
func TestPushBundleAdvanceAndEcho(t *testing.T) {
	g := newGroup(t, "Ana", "Bo")
	a, b := g[0], g[1]
	must(t, b.n.Close())
	base := b.p.Heads()
	plan := a.p.ID()

	h := rawHost(t, b.id.Key)
	must(t, h.Connect(ctxT(t, 10*time.Second), a.info()))
	s, err := h.NewStream(ctxT(t, 10*time.Second), a.n.ID(), wire.ProtocolID)
	must(t, err)
	defer s.Reset()
	fw, fr := wire.NewWriter(s), wire.NewReader(s)
	must(t, fw.WriteFrame(wire.FrameHello, wire.EncodeHello(wire.Hello{Version: wire.ProtocolVersion, Plan: plan, Have: true})))
	s.SetReadDeadline(time.Now().Add(10 * time.Second))
	if typ, _, err := fr.ReadFrame(wire.MaxHelloFrame); err != nil || typ != wire.FrameWelcome {
		t.Fatalf("no welcome: %d %v", typ, err)
	}
	s.SetReadDeadline(time.Time{})

	// What Ana said her heads are, tracked as a peer does.
	var mu gosync.Mutex
	var said []string
	levels := 0               // her level and advance frames
	var pushes [][]wire.Inner // her bundles that carried changes
	go func() {
		zd := wire.NewDecompressor()
		for {
			frames, err := readFrames(fr, zd)
			if err != nil {
				return
			}
			mu.Lock()
			var raws [][]byte
			for _, f := range frames {
				switch f.Type {
				case wire.FrameState:
					st, err := wire.ParseState(f.Payload)
					if err != nil {
						t.Errorf("bad state: %v", err)
					}
					said = st.Heads
				case wire.FrameChanges:
					cs, err := wire.ParseChanges(f.Payload)
					if err != nil {
						t.Errorf("bad changes: %v", err)
					}
					raws = append(raws, cs...)
				case wire.FrameLevel:
					if said, err = wire.DecodeHeads(f.Payload); err != nil {
						t.Errorf("bad level: %v", err)
					}
					levels++
				case wire.FrameAdvance:
					if k, err := wire.ParseAdvance(f.Payload); err != nil || k != 0 {
						t.Errorf("advance naming level %d of a peer that sent none (%v)", k, err)
					}
					var ok bool
					if said, ok = advanceHeads(said, raws); !ok {
						t.Error("an advance over what is not a change")
					}
					levels++
				}
			}
			if len(raws) > 0 {
				pushes = append(pushes, frames)
			}
			mu.Unlock()
		}
	}()
	must(t, fw.WriteFrame(wire.FrameState, wire.EncodeState(wire.State{Heads: base, Base: base})))
	waitFor(t, 10*time.Second, "Ana's opening state", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return said != nil
	})

	t.Run("unknown echo ignored", func(t *testing.T) {
		must(t, fw.WriteFrame(wire.FrameEcho, wire.EncodeEcho(9999)))
		time.Sleep(300 * time.Millisecond)
		if a.n.plan(plan).session(b.n.ID()) == nil || strings.Contains(a.logs.String(), "sync stream reset") {
			t.Fatal("an echo of a level never sent ended the session")
		}
	})

	t.Run("push, advance, echo", func(t *testing.T) {
		_, err := a.p.AddTimeline("pushed live", "2025-04-01", "")
		must(t, err)
		must(t, a.p.Commit())
		want := a.p.CommittedHeads()
		waitFor(t, 10*time.Second, "Ana's heads said", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return slices.Equal(said, want)
		})
		mu.Lock()
		k := levels
		push := pushes[len(pushes)-1]
		mu.Unlock()
		var types []byte
		for _, f := range push {
			types = append(types, f.Type)
		}
		if !slices.Equal(types, []byte{wire.FrameChanges, wire.FrameAdvance}) {
			t.Errorf("the push came as frames %v, want a change and an advance in one bundle", types)
		}
		synced := func() time.Time {
			for _, p := range a.n.Peers(plan) {
				if p.ID == b.n.ID().String() {
					return p.LastSynced
				}
			}
			return time.Time{}
		}
		before := synced()
		// Bo merges it (here: Bo's copy, which the raw host stands for)
		// and answers with an echo of Ana's level k.
		must(t, fw.WriteFrame(wire.FrameEcho, wire.EncodeEcho(uint64(k))))
		waitFor(t, 10*time.Second, "Ana to count Bo level", func() bool { return synced().After(before) })
	})
}
