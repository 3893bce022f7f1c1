package sync

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coplan/coplan/sync/wire"
)

// Status tells the truth: who is connected, by name; when last level
// (also after a restart); Offline only once no member is reachable; and a
// member that cannot be brought level, with the reason.
func TestStatusTellsTheTruth(t *testing.T) {
	g := newGroup(t, "Ana", "Bo")
	a, b := g[0], g[1]
	if st := a.n.Status(a.p.ID()); !st.Offline || st.Connected != 0 {
		t.Fatalf("before any connection: %+v", st)
	}
	syncOnce(t, a, b)
	st := a.n.Status(a.p.ID())
	if st.Offline || st.Connected != 1 || !slices.Equal(st.Names, []string{"Bo"}) || st.LastSynced.IsZero() || st.Problem != "" {
		t.Fatalf("connected: %+v", st)
	}
	synced := st.LastSynced

	// A restarts: the last sync is remembered.
	must(t, a.n.Close())
	a.startNode(t)
	must(t, a.n.Start(a.p))
	st = a.n.Status(a.p.ID())
	if d := st.LastSynced.Sub(synced); st.LastSynced.IsZero() || d < -time.Second || d > time.Second {
		t.Fatalf("after a restart, last synced %v, was %v", st.LastSynced, synced)
	}
	// B gone: offline once it is not reachable.
	must(t, b.n.Close())
	waitFor(t, 10*time.Second, "A to find no member reachable", func() bool { return a.n.Status(a.p.ID()).Offline })
	if p := a.n.Peers(a.p.ID()); len(p) != 1 || p[0].Name != "Bo" || p[0].LastSynced.IsZero() {
		t.Fatalf("peers: %+v", p)
	}

	// A member whose changes are refused cannot be brought level: said so.
	h := rawHost(t, b.id.Key)
	must(t, h.Connect(ctxT(t, 10*time.Second), a.info()))
	s, err := h.NewStream(ctxT(t, 10*time.Second), a.n.ID(), wire.ProtocolID)
	must(t, err)
	fw, fr := wire.NewWriter(s), wire.NewReader(s)
	must(t, fw.WriteFrame(wire.FrameHello, wire.EncodeHello(wire.Hello{Version: wire.ProtocolVersion, Plan: a.p.ID(), Have: true})))
	go func() {
		for {
			if _, _, err := fr.ReadFrame(wire.MaxFrame); err != nil {
				return
			}
		}
	}()
	huge, _ := craftOversize(t, mustSave(t, b.p))
	must(t, fw.WriteFrame(wire.FrameState, wire.EncodeState(wire.State{Heads: b.p.Heads()})))
	must(t, fw.WriteFrame(wire.FrameChanges, wire.EncodeChanges([][]byte{huge})))
	waitFor(t, 10*time.Second, "the refusal to show in the status", func() bool {
		return strings.Contains(a.n.Status(a.p.ID()).Problem, "Bo: refused 1 changes")
	})
	if p := a.n.Peers(a.p.ID()); !strings.Contains(p[0].Problem, "exceeds") {
		t.Fatalf("the member's problem: %q", p[0].Problem)
	}
}
