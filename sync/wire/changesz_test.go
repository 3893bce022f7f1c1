package wire

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// keystrokes are changes frames as a typist makes them: each like the one
// before but for a few bytes.
func keystrokes(n int) [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	actor := make([]byte, 16)
	for i := range actor {
		actor[i] = byte(rng.IntN(256))
	}
	var out [][]byte
	for i := range n {
		c := append([]byte{0x85, 0x6f, 0x4a, 0x83}, actor...)
		c = binary.AppendUvarint(c, uint64(i))
		c = append(c, "Edit commitment description"...)
		c = append(c, byte('a'+rng.IntN(26)))
		out = append(out, asBundle(EncodeChanges([][]byte{c})))
	}
	return out
}

// asBundle is a bundle's body holding one changes frame.
func asBundle(changes []byte) []byte { return AppendInner(nil, FrameChanges, changes) }

// joined is the body inner frames came from.
func joined(in []Inner) []byte {
	var b []byte
	for _, f := range in {
		b = AppendInner(b, f.Type, f.Payload)
	}
	return b
}

func TestCompressedChangesStream(t *testing.T) {
	big := make([]byte, 3<<20)
	rand.NewChaCha8([32]byte{3}).Read(big) // incompressible, several flate blocks
	cases := []struct {
		name   string
		frames [][]byte
	}{
		{"keystrokes", keystrokes(200)},
		{"one large incompressible", [][]byte{asBundle(EncodeChanges([][]byte{big}))}},
		{"mixed", append(append(keystrokes(3), asBundle(EncodeChanges([][]byte{big[:100000], []byte(strings.Repeat("ab", 70000))}))), keystrokes(3)...)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, d := NewCompressor(), NewDecompressor()
			plain, packed := 0, 0
			for i, f := range tc.frames {
				z, err := c.Compress(f)
				if err != nil {
					t.Fatal(err)
				}
				packed += len(z)
				plain += len(f)
				// Through a real frame, as a session reads it.
				typ, body, err := NewReader(bytes.NewReader(AppendFrame(nil, FrameBundle, z))).ReadFrame(MaxFrame)
				if err != nil || typ != FrameBundle {
					t.Fatal(typ, err)
				}
				in, err := d.Decompress(body, MaxFrame)
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if got := joined(in); !bytes.Equal(got, f) {
					t.Fatalf("frame %d: %d bytes back for %d", i, len(got), len(f))
				}
				if _, err := ParseChanges(in[0].Payload); err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("%d frames: %d bytes plain, %d compressed", len(tc.frames), plain, packed)
			if tc.name == "keystrokes" && packed*3 > plain {
				t.Fatalf("keystroke frames compress to %d of %d bytes: the stream's context is not used", packed, plain)
			}
			if tc.name == "one large incompressible" && packed > plain+plain/1000+64 {
				t.Fatalf("incompressible frame grew from %d to %d bytes", plain, packed)
			}
		})
	}
}

// zbody is a FrameBundle payload claiming size, holding data deflated
// alone (with a sync flush whose marker is left off, or ending the
// stream when final).
func zbody(size uint64, data []byte, final bool) []byte {
	var buf bytes.Buffer
	buf.Write(binary.AppendUvarint(nil, size))
	zw, _ := flate.NewWriter(&buf, flate.BestCompression)
	zw.Write(data)
	if final {
		zw.Close()
		return buf.Bytes()
	}
	zw.Flush()
	return bytes.TrimSuffix(buf.Bytes(), syncMarker)
}

