package wire

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// A compressed frame (FrameChangesZ) is the body of a changes or level
// frame (type byte and payload) deflated as part of one stream per
// direction of a session: each frame ends in a sync flush, so it decodes
// on arrival, with the last 32 KiB the stream carried as context. A
// keystroke's change shares most of its bytes (actor, column layout,
// message) with the one before it, and names as its dependencies heads a
// level frame carried, which a change compressed alone cannot use.
//
//	uvarint size   of the body it holds, at most MaxFrame
//	deflate data   ending in a sync flush (an empty stored block)
//
// Frames of a stream must be decoded in order, each exactly once; which
// inner types are allowed is the session's to check.

// ErrTooLarge: a compressed frame would decompress past the cap.
var ErrTooLarge = errors.New("compressed frame exceeds size cap")

// compressLevel: level 1 codes frames under 128 bytes without matches
// (no context); level 2 compresses keystroke frames within 5% of level 9.
const compressLevel = 2

// Compressor compresses the changes frames one side of a session sends.
// It is not safe for concurrent use.
type Compressor struct {
	buf bytes.Buffer
	zw  *flate.Writer
}

// NewCompressor starts a stream of compressed changes frames.
func NewCompressor() *Compressor {
	c := &Compressor{}
	c.zw, _ = flate.NewWriter(&c.buf, compressLevel) // the level is valid
	return c
}

// Compress returns a FrameChangesZ payload holding body. The returned
// slice is valid until the next call.
func (c *Compressor) Compress(body []byte) ([]byte, error) {
	c.buf.Reset()
	var size [binary.MaxVarintLen64]byte
	c.buf.Write(size[:binary.PutUvarint(size[:], uint64(len(body)))])
	if _, err := c.zw.Write(body); err != nil {
		return nil, err
	}
	if err := c.zw.Flush(); err != nil {
		return nil, err
	}
	return c.buf.Bytes(), nil
}

// Decompressor decodes the changes frames one side of a session
// receives. It is not safe for concurrent use. Once it has returned an
// error the stream is broken and the session must end.
//
// Each frame is inflated on its own, with the last window of what the
// stream carried before as its dictionary: the same context the peer's
// compressor had, and a frame's end is checked exactly.
type Decompressor struct {
	in     frameInput
	zr     io.ReadCloser
	hist   []byte // the last window of decompressed bytes
	broken error
}

// window is deflate's: how far back a match may reach.
const window = 32 << 10

// NewDecompressor starts decoding a stream of compressed changes frames.
func NewDecompressor() *Decompressor {
	d := &Decompressor{}
	d.zr = flate.NewReader(&d.in)
	return d
}

// Decompress returns the body a FrameChangesZ payload holds.
// limit caps the decompressed size: a frame claiming more is refused
// before anything is decoded, and one whose deflate data holds less or
// more than it claims is malformed. Memory grows with what is actually
// decoded, so a tiny frame claiming the cap costs little.
func (d *Decompressor) Decompress(body []byte, limit int) ([]byte, error) {
	if d.broken != nil {
		return nil, d.broken
	}
	out, err := d.decompress(body, limit)
	if err != nil {
		d.broken = err
		return nil, err
	}
	if len(out) >= window {
		d.hist = append(d.hist[:0], out[len(out)-window:]...)
	} else {
		keep := min(len(d.hist), window-len(out))
		d.hist = append(d.hist[:copy(d.hist, d.hist[len(d.hist)-keep:])], out...)
	}
	return out, nil
}

func (d *Decompressor) decompress(body []byte, limit int) ([]byte, error) {
	size, n := binary.Uvarint(body)
	if n <= 0 || size == 0 {
		return nil, fmt.Errorf("%w: compressed changes frame: size", ErrBadFrame)
	}
	if size > uint64(limit) {
		return nil, fmt.Errorf("%w: %d bytes (cap %d)", ErrTooLarge, size, limit)
	}
	d.in.b = body[n:]
	if err := d.zr.(flate.Resetter).Reset(&d.in, d.hist); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(int(min(size, 64<<10)))
	got, err := io.CopyN(&out, d.zr, int64(size))
	if err != nil {
		return nil, fmt.Errorf("%w: compressed changes frame: %d of %d bytes: %v", ErrBadFrame, got, size, err)
	}
	// What follows must be the flush's empty block and then the frame's
	// end, with no byte more decoded.
	var one [1]byte
	if k, err := d.zr.Read(one[:]); k != 0 || !errors.Is(err, errFrameEnd) || len(d.in.b) != 0 {
		return nil, fmt.Errorf("%w: compressed changes frame: more than its %d bytes", ErrBadFrame, size)
	}
	return out.Bytes(), nil
}

// errFrameEnd: the deflate data wanted more than its frame holds.
var errFrameEnd = errors.New("deflate data runs past the end of its frame")

// frameInput feeds the decompressor one frame's bytes at a time. It
// implements io.ByteReader, so flate reads no further than it needs.
type frameInput struct{ b []byte }

func (f *frameInput) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, errFrameEnd
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

func (f *frameInput) ReadByte() (byte, error) {
	if len(f.b) == 0 {
		return 0, errFrameEnd
	}
	c := f.b[0]
	f.b = f.b[1:]
	return c, nil
}
