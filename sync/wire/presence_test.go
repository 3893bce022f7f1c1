package wire

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestPresenceRoundTrip(t *testing.T) {
	open := Presence{Seq: 3, Commitment: "a1b2c3d4e5f6", Field: "description", Cursor: 120, Before: "nisté"}
	for _, tc := range []struct {
		name      string
		prev, cur Presence
		maxBytes  int
	}{
		{"first frame", NoPresence, open, 40},
		{"cursor moves while typing", open, Presence{Seq: 4, Commitment: open.Commitment, Field: open.Field, Cursor: 121, Before: "isté!"}, 16},
		{"heartbeat", open, open, 3},
		{"closes the commitment", open, Presence{Seq: 5, Cursor: -1}, 8},
		{"title, no cursor", NoPresence, Presence{Seq: 1, Commitment: "x", Field: "title", Cursor: -1}, 12},
		{"cursor at 0", NoPresence, Presence{Seq: 1 << 40, Commitment: "x", Field: "problem", Cursor: 0}, 20},
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

func TestPresenceRejects(t *testing.T) {
	good := EncodePresence(NoPresence, Presence{Seq: 1, Commitment: "c", Field: "f", Cursor: 2, Before: "ab"})
	for _, tc := range []struct {
		name    string
		b       []byte
		version bool
	}{
		{"empty", nil, false},
		{"newer version", append([]byte{2}, good[1:]...), true},
		{"no flags", []byte{1, 5}, false},
		{"unknown flag", []byte{1, 5, 0x80}, false},
		{"truncated", good[:len(good)-1], false},
		{"trailing", append(bytes.Clone(good), 0), false},
		{"long id", append([]byte{1, 1, presOpen, 65}, strings.Repeat("x", 65)+"\x00"...), false},
		{"long context", append([]byte{1, 1, presBefore, 7}, "1234567"...), false},
		{"bad utf-8", []byte{1, 1, presBefore, 1, 0xff}, false},
		{"huge cursor", []byte{1, 1, presCursor, 0xff, 0xff, 0xff, 0xff, 0x0f}, false},
		{"too long", append([]byte{1}, make([]byte, MaxPresenceFrame)...), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prev := Presence{Seq: 9, Commitment: "keep", Cursor: 4}
			got, err := ParsePresence(tc.b, prev)
			if err == nil {
				t.Fatalf("accepted: %+v", got)
			}
			if !errors.Is(err, ErrBadFrame) {
				t.Errorf("%v is not ErrBadFrame", err)
			}
			if errors.Is(err, ErrPresenceVersion) != tc.version {
				t.Errorf("%v: version error %v, want %v", err, errors.Is(err, ErrPresenceVersion), tc.version)
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
	prev := Presence{Seq: 2, Commitment: "c0ffee", Field: "description", Cursor: 7, Before: "abc"}
	f.Add(EncodePresence(NoPresence, prev))
	f.Add(EncodePresence(prev, Presence{Seq: 3, Commitment: "c0ffee", Field: "description", Cursor: 8, Before: "abcd"}))
	f.Add(EncodePresence(prev, prev))
	f.Add([]byte{1, 0x80, 0x80, 0x01, 7})
	f.Add([]byte{2, 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParsePresence(data, prev)
		if err != nil {
			if got != prev {
				t.Fatalf("a refused frame changed the state: %+v", got)
			}
			return
		}
		if len(got.Commitment) > maxPresenceID || len(got.Field) > maxPresenceID || got.Cursor < -1 ||
			got.Cursor >= maxPresenceCursor || len([]rune(got.Before)) > MaxPresenceContext {
			t.Fatalf("accepted a malformed presence: %+v", got)
		}
		again, err := ParsePresence(EncodePresence(prev, got), prev)
		if err != nil || again != got {
			t.Fatalf("round trip: %+v -> %+v (%v)", got, again, err)
		}
	})
}