func TestDecompressRejects(t *testing.T) {
	const limit = 1 << 20
	bomb := make([]byte, limit+1) // zeros: a few hundred bytes deflated
	good := asBundle(EncodeChanges([][]byte{[]byte("change")}))
	cases := []struct {
		name string
		body []byte
		want error
	}{
		{"empty", nil, ErrBadFrame},
		{"zero size", zbody(0, nil, false), ErrBadFrame},
		{"claims over the cap", zbody(limit+1, bomb, false), ErrTooLarge},
		{"claims the cap, holds less", zbody(limit, good, false), ErrBadFrame},
		{"holds more than it claims, past the frame", zbody(uint64(len(good)), append(good, bomb...), false), ErrBadFrame},
		{"truncated", zbody(uint64(len(good)), good, false)[:6], ErrBadFrame},
		{"not deflate", append(binary.AppendUvarint(nil, 10), 0xff, 0xff, 0xff, 0xff), ErrBadFrame},
		{"a stored block after its data", append(zbody(uint64(len(good)), good, false), 0, 1, 0, 0xfe, 0xff, 'x'), ErrBadFrame},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecompressor()
			out, err := d.Decompress(tc.body, limit)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %d bytes, %v; want %v", len(out), err, tc.want)
			}
			// A broken stream stays broken: later frames are refused.
			if _, err := d.Decompress(zbody(uint64(len(good)), good, false), limit); err == nil {
				t.Fatal("a broken stream decoded another frame")
			}
		})
	}
	t.Run("a bomb costs no more than its cap", func(t *testing.T) {
		inner := AppendInner(nil, FrameChanges, bomb[:limit-4]) // a bundle of limit bytes
		body := zbody(uint64(len(inner)), inner, false)
		if len(body) > limit/100 || len(inner) != limit {
			t.Fatalf("test bomb is %d bytes, inflating to %d", len(body), len(inner))
		}
		out, err := NewDecompressor().Decompress(body, limit)
		if err != nil || len(out) != 1 || len(out[0].Payload) != limit-4 || cap(out[0].Payload) > 2*limit+64<<10 {
			t.Fatalf("%d frames, %v", len(out), err)
		}
	})
}

// The decompressor never panics, never returns more than its cap, and a
// stream that decodes one frame decodes what its compressor made next.
func FuzzDecompressChanges(f *testing.F) {
	c := NewCompressor()
	for _, k := range keystrokes(3) {
		z, _ := c.Compress(k)
		f.Add(bytes.Clone(z))
	}
	f.Add(zbody(1<<12, make([]byte, 1<<13), false))
	f.Add(zbody(5, []byte("hello"), true))
	f.Add([]byte{0x05, 0x00, 0x00, 0x00, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, body []byte) {
		const limit = 1 << 12
		d := NewDecompressor()
		for i := range 3 { // the same bytes again: a stream of repeated frames
			out, err := d.Decompress(body, limit)
			if err != nil {
				return
			}
			if n := len(joined(out)); n > limit {
				t.Fatalf("frame %d: %d bytes past the cap", i, n)
			}
			for _, f := range out {
				if c := innerCap(f.Type); c == 0 || 1+len(f.Payload) > c {
					t.Fatalf("frame %d: inner frame of type %d and %d bytes", i, f.Type, len(f.Payload))
				}
			}
		}
	})
}

func ExampleCompressor() {
	c, d := NewCompressor(), NewDecompressor()
	for _, s := range []string{"first change", "second change"} {
		z, _ := c.Compress(AppendInner(nil, FrameChanges, EncodeChanges([][]byte{[]byte(s)})))
		in, _ := d.Decompress(z, MaxFrame)
		ch, _ := ParseChanges(in[0].Payload)
		fmt.Println(string(ch[0]))
	}
	// Output:
	// first change
	// second change
}

// Streams share encoders: interleaved, each still decodes alone, and
// context carries over an encoder's going to the other stream and back.
func TestCompressedStreamsInterleaved(t *testing.T) {
	frames := keystrokes(300)
	cs := []*Compressor{NewCompressor(), NewCompressor(), NewCompressor()}
	ds := []*Decompressor{NewDecompressor(), NewDecompressor(), NewDecompressor()}
	rng := rand.New(rand.NewPCG(5, 6))
	packed := 0
	// Encoders held by others meanwhile, so a stream moves between them
	// and comes back to one that missed its frames.
	var held []*encoder
	for i, f := range frames {
		k := rng.IntN(len(cs))
		if rng.IntN(4) == 0 {
			held = append(held, encoders.Get().(*encoder))
		}
		if len(held) > 0 && rng.IntN(3) == 0 {
			encoders.Put(held[0])
			held = held[1:]
		}
		z, err := cs[k].Compress(f)
		if err != nil {
			t.Fatal(err)
		}
		packed += len(z)
		got, err := ds[k].Decompress(z, MaxFrame)
		if err != nil || !bytes.Equal(joined(got), f) {
			t.Fatalf("frame %d on stream %d: %v", i, k, err)
		}
	}
	plain := 0
	for _, f := range frames {
		plain += len(f)
	}
	if packed*3 > plain {
		t.Fatalf("interleaved streams compress to %d of %d bytes", packed, plain)
	}
}
