package wire

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestPresenceRoundTrip(t *testing.T) {
	open := Presence{Seq: 3, ID: "a1b2c3d4e5f6", Field: "description", Cursor: 120, Before: "isté"}
	for _, tc := range []struct {
		name      string
		prev, cur Presence
		maxBytes  int
	}{
		{"first frame", NoPresence, open, 36},
		{"cursor moves while typing", open, Presence{Seq: 4, ID: open.ID, Field: open.Field, Cursor: 121, Before: "sté!"}, 10},
		{"heartbeat", open, open, 2},
		{"closes the commitment", open, Presence{Seq: 5, Cursor: -1}, 8},
		{"title, no cursor", NoPresence, Presence{Seq: 1, ID: "x", Field: "title", Cursor: -1}, 12},
		{"cursor at 0", NoPresence, Presence{Seq: 1 << 40, ID: "x", Field: "problem", Cursor: 0}, 20},
		{"cursor back", Presence{Seq: 5, Cursor: 900}, Presence{Seq: 5, Cursor: 3}, 4},
		{"opens the vision", open, Presence{Seq: 4, Kind: OpenOverview, Field: "vision", Cursor: 7, Before: "Our "}, 19},
		{"opens a meeting note", NoPresence, Presence{Seq: 1, Kind: OpenNote, ID: "n0d3", Field: "body", Cursor: 0}, 15},
		{"the timeline", NoPresence, Presence{Seq: 1, Kind: OpenTimeline, Cursor: -1}, 6},
		{"back to a commitment", Presence{Seq: 2, Kind: OpenNote, ID: "n0d3", Field: "body", Cursor: 3}, open, 36},
		{"typing in a note costs no more than in a commitment", Presence{Seq: 2, Kind: OpenNote, ID: "n0d3", Field: "body", Cursor: 3, Before: "abc"},
			Presence{Seq: 3, Kind: OpenNote, ID: "n0d3", Field: "body", Cursor: 4, Before: "abcd"}, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := EncodePresence(tc.prev, tc.cur)
			if len(b) > tc.maxBytes {
				t.Errorf("%d bytes, want at most %d", len(b), tc.maxBytes)
			}
			got, err := ParsePresence(b, tc.prev)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.cur {
				t.Errorf("got %+v, want %+v", got, tc.cur)
			}
		})
	}
}

// An empty payload is a heartbeat (protocol 5): nothing changes.
func TestPresenceEmptyHeartbeat(t *testing.T) {
	prev := Presence{Seq: 9, ID: "keep", Field: "f", Cursor: 4, Before: "ab"}
	got, err := ParsePresence(nil, prev)
	if err != nil || got != prev {
		t.Fatalf("got %+v, %v; want %+v unchanged", got, err, prev)
	}
}

func TestPresenceRejects(t *testing.T) {
	good := EncodePresence(NoPresence, Presence{Seq: 1, ID: "c", Field: "f", Cursor: 2, Before: "ab"})
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"no seq", []byte{0}},
		{"unknown flag", []byte{0x80, 1}},
		{"truncated", good[:len(good)-1]},
		{"trailing", append(bytes.Clone(good), 0)},
		{"seq overflows", []byte{0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"long id", append([]byte{presOpen, 1, 65}, strings.Repeat("x", 65)+"\x00"...)},
		{"long context", append([]byte{presBefore, 1, 5}, "12345"...)},
		{"bad utf-8", []byte{presBefore, 1, 1, 0xff}},
		{"cursor below -1", []byte{presCursor, 1, 11}}, // 4 - 6
		{"huge cursor", []byte{presCursor, 1, 0xfe, 0xff, 0xff, 0xff, 0x0f}},
		{"too long", make([]byte, MaxPresenceFrame+1)},
		{"unknown kind", []byte{presKind, 1, byte(numPresenceKinds)}},
		{"kind missing", []byte{presKind, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prev := Presence{Seq: 9, ID: "keep", Cursor: 4}
			got, err := ParsePresence(tc.b, prev)
			if err == nil {
				t.Fatalf("accepted: %+v", got)
			}
			if !errors.Is(err, ErrBadFrame) {
				t.Errorf("%v is not ErrBadFrame", err)
			}
			if got != prev {
				t.Errorf("a refused frame changed the state: %+v", got)
			}
		})
	}
}

