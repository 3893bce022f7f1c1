package wire

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
)

func TestParseBundle(t *testing.T) {
	change := EncodeChanges([][]byte{[]byte("a change")})
	pres := EncodePresence(NoPresence, Presence{Seq: 1, ID: "c", Field: "f", Cursor: 2, Before: "ab"})
	good := AppendInner(AppendInner(AppendInner(AppendInner(nil, FrameChanges, change), FrameAdvance, nil), FramePresence, pres), FrameEcho, EncodeEcho(7))
	t.Run("round trip", func(t *testing.T) {
		in, err := ParseBundle(good)
		if err != nil {
			t.Fatal(err)
		}
		want := []Inner{{FrameChanges, change}, {FrameAdvance, nil}, {FramePresence, pres}, {FrameEcho, EncodeEcho(7)}}
		if len(in) != len(want) {
			t.Fatalf("%d frames, want %d", len(in), len(want))
		}
		for i := range want {
			if in[i].Type != want[i].Type || !bytes.Equal(in[i].Payload, want[i].Payload) {
				t.Fatalf("frame %d: %d %q, want %d %q", i, in[i].Type, in[i].Payload, want[i].Type, want[i].Payload)
			}
		}
	})
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrBadFrame},
		{"zero-length frame", []byte{0}, ErrBadFrame},
		{"past the end", good[:len(good)-1], ErrBadFrame},
		{"a state frame", AppendInner(nil, FrameState, EncodeState(State{})), ErrBadFrame},
		{"a fetched frame", AppendInner(nil, FrameFetched, EncodeFetched(1)), ErrBadFrame},
		{"a bundle in a bundle", AppendInner(nil, FrameBundle, []byte{1}), ErrBadFrame},
		{"a hello", AppendInner(nil, FrameHello, []byte("{}")), ErrBadFrame},
		{"presence past its cap", AppendInner(nil, FramePresence, make([]byte, MaxPresenceFrame+1)), ErrFrameTooBig},
		{"advance past its cap", AppendInner(nil, FrameAdvance, make([]byte, 11)), ErrFrameTooBig},
		{"level past its cap", AppendInner(nil, FrameLevel, make([]byte, 32*maxHeads+32)), ErrFrameTooBig},
		{"echo past its cap", AppendInner(nil, FrameEcho, make([]byte, 11)), ErrFrameTooBig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if in, err := ParseBundle(tc.b); !errors.Is(err, tc.want) {
				t.Fatalf("%d frames, %v; want %v", len(in), err, tc.want)
			}
		})
	}
}

func TestEcho(t *testing.T) {
	for _, k := range []uint64{1, 127, 128, 1 << 40} {
		if got, err := ParseEcho(EncodeEcho(k)); err != nil || got != k {
			t.Errorf("%d: got %d, %v", k, got, err)
		}
	}
	for _, b := range [][]byte{nil, {0}, {0x81}, {1, 0}} {
		if _, err := ParseEcho(b); !errors.Is(err, ErrBadFrame) {
			t.Errorf("%x: %v, want a bad frame", b, err)
		}
	}
}

// After a frame with changes both ends hold their hashes as context: a
// level frame naming the last change then costs a match, not 32 bytes.
func TestHashesAreContext(t *testing.T) {
	c, d := NewCompressor(), NewDecompressor()
	var last []byte
	for i, f := range keystrokes(20) {
		z, err := c.Compress(f)
		if err != nil {
			t.Fatal(err)
		}
		in, err := d.Decompress(z, MaxFrame)
		if err != nil || !bytes.Equal(joined(in), f) {
			t.Fatalf("frame %d: %v", i, err)
		}
		ch, _ := ParseChanges(in[0].Payload)
		h := sha256.Sum256(ch[0][8:])
		last = h[:]
	}
	z, err := c.Compress(AppendInner(nil, FrameLevel, last))
	if err != nil {
		t.Fatal(err)
	}
	in, err := d.Decompress(z, MaxFrame)
	if err != nil || len(in) != 1 || !bytes.Equal(in[0].Payload, last) {
		t.Fatalf("level frame back: %v", err)
	}
	if len(z) > 16 {
		t.Fatalf("a level frame naming the last change costs %d bytes compressed", len(z))
	}
}

// ParseBundle never panics, returns only allowed types under their caps,
// and what it returns joins back to its input.
func FuzzParseBundle(f *testing.F) {
	f.Add(AppendInner(AppendInner(nil, FrameChanges, EncodeChanges([][]byte{[]byte("x")})), FrameAdvance, nil))
	f.Add(AppendInner(nil, FramePresence, []byte{2, 1, 4}))
	f.Add(AppendInner(nil, FrameEcho, EncodeEcho(300)))
	f.Add([]byte{0x80, 0x80, 0x01, 6})
	f.Add([]byte{1, 8})
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := ParseBundle(b)
		if err != nil {
			return
		}
		for _, fr := range in {
			if c := innerCap(fr.Type); c == 0 || 1+len(fr.Payload) > c {
				t.Fatalf("inner frame of type %d and %d bytes", fr.Type, len(fr.Payload))
			}
		}
		if !bytes.Equal(joined(in), b) {
			t.Fatal("inner frames do not join back to the bundle")
		}
	})
}

func TestAdvance(t *testing.T) {
	for _, k := range []uint64{0, 1, 300} {
		if got, err := ParseAdvance(EncodeAdvance(k)); err != nil || got != k {
			t.Errorf("%d: got %d, %v", k, got, err)
		}
	}
	if _, err := ParseAdvance([]byte{0}); !errors.Is(err, ErrBadFrame) {
		t.Errorf("level 0 named: %v", err)
	}
}

// ParseEcho accepts only a canonical, nonzero number, and ParseAdvance
// that or nothing.
func FuzzParseEcho(f *testing.F) {
	f.Add([]byte{1})
	f.Add([]byte{0x80, 0x01})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		if k, err := ParseAdvance(b); err == nil && !bytes.Equal(EncodeAdvance(k), b) {
			t.Fatalf("advance %x read as %d", b, k)
		}
		k, err := ParseEcho(b)
		if err != nil {
			return
		}
		if k == 0 || !bytes.Equal(EncodeEcho(k), b) {
			t.Fatalf("%x read as %d", b, k)
		}
	})
}
