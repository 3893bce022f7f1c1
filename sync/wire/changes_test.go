package wire

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

func hexHash(b byte) string { return strings.Repeat(string("0123456789abcdef"[b%16]), 64) }

func TestStateRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		s    State
	}{
		{"empty", State{}},
		{"opening", State{Heads: []string{hexHash(1), hexHash(2)}, Base: []string{hexHash(3)}, Have: []uint64{1, 1 << 63}}},
		{"fetch with reset", State{Heads: []string{hexHash(4)}, Fetch: 300, Reset: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseState(EncodeState(tc.s))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Heads, tc.s.Heads) || !slices.Equal(got.Base, tc.s.Base) || !slices.Equal(got.Have, tc.s.Have) ||
				got.Fetch != tc.s.Fetch || got.Reset != tc.s.Reset {
				t.Fatalf("got %+v, want %+v", got, tc.s)
			}
		})
	}
	if HashPrefix(hexHash(1)) != 0x1111111111111111 || HashPrefix("xyz") != 0 {
		t.Fatal("HashPrefix")
	}
}

func TestParseStateRejects(t *testing.T) {
	good := EncodeState(State{Heads: []string{hexHash(1)}, Have: []uint64{7}})
	cases := map[string][]byte{
		"empty":           nil,
		"unknown flag":    append([]byte{2}, good[1:]...),
		"truncated heads": good[:10],
		"have too short":  good[:len(good)-1],
		"trailing bytes":  append(slices.Clone(good), 0),
		"heads count lie": {0, 0, 0xff, 0xff, 0x03},
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseState(b); !errors.Is(err, ErrBadFrame) {
				t.Fatalf("ParseState: %v", err)
			}
		})
	}
}

func TestChangesRoundTrip(t *testing.T) {
	in := [][]byte{[]byte("one"), bytes.Repeat([]byte{9}, 300), {0}}
	got, err := ParseChanges(EncodeChanges(in))
	if err != nil || len(got) != len(in) {
		t.Fatalf("%d changes, %v", len(got), err)
	}
	for i := range in {
		if !bytes.Equal(got[i], in[i]) {
			t.Fatalf("change %d differs", i)
		}
	}
	for name, b := range map[string][]byte{
		"empty":        nil,
		"count lie":    {5, 1, 'a'},
		"empty change": {1, 0},
		"trailing":     append(EncodeChanges(in), 1),
		"length lie":   {1, 9, 'a'},
	} {
		if _, err := ParseChanges(b); !errors.Is(err, ErrBadFrame) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n, err := ParseFetched(EncodeFetched(42)); n != 42 || err != nil {
		t.Fatalf("fetched: %d %v", n, err)
	}
	for _, b := range [][]byte{nil, {0}, {1, 2}} {
		if _, err := ParseFetched(b); !errors.Is(err, ErrBadFrame) {
			t.Errorf("fetched %v: %v", b, err)
		}
	}
}

// Whatever a peer sends as a state frame parses or is refused, never
// panics, and what parses encodes back to the same bytes.
func FuzzParseState(f *testing.F) {
	f.Add(EncodeState(State{Heads: []string{hexHash(1)}, Base: []string{hexHash(2)}, Have: []uint64{3}, Fetch: 9, Reset: true}))
	f.Add([]byte{0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseState(b)
		if err != nil {
			return
		}
		// Heads come back sorted; encode what was parsed and compare the
		// parse of that.
		again, err := ParseState(EncodeState(s))
		if err != nil || !slices.Equal(again.Heads, s.Heads) || !slices.Equal(again.Have, s.Have) || again.Fetch != s.Fetch {
			t.Fatalf("round trip: %+v -> %+v (%v)", s, again, err)
		}
	})
}

// A changes frame parses into changes that lie inside it and cover it
// exactly, or is refused.
func FuzzParseChanges(f *testing.F) {
	f.Add(EncodeChanges([][]byte{[]byte("a"), []byte("bc")}))
	f.Add([]byte{2, 1, 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, err := ParseChanges(b)
		if err != nil {
			return
		}
		if !bytes.Equal(EncodeChanges(cs), b) {
			t.Fatal("did not cover the frame exactly")
		}
	})
}

// A fetched frame is one uvarint, nonzero.
func FuzzParseFetched(f *testing.F) {
	f.Add(EncodeFetched(1))
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, err := ParseFetched(b); err == nil && !bytes.Equal(EncodeFetched(n), b) {
			t.Fatalf("%v parsed as %d", b, n)
		}
	})
}
