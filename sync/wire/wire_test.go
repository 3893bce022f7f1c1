package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

const planID = "0123456789abcdef0123456789abcdef"

func TestFrameRoundTrip(t *testing.T) {
	cases := []struct {
		name    string
		typ     byte
		payload []byte
	}{
		{"empty payload", FrameFetched, nil},
		{"short", FrameChanges, []byte("abc")},
		{"one-byte length edge", FrameChanges, bytes.Repeat([]byte{7}, 126)},
		{"two-byte length", FrameChanges, bytes.Repeat([]byte{7}, 127)},
		{"at the hello cap", FrameHello, bytes.Repeat([]byte("x"), MaxHelloFrame-1)},
		{"a snapshot chunk", FrameSnapshot, bytes.Repeat([]byte{0xfe}, SnapshotChunk)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf)
			if err := w.WriteFrame(tc.typ, tc.payload); err != nil {
				t.Fatal(err)
			}
			// Two frames back to back, to show the reader stops at each end.
			if err := w.WriteFrame(FrameLevel, nil); err != nil {
				t.Fatal(err)
			}
			if got := AppendFrame(nil, tc.typ, tc.payload); !bytes.HasPrefix(buf.Bytes(), got) {
				t.Fatal("AppendFrame and WriteFrame disagree")
			}
			if w.BytesWritten() != int64(buf.Len()) {
				t.Fatalf("wrote %d bytes, counted %d", buf.Len(), w.BytesWritten())
			}
			total := int64(buf.Len())
			r := NewReader(&buf)
			typ, body, err := r.ReadFrame(len(tc.payload) + 1)
			if err != nil || typ != tc.typ || !bytes.Equal(body, tc.payload) {
				t.Fatalf("read %d %d bytes %v", typ, len(body), err)
			}
			if typ, body, err := r.ReadFrame(1); err != nil || typ != FrameLevel || len(body) != 0 {
				t.Fatalf("second frame: %d %q %v", typ, body, err)
			}
			if _, _, err := r.ReadFrame(MaxFrame); !errors.Is(err, io.EOF) {
				t.Fatalf("after the last frame: %v, want EOF", err)
			}
			if r.BytesRead() != total {
				t.Fatalf("read %d bytes, counted %d", total, r.BytesRead())
			}
		})
	}
}

func TestReadFrameRejects(t *testing.T) {
	cases := []struct {
		name  string
		in    []byte
		limit int
		want  error
	}{
		{"empty frame", []byte{0}, 10, ErrBadFrame},
		{"over the cap", AppendFrame(nil, FrameChanges, make([]byte, 10)), 10, ErrFrameTooBig},
		{"huge length", binary.AppendUvarint(nil, 1<<62), MaxFrame, ErrFrameTooBig},
		{"length overflows", bytes.Repeat([]byte{0xff}, 11), MaxFrame, ErrBadFrame},
		{"truncated length", []byte{0x80}, MaxFrame, ErrBadFrame},
		{"truncated body", append(binary.AppendUvarint(nil, 100), "0123456789"...), MaxFrame, ErrBadFrame},
		{"nothing at all", nil, MaxFrame, io.EOF},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(tc.in))
			if _, _, err := r.ReadFrame(tc.limit); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if r.BytesRead() != 0 {
				t.Fatalf("counted %d bytes of a rejected frame", r.BytesRead())
			}
		})
	}
}

func TestHelloRoundTrip(t *testing.T) {
	cases := []Hello{
		{Version: ProtocolVersion, Plan: planID, Have: true},
		{Version: ProtocolVersion, Plan: planID},
		{Version: ProtocolVersion, Plan: planID, Invite: "abcde", Name: "Jay Ö", Org: "Open Org", Side: "government", Redemption: "AQID"},
		{Version: ProtocolVersion, Plan: planID, Name: strings.Repeat("n", maxHelloText)},
	}
	for _, h := range cases {
		t.Run(h.Name+h.Invite, func(t *testing.T) {
			got, err := ParseHello(EncodeHello(h))
			if err != nil || got != h {
				t.Fatalf("%+v -> %+v (%v)", h, got, err)
			}
		})
	}
}

func TestParseHelloRejects(t *testing.T) {
	ok := Hello{Version: ProtocolVersion, Plan: planID}
	with := func(f func(*Hello)) []byte {
		h := ok
		f(&h)
		return EncodeHello(h)
	}
	cases := []struct {
		name string
		in   []byte
	}{
		{"not JSON", []byte("GET / HTTP/1.1")},
		{"null", []byte("null")},
		{"other version", with(func(h *Hello) { h.Version = ProtocolVersion + 1 })},
		{"older version", with(func(h *Hello) { h.Version = ProtocolVersion - 1 })},
		{"no version", []byte(`{"plan":"` + planID + `"}`)},
		{"name too long", with(func(h *Hello) { h.Name = strings.Repeat("n", maxHelloText+1) })},
		{"org too long", with(func(h *Hello) { h.Org = strings.Repeat("o", maxHelloText+1) })},
		{"invite too long", with(func(h *Hello) { h.Invite, h.Name = strings.Repeat("a", MaxInviteCode+1), "N" })},
		{"joining without a name", with(func(h *Hello) { h.Invite, h.Redemption = "abcde", "AQID" })},
		{"joining without a redemption", with(func(h *Hello) { h.Invite, h.Name = "abcde", "N" })},
		{"redemption not base64", with(func(h *Hello) { h.Invite, h.Name, h.Redemption = "abcde", "N", "!!" })},
		{"redemption too long", with(func(h *Hello) { h.Invite, h.Name, h.Redemption = "abcde", "N", strings.Repeat("A", maxRedemption+4) })},
		{"oversized", append(append([]byte(`{"v":1,"plan":"`), bytes.Repeat([]byte("a"), MaxHelloFrame)...), `"}`...)},
		{"wrong type", []byte(`{"v":"1"}`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if h, err := ParseHello(tc.in); !errors.Is(err, ErrBadHello) {
				t.Fatalf("accepted %+v (%v)", h, err)
			}
		})
	}
}

