package sync

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/coplan/coplan/sync/wire"
)

// Garbage, truncated and oversized frames, an unexpected frame type, a bad
// sync message and a hello for another plan each close that stream with a
// logged reason; the node stays up and the plan is unchanged.
func TestBadFramesCloseStream(t *testing.T) {
	g := newGroup(t, "Ana", "Bo")
	a, b := g[0], g[1]
	a.p.Attest() // A's own attestation is due at its first sync; make it now
	before := strings.Join(a.p.Heads(), ",")
	// Bo's key driven by hand: a member whose software misbehaves.
	h := rawHost(t, b.id.Key)
	must(t, h.Connect(ctxT(t, 10*time.Second), a.info()))
	hello := helloFrame(t, wire.Hello{Version: wire.ProtocolVersion, Plan: a.p.ID(), Have: true})
	oversize := binary.AppendUvarint(nil, wire.MaxFrame+1)
	zbody := func(body []byte) []byte {
		payload, err := wire.NewCompressor().Compress(body)
		must(t, err)
		return wire.AppendFrame(nil, wire.FrameBundle, payload)
	}
	z := func(typ byte, payload []byte) []byte { return zbody(wire.AppendInner(nil, typ, payload)) }
	// A zip bomb: a few KiB that inflate past the frame cap.
	bomb := zbody(make([]byte, wire.MaxFrame+1))
	cases := []struct {
		name      string
		send      []byte
		handshake bool // send a good hello first
		logged    string
	}{
		{"garbage", []byte("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xffGET / HTTP/1.1"), false, "unreadable hello"},
		{"truncated", append(binary.AppendUvarint(nil, 100), "0123456789"...), false, "truncated"},
		{"oversized hello", binary.AppendUvarint(nil, 1<<30), false, "exceeds size cap"},
		{"not a hello", wire.AppendFrame(nil, wire.FrameChanges, []byte("x")), false, "not a hello"},
		{"bad hello", wire.AppendFrame(nil, wire.FrameHello, []byte(`{"v":3,"plan":"../../etc"}`)), false, "bad hello"},
		{"other plan", helloFrame(t, wire.Hello{Version: wire.ProtocolVersion, Plan: strings.Repeat("ab", 16), Have: true}), false, "plan not held here"},
		{"bad changes frame", wire.AppendFrame(nil, wire.FrameChanges, []byte("not automerge")), true, "bad changes frame"},
		{"bad state frame", wire.AppendFrame(nil, wire.FrameState, []byte{7}), true, "bad state frame"},
		{"bad fetched frame", wire.AppendFrame(nil, wire.FrameFetched, nil), true, "bad fetched frame"},
		{"oversized changes frame", oversize, true, "exceeds size cap"},
		{"unknown frame type", wire.AppendFrame(nil, 99, []byte("?")), true, "unexpected frame"},
		{"bad level frame", wire.AppendFrame(nil, wire.FrameLevel, []byte("short")), true, "bad level frame"},
		{"truncated changes frame", append(binary.AppendUvarint(nil, 5000), wire.FrameChanges, 1, 2, 3), true, "truncated"},
		{"compressed bomb", bomb, true, "compressed frame exceeds size cap"},
		{"compressed garbage", wire.AppendFrame(nil, wire.FrameBundle, []byte{10, 0xff, 0xff, 0xff}), true, "bad compressed frame"},
		{"compressed state frame", z(wire.FrameState, wire.EncodeState(wire.State{})), true, "type 8 in a bundle"},
		{"compressed bad changes", z(wire.FrameChanges, []byte("not automerge")), true, "bad changes frame"},
		{"compressed oversized presence", z(wire.FramePresence, make([]byte, wire.MaxPresenceFrame+1)), true, "bad compressed frame"},
		{"compressed bad presence", z(wire.FramePresence, []byte{0xf0, 0}), true, "bad presence frame"},
		{"bad echo frame", wire.AppendFrame(nil, wire.FrameEcho, []byte{0}), true, "bad echo frame"},
		{"advance outside a bundle", wire.AppendFrame(nil, wire.FrameAdvance, nil), true, "an advance frame outside a bundle"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seen := strings.Count(a.logs.String(), tc.logged)
			s, err := h.NewStream(ctxT(t, 10*time.Second), a.n.ID(), wire.ProtocolID)
			must(t, err)
			if tc.handshake {
				_, err := s.Write(hello)
				must(t, err)
				fr := wire.NewReader(s)
				s.SetReadDeadline(time.Now().Add(10 * time.Second))
				if typ, _, err := fr.ReadFrame(wire.MaxHelloFrame); err != nil || typ != wire.FrameWelcome {
					t.Fatalf("no welcome: %d %v", typ, err)
				}
			}
			s.Write(tc.send)
			s.CloseWrite()
			readAll(s) // returns once A closes or resets the stream
			waitFor(t, 10*time.Second, "A to log "+tc.logged, func() bool {
				return strings.Count(a.logs.String(), tc.logged) > seen
			})
		})
	}
	if got := strings.Join(a.p.Heads(), ","); got != before {
		t.Fatal("the plan changed")
	}
	h.Close()
	waitFor(t, 10*time.Second, "the raw host to be gone", func() bool {
		return a.n.Host().Network().Connectedness(b.n.ID()) != network.Connected
	})
	// Still up: a real sync works.
	_, err := b.p.AddTimeline("After the garbage", "2025-01-01", "")
	must(t, err)
	must(t, b.p.Commit())
	syncOnce(t, b, a)
	if !sameHeads(a, b) {
		t.Fatal("no sync after bad frames")
	}
}
