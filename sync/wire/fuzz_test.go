package wire

import (
	"bytes"
	"encoding/hex"
	"slices"
	"sort"
	"testing"
)

// The frame reader never panics, never returns a body past its cap, and
// what it returns encodes back to a frame it reads the same.
func FuzzFrameReader(f *testing.F) {
	f.Add(AppendFrame(nil, FrameHello, []byte(`{"v":1}`)))
	f.Add(AppendFrame(AppendFrame(nil, FrameChanges, []byte("abc")), FrameLevel, make([]byte, 32)))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{0x05, 0x01})
	f.Add([]byte{0x81, 0x00}) // an overlong length
	f.Fuzz(func(t *testing.T, data []byte) {
		fr := NewReader(bytes.NewReader(data))
		for range 64 {
			typ, body, err := fr.ReadFrame(1024)
			if err != nil {
				return
			}
			if len(body) > 1023 {
				t.Fatalf("body of %d bytes past the cap", len(body))
			}
			typ2, body2, err := NewReader(bytes.NewReader(AppendFrame(nil, typ, body))).ReadFrame(1024)
			if err != nil || typ2 != typ || !bytes.Equal(body2, body) {
				t.Fatalf("frame %d of %d bytes does not round-trip: %v", typ, len(body), err)
			}
		}
	})
}

// ParseHello accepts only well-formed hellos, and what it accepts
// round-trips.
func FuzzParseHello(f *testing.F) {
	f.Add([]byte(`{"v":1,"plan":"0123456789abcdef0123456789abcdef","have":true}`))
	f.Add([]byte(`{"v":1,"plan":"0123456789abcdef0123456789abcdef","invite":"abc","name":"N","side":"government"}`))
	f.Add([]byte(`{"v":3,"plan":"0123456789abcdef0123456789abcdef","invite":"abc","name":"N","side":"government","redemption":"AQID"}`))
	f.Add([]byte(`{"v":2}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ParseHello(data)
		if err != nil {
			return
		}
		if h.Version != ProtocolVersion || len(h.Name) > maxHelloText || len(h.Org) > maxHelloText ||
			len(h.Invite) > MaxInviteCode || (h.Invite != "" && h.Name == "") {
			t.Fatalf("accepted a malformed hello: %+v", h)
		}
		h2, err := ParseHello(EncodeHello(h))
		if err != nil || h2 != h {
			t.Fatalf("round trip: %+v -> %+v (%v)", h, h2, err)
		}
	})
}

// ParseWelcome accepts only this version and a snapshot size within the
// cap, and what it accepts round-trips.
func FuzzParseWelcome(f *testing.F) {
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`{"v":1,"snapshot":1048577}`))
	f.Add([]byte(`{"v":1,"snapshot":-5}`))
	f.Add([]byte(`{"v":1,"snapshot":1e30}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := ParseWelcome(data)
		if err != nil {
			return
		}
		if w.Version != ProtocolVersion || w.Snapshot < 0 || w.Snapshot > MaxSnapshot {
			t.Fatalf("accepted a malformed welcome: %+v", w)
		}
		w2, err := ParseWelcome(EncodeWelcome(w))
		if err != nil || w2 != w {
			t.Fatalf("round trip: %+v -> %+v (%v)", w, w2, err)
		}
	})
}

// DecodeHeads accepts only whole hashes up to the cap, returns them sorted
// as lowercase hex, and they encode back to the same set of bytes.
func FuzzDecodeHeads(f *testing.F) {
	f.Add(make([]byte, 32))
	f.Add(bytes.Repeat([]byte{0xab}, 64))
	f.Add([]byte("short"))
	f.Fuzz(func(t *testing.T, data []byte) {
		heads, err := DecodeHeads(data)
		if err != nil {
			return
		}
		if len(heads) != len(data)/32 || len(heads) > maxHeads || !sort.StringsAreSorted(heads) {
			t.Fatalf("%d bytes decoded to %d heads", len(data), len(heads))
		}
		for _, h := range heads {
			if b, err := hex.DecodeString(h); err != nil || len(b) != 32 || hex.EncodeToString(b) != h {
				t.Fatalf("head %q", h)
			}
		}
		again, err := DecodeHeads(EncodeHeads(heads))
		if err != nil || !slices.Equal(again, heads) {
			t.Fatalf("round trip: %v -> %v (%v)", heads, again, err)
		}
	})
}

// ReadSnapshot never returns other than exactly the announced size, made
// of the snapshot frames' payloads in order.
func FuzzReadSnapshot(f *testing.F) {
	f.Add(int64(3), AppendFrame(nil, FrameSnapshot, []byte("abc")))
	f.Add(int64(5), AppendFrame(AppendFrame(nil, FrameSnapshot, []byte("ab")), FrameSnapshot, []byte("cde")))
	f.Add(int64(4), AppendFrame(nil, FrameChanges, []byte("abcd")))
	f.Add(int64(MaxSnapshot+1), []byte{})
	f.Fuzz(func(t *testing.T, size int64, data []byte) {
		if size > 1<<16 && size <= MaxSnapshot {
			size %= 1 << 16 // keep the up-front allocation small
		}
		snap, err := NewReader(bytes.NewReader(data)).ReadSnapshot(size, nil)
		if err != nil {
			return
		}
		if int64(len(snap)) != size {
			t.Fatalf("announced %d bytes, read %d", size, len(snap))
		}
		var want []byte
		r := NewReader(bytes.NewReader(data))
		for int64(len(want)) < size {
			typ, body, err := r.ReadFrame(SnapshotChunk + 1)
			if err != nil || typ != FrameSnapshot {
				t.Fatalf("accepted a snapshot that is not snapshot frames: %d %v", typ, err)
			}
			want = append(want, body...)
		}
		if !bytes.Equal(snap, want) {
			t.Fatal("snapshot bytes differ from the frames' payloads")
		}
	})
}

// ParseRefusal never returns more than the cap, and a reason it returns
// reads back the same.
func FuzzParseRefusal(f *testing.F) {
	f.Add([]byte("not a member of this plan"))
	f.Add(bytes.Repeat([]byte("é"), 200))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := ParseRefusal(data)
		if len(r) > maxReason || !bytes.HasPrefix(data, []byte(r)) {
			t.Fatalf("reason %q from %q", r, data)
		}
		if again := ParseRefusal(EncodeRefusal(r)); again != r {
			t.Fatalf("round trip: %q -> %q", r, again)
		}
	})
}
