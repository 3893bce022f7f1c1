package wire

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// A compressed frame (FrameChangesZ) is the body of a changes or level
// frame (type byte and payload) deflated as part of one stream per
// direction of a session: each frame ends in a sync flush, so it decodes
// on arrival, its matches reaching up to 32 KiB back into what the
// stream carried before (deflate's window). A
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

// encContext is how much of what a stream carried before a frame the
// compressor looks back into: a keystroke's change is like the last few,
// and a short context is cheap to load for each frame.
const encContext = 8 << 10

// A flate encoder is 800 KB, too much to keep per session in a room of
// 40: encoders are shared, each frame compressed with the stream's
// context loaded first (compressed to nowhere), which leaves the encoder
// as one that had sent it.
type encoder struct {
	zw  *flate.Writer
	out switchWriter
	// owner is the stream it last compressed for, as its frame ownerN:
	// back with it for the next frame, the encoder still holds its
	// context and goes on as one stream.
	owner  *Compressor
	ownerN uint64
}

type switchWriter struct{ w io.Writer }

func (s *switchWriter) Write(p []byte) (int, error) { return s.w.Write(p) }

var encoders = sync.Pool{New: func() any {
	e := &encoder{out: switchWriter{io.Discard}}
	e.zw, _ = flate.NewWriter(&e.out, compressLevel) // the level is valid
	return e
}}

var inflaters = sync.Pool{New: func() any { return flate.NewReader(bytes.NewReader(nil)) }}

// Compressor compresses the frames one side of a session sends. It is
// not safe for concurrent use.
type Compressor struct {
	buf  bytes.Buffer
	hist []byte // the last encContext bytes compressed
	n    uint64 // frames compressed
}

// NewCompressor starts a stream of compressed frames.
func NewCompressor() *Compressor { return &Compressor{} }

// Compress returns a FrameChangesZ payload holding body. The returned
// slice is valid until the next call.
func (c *Compressor) Compress(body []byte) ([]byte, error) {
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	resume := e.owner == c && e.ownerN == c.n
	e.owner = nil // until this frame is through
	if !resume {
		e.out.w = io.Discard
		e.zw.Reset(&e.out)
	}
	if !resume && len(c.hist) > 0 {
		if _, err := e.zw.Write(c.hist); err != nil {
			return nil, err
		}
		if err := e.zw.Flush(); err != nil {
			return nil, err
		}
	}
	// A large frame gets a buffer of its own, so a session does not keep
	// one of its size.
	dst := &c.buf
	if len(body) > 32<<10 {
		dst = new(bytes.Buffer)
	}
	dst.Reset()
	var size [binary.MaxVarintLen64]byte
	dst.Write(size[:binary.PutUvarint(size[:], uint64(len(body)))])
	e.out.w = dst
	if _, err := e.zw.Write(body); err != nil {
		return nil, err
	}
	if err := e.zw.Flush(); err != nil {
		return nil, err
	}
	e.out.w = io.Discard
	c.n++
	e.owner, e.ownerN = c, c.n
	c.hist = appendWindow(c.hist, body, encContext)
	return dst.Bytes(), nil
}

// appendWindow is the last n bytes of hist followed by b, in hist's memory.
func appendWindow(hist, b []byte, n int) []byte {
	if len(b) >= n {
		return append(hist[:0], b[len(b)-n:]...)
	}
	keep := min(len(hist), n-len(b))
	return append(hist[:copy(hist, hist[len(hist)-keep:])], b...)
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
	hist   []byte // the last window of decompressed bytes
	broken error
}

// window is deflate's: how far back a match may reach.
const window = 32 << 10

// NewDecompressor starts decoding a stream of compressed changes frames.
func NewDecompressor() *Decompressor { return &Decompressor{} }

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
	d.hist = appendWindow(d.hist, out, window)
	return out, nil
}

func (d *Decompressor) decompress(body []byte, limit int) ([]byte, error) {
	size, n := uvarint(body)
	if n <= 0 || size == 0 {
		return nil, fmt.Errorf("%w: compressed changes frame: size", ErrBadFrame)
	}
	if size > uint64(limit) {
		return nil, fmt.Errorf("%w: %d bytes (cap %d)", ErrTooLarge, size, limit)
	}
	d.in.b = body[n:]
	zr := inflaters.Get().(io.ReadCloser)
	defer inflaters.Put(zr)
	if err := zr.(flate.Resetter).Reset(&d.in, d.hist); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(int(min(size, 64<<10)))
	got, err := io.CopyN(&out, zr, int64(size))
	if err != nil {
		return nil, fmt.Errorf("%w: compressed changes frame: %d of %d bytes: %v", ErrBadFrame, got, size, err)
	}
	// What follows must be the flush's empty block and then the frame's
	// end, with no byte more decoded.
	var one [1]byte
	if k, err := zr.Read(one[:]); k != 0 || !errors.Is(err, errFrameEnd) || len(d.in.b) != 0 {
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
