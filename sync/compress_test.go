package sync

import (
	gosync "sync"
	"testing"
	"time"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/sync/wire"
)

// What a node pushes crosses compressed (protocol 4), and decodes with
// nothing but the wire package; each of its own changes crosses once,
// however often the peer offers its state again, and again when the peer
// asks for everything again (a reset, after it dropped what it held
// back).
func TestOwnChangesCrossOnceUntilReset(t *testing.T) {
	g := newGroup(t, "Ana", "Bo")
	a, b := g[0], g[1]
	must(t, b.n.Close())
	base := b.p.Heads()
	_, err := a.p.AddTimeline("made while Bo was away", "2025-04-01", "")
	must(t, err)
	must(t, a.p.Commit())
	want := a.p.Heads()[0]

	h := rawHost(t, b.id.Key)
	must(t, h.Connect(ctxT(t, 10*time.Second), a.info()))
	s, err := h.NewStream(ctxT(t, 10*time.Second), a.n.ID(), wire.ProtocolID)
	must(t, err)
	defer s.Reset()
	fw, fr := wire.NewWriter(s), wire.NewReader(s)
	must(t, fw.WriteFrame(wire.FrameHello, wire.EncodeHello(wire.Hello{Version: wire.ProtocolVersion, Plan: a.p.ID(), Have: true})))
	s.SetReadDeadline(time.Now().Add(10 * time.Second))
	if typ, _, err := fr.ReadFrame(wire.MaxHelloFrame); err != nil || typ != wire.FrameWelcome {
		t.Fatalf("no welcome: %d %v", typ, err)
	}
	s.SetReadDeadline(time.Time{})

	var mu gosync.Mutex
	got := map[string]int{} // change hash -> times received
	compressed, plain := 0, 0
	go func() {
		zd := wire.NewDecompressor()
		for {
			typ, body, err := fr.ReadFrame(wire.MaxFrame)
			if err != nil {
				return
			}
			frames := []wire.Inner{{Type: typ, Payload: body}}
			if typ == wire.FrameBundle {
				frames, err = zd.Decompress(body, wire.MaxFrame)
				if err != nil {
					t.Errorf("Ana's compressed frame does not decode: %v", err)
					return
				}
				mu.Lock()
				compressed++
				mu.Unlock()
			}
			for _, f := range frames {
				if f.Type != wire.FrameChanges {
					continue
				}
				changes, err := wire.ParseChanges(f.Payload)
				if err != nil {
					t.Errorf("bad changes frame: %v", err)
					return
				}
				mu.Lock()
				plain++
				for _, c := range changes {
					h, err := doc.ChangeHashOf(c)
					if err != nil {
						t.Errorf("not a change: %v", err)
					}
					got[h]++
				}
				mu.Unlock()
			}
		}
	}()
	times := func() int {
		mu.Lock()
		defer mu.Unlock()
		return got[want]
	}
	state := func(reset bool) {
		must(t, fw.WriteFrame(wire.FrameState, wire.EncodeState(wire.State{Heads: base, Base: base, Reset: reset})))
	}

	state(false)
	waitFor(t, 10*time.Second, "Ana's change to arrive", func() bool { return times() == 1 })
	for range 3 { // offered again, as anti-entropy does: nothing new crosses
		state(false)
	}
	time.Sleep(time.Second)
	if n := times(); n != 1 {
		t.Fatalf("Ana's change crossed %d times for offers without a reset", n)
	}
	state(true)
	waitFor(t, 10*time.Second, "Ana to send her change again after a reset", func() bool { return times() == 2 })
	mu.Lock()
	defer mu.Unlock()
	if compressed == 0 || compressed < plain {
		t.Fatalf("%d of %d changes frames came compressed", compressed, plain)
	}
}