// ParsePresence never panics, keeps within its limits, and what it
// accepts encodes back (from the same previous state) to a frame that
// reads the same.
func FuzzParsePresence(f *testing.F) {
	prev := Presence{Seq: 2, ID: "c0ffee", Field: "description", Cursor: 7, Before: "abc"}
	f.Add(EncodePresence(NoPresence, prev))
	f.Add(EncodePresence(prev, Presence{Seq: 3, ID: "c0ffee", Field: "description", Cursor: 8, Before: "abcd"}))
	f.Add(EncodePresence(prev, prev))
	f.Add([]byte{0x80, 0x80, 0x01, 7})
	f.Add([]byte{presCursor, 1, 0x7f})
	f.Add(EncodePresence(prev, Presence{Seq: 3, Kind: OpenNote, ID: "n1", Field: "body", Cursor: 0}))
	f.Add([]byte{presKind | presOpen, 1, byte(OpenOverview), 0, 6, 'v', 'i', 's', 'i', 'o', 'n'})
	f.Add(EncodePresenceFromText(prev, Presence{Seq: 3, ID: "c0ffee", Field: "description", Cursor: 9, Before: "bcde"}))
	f.Add([]byte{presText | presBefore, 1, 1, 'x'})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParsePresence(data, prev)
		if err != nil {
			if got != prev {
				t.Fatalf("a refused frame changed the state: %+v", got)
			}
			return
		}
		if len(got.ID) > maxPresenceID || len(got.Field) > maxPresenceID || got.Cursor < -1 ||
			got.Cursor >= maxPresenceCursor || got.Kind >= numPresenceKinds || len([]rune(got.Before)) > MaxPresenceContext {
			t.Fatalf("accepted a malformed presence: %+v", got)
		}
		if BeforeFromText(data) && got.Before != "" {
			t.Fatalf("before from the text, yet read as %q", got.Before)
		}
		again, err := ParsePresence(EncodePresence(prev, got), prev)
		if err != nil || again != got {
			t.Fatalf("round trip: %+v -> %+v (%v)", got, again, err)
		}
	})
}

// A cursor whose text before it the receiver reads itself costs the
// cursor's move alone, and reads back with that text left empty.
func TestPresenceFromText(t *testing.T) {
	prev := Presence{Seq: 2, ID: "c0ffee", Field: "description", Cursor: 7, Before: "abc"}
	cur := Presence{Seq: 3, ID: "c0ffee", Field: "description", Cursor: 9, Before: "bcde"}
	b := EncodePresenceFromText(prev, cur)
	if !BeforeFromText(b) || len(b) > 3 {
		t.Fatalf("% x: want the text flag and at most 3 bytes", b)
	}
	got, err := ParsePresence(b, prev)
	want := cur
	want.Before = ""
	if err != nil || got != want {
		t.Fatalf("got %+v (%v), want %+v", got, err, want)
	}
	if same := EncodePresenceFromText(prev, Presence{Seq: 3, ID: "c0ffee", Field: "description", Cursor: 8, Before: "abc"}); BeforeFromText(same) {
		t.Errorf("an unchanged before is left to the text: % x", same)
	}
	if _, err := ParsePresence([]byte{presText | presBefore, 1, 1, 'x'}, prev); !errors.Is(err, ErrBadFrame) {
		t.Errorf("both the text and the flag to read it: %v", err)
	}
}

// What a version 1 peer is sent reads in version 1: commitments as they
// are, anything else as nothing open, and never the kind flag.
func TestPresenceDowngrade(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Presence
		want Presence
	}{
		{"commitment", Presence{Seq: 3, ID: "c1", Field: "description", Cursor: 4, Before: "abcd"}, Presence{Seq: 3, ID: "c1", Field: "description", Cursor: 4, Before: "abcd"}},
		{"vision", Presence{Seq: 4, Kind: OpenOverview, Field: "vision", Cursor: 2, Before: "ab"}, Presence{Seq: 4, Cursor: -1}},
		{"note", Presence{Seq: 5, Kind: OpenNote, ID: "n1", Field: "body", Cursor: 0}, Presence{Seq: 5, Cursor: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Downgrade(2); got != tc.p {
				t.Errorf("version 2 changed it: %+v", got)
			}
			got := tc.p.Downgrade(1)
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			b := EncodePresence(Presence{Seq: 1, ID: "c0", Field: "title", Cursor: -1}, got)
			if b[0]&presKind != 0 {
				t.Errorf("a version 1 frame carries the kind flag: % x", b)
			}
		})
	}
}
