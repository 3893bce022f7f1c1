package wire

import (
	"bytes"
	"errors"
	"maps"
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
		{"opening", State{Heads: []string{hexHash(1), hexHash(2)}, Base: []string{hexHash(3)},
			Clock: map[string]uint64{strings.Repeat("ab", 16): 7, "01": 1 << 40}}},
		{"fetch with reset", State{Heads: []string{hexHash(4)}, Fetch: 300, Reset: true, Authors: []string{"\x00\x24peer", "other"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseState(EncodeState(tc.s))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Heads, tc.s.Heads) || !slices.Equal(got.Base, tc.s.Base) || len(got.Clock) != len(tc.s.Clock) ||
				!maps.Equal(got.Clock, tc.s.Clock) && len(tc.s.Clock) > 0 ||
				got.Fetch != tc.s.Fetch || got.Reset != tc.s.Reset || !slices.Equal(got.Authors, tc.s.Authors) {
				t.Fatalf("got %+v, want %+v", got, tc.s)
			}
		})
	}
	// Actor IDs that are not hex are left out rather than garbled.
	if got, _ := ParseState(EncodeState(State{Clock: map[string]uint64{"not hex": 1, "ab": 2}})); len(got.Clock) != 1 || got.Clock["ab"] != 2 {
		t.Fatalf("clock with a bad actor: %v", got.Clock)
	}
}

func TestParseStateRejects(t *testing.T) {
	good := EncodeState(State{Heads: []string{hexHash(1)}, Clock: map[string]uint64{"abcd": 7}})
	twice := EncodeState(State{})
	twice = append(twice[:len(twice)-2], 2, 2, 0xab, 0xcd, 1, 2, 0xab, 0xcd, 2, 0)
	cases := map[string][]byte{
		"empty":           nil,
		"unknown flag":    append([]byte{2}, good[1:]...),
		"truncated heads": good[:10],
		"clock too short": good[:len(good)-1],
		"actor twice":     twice,
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
	f.Add(EncodeState(State{Heads: []string{hexHash(1)}, Base: []string{hexHash(2)}, Clock: map[string]uint64{"abcdef": 3}, Fetch: 9, Reset: true}))
	f.Add([]byte{0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseState(b)
		if err != nil {
			return
		}
		// Heads come back sorted; encode what was parsed and compare the
		// parse of that.
		again, err := ParseState(EncodeState(s))
		if err != nil || !slices.Equal(again.Heads, s.Heads) || !maps.Equal(again.Clock, s.Clock) || again.Fetch != s.Fetch ||
			!slices.Equal(again.Authors, s.Authors) {
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