func TestWelcome(t *testing.T) {
	for _, w := range []Welcome{{Version: ProtocolVersion}, {Version: ProtocolVersion, Snapshot: 1}, {Version: ProtocolVersion, Snapshot: MaxSnapshot}} {
		if got, err := ParseWelcome(EncodeWelcome(w)); err != nil || got != w {
			t.Fatalf("%+v -> %+v (%v)", w, got, err)
		}
	}
	for _, in := range []string{`{"v":7}`, `{"v":5}`, `{"v":6,"snapshot":-1}`, `{"v":6,"snapshot":536870913}`, `[]`, ``, `{"v":6,"snapshot":"big"}`} {
		t.Run(in, func(t *testing.T) {
			if w, err := ParseWelcome([]byte(in)); !errors.Is(err, ErrBadFrame) {
				t.Fatalf("accepted %+v (%v)", w, err)
			}
		})
	}
}

func TestHeads(t *testing.T) {
	h1 := strings.Repeat("ab", 32)
	h2 := strings.Repeat("01", 32)
	cases := []struct {
		name string
		in   []string
		want []string
	}{
		{"none", nil, []string{}},
		{"one", []string{h1}, []string{h1}},
		{"sorted on the way back", []string{h1, h2}, []string{h2, h1}},
		{"bad hashes skipped", []string{"zz", h1, "abcd"}, []string{h1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeHeads(EncodeHeads(tc.in))
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("%v -> %v (%v)", tc.in, got, err)
			}
		})
	}
	for _, n := range []int{31, 33, 32 * (maxHeads + 1)} {
		if _, err := DecodeHeads(make([]byte, n)); !errors.Is(err, ErrBadFrame) {
			t.Fatalf("%d bytes accepted: %v", n, err)
		}
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	for _, size := range []int{1, SnapshotChunk, SnapshotChunk + 1, 2*SnapshotChunk + 17} {
		snap := make([]byte, size)
		for i := range snap {
			snap[i] = byte(i * 7)
		}
		var buf bytes.Buffer
		chunks := 0
		if err := NewWriter(&buf).WriteSnapshot(snap, func() { chunks++ }); err != nil {
			t.Fatal(err)
		}
		if want := (size + SnapshotChunk - 1) / SnapshotChunk; chunks != want {
			t.Fatalf("%d bytes in %d chunks, want %d", size, chunks, want)
		}
		reads := 0
		got, err := NewReader(&buf).ReadSnapshot(int64(size), func() { reads++ })
		if err != nil || !bytes.Equal(got, snap) || reads != chunks {
			t.Fatalf("%d bytes: got %d in %d reads (%v)", size, len(got), reads, err)
		}
	}
}

func TestReadSnapshotRejects(t *testing.T) {
	cases := []struct {
		name string
		size int64
		in   []byte
	}{
		{"no size", 0, nil},
		{"negative size", -1, nil},
		{"over the cap", MaxSnapshot + 1, nil},
		{"wrong frame type", 3, AppendFrame(nil, FrameChanges, []byte("abc"))},
		{"empty chunk", 3, AppendFrame(nil, FrameSnapshot, nil)},
		{"more than announced", 3, AppendFrame(nil, FrameSnapshot, []byte("abcd"))},
		{"chunk over the cap", 2 * SnapshotChunk, AppendFrame(nil, FrameSnapshot, make([]byte, SnapshotChunk+1))},
		{"stream ends early", 6, AppendFrame(nil, FrameSnapshot, []byte("abc"))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if b, err := NewReader(bytes.NewReader(tc.in)).ReadSnapshot(tc.size, nil); err == nil {
				t.Fatalf("accepted %d bytes", len(b))
			}
		})
	}
}

func TestRefusal(t *testing.T) {
	cases := []struct{ in, want string }{
		{"not a member of this plan", "not a member of this plan"},
		{"", ""},
		{strings.Repeat("r", 400), strings.Repeat("r", maxReason)},
	}
	for _, tc := range cases {
		if got := ParseRefusal(EncodeRefusal(tc.in)); got != tc.want {
			t.Fatalf("%q -> %q", tc.in, got)
		}
	}
	if got := ParseRefusal([]byte(strings.Repeat("x", 1000))); len(got) != maxReason {
		t.Fatalf("a long reason read as %d bytes", len(got))
	}
}

// A peer of another version is told which to run.
func TestHelloVersionMessage(t *testing.T) {
	for _, tc := range []struct {
		v    int
		want string
	}{
		{ProtocolVersion - 1, "needs protocol 6 (a Coplan that sends changes compactly): update Coplan"},
		{1, "needs protocol 6"},
		{ProtocolVersion + 1, "speaks protocol 6: update Coplan on it"},
	} {
		t.Run(fmt.Sprint(tc.v), func(t *testing.T) {
			_, err := ParseHello(EncodeHello(Hello{Version: tc.v, Plan: planID}))
			if !errors.Is(err, ErrBadHello) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v; want %q", err, tc.want)
			}
		})
	}
}
