package wire

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// A bundle frame (FrameBundle) is a bundle's body (bundle.go: inner
// frames back to back) deflated as part of one stream per direction of a
// session: each frame ends in a sync flush, so it decodes on arrival, its
// matches reaching up to 32 KiB back into what the stream carried before
// (deflate's window). A keystroke's change shares most of its bytes
// (actor, column layout, message) with the one before it, which a change
// compressed alone cannot use.
//
//	uvarint size   of the body it holds, at most MaxFrame
//	deflate data   ending in a sync flush, whose last 4 bytes (00 00 ff
//	               ff, the same in every frame) are left off, as RFC 7692
//	               does
//
// After each frame both ends add to the stream's context, unsent, the
// hash of each change the frame carried (Automerge's change hash, SHA-256
// of the change from its ninth byte): a level frame naming it as a head
// then costs a match instead of 32 incompressible bytes. Since protocol
// 6 the changes inside travel as compact frames (compact.go), which name
// their dependencies by reference.
//
// Frames of a stream must be decoded in order, each exactly once.

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
	hist []byte // the last encContext bytes compressed, hashes included
	n    uint64 // frames compressed
	dir  direction
	tab  *Tables
	// hashes are the change hashes of the last frame: context for the
	// next, given to an encoder that goes on from that frame.
	hashes, prevHashes []byte
}

// syncMarker ends every sync flush; frames leave it off.
var syncMarker = []byte{0, 0, 0xff, 0xff}

// NewCompressor starts a stream of compressed frames.
func NewCompressor() *Compressor { return &Compressor{tab: new(Tables)} }

// NewCodec is a session's two streams, the one it sends and the one it
// receives, sharing what changes crossed each way.
func NewCodec() (*Compressor, *Decompressor) {
	t := new(Tables)
	return &Compressor{tab: t}, &Decompressor{tab: t}
}

// compact turns the bundle's changes frames into compact frames; a body
// that is not a bundle goes as it is (the receiver refuses it).
func (c *Compressor) compact(body []byte) []byte {
	c.hashes = c.hashes[:0]
	inner, err := ParseBundle(body)
	if err != nil || !slices.ContainsFunc(inner, func(f Inner) bool { return f.Type == FrameChanges || f.Type == FrameLevel }) {
		return body
	}
	out := make([]byte, 0, len(body))
	for _, f := range inner {
		if f.Type == FrameChanges {
			if changes, err := ParseChanges(f.Payload); err == nil {
				out = AppendInner(out, FrameCompact, encodeCompact(&c.dir, c.tab, changes, &c.hashes))
				continue
			}
		}
		if f.Type == FrameLevel && len(f.Payload) > 0 && len(f.Payload)%32 == 0 {
			out = AppendInner(out, FrameCompactLevel, encodeLevel(&c.dir, c.tab, f.Payload))
			continue
		}
		out = AppendInner(out, f.Type, f.Payload)
	}
	return out
}

// Compress returns a FrameBundle payload holding body, a bundle's inner
// frames. The returned slice is valid until the next call.
func (c *Compressor) Compress(body []byte) ([]byte, error) {
	body = c.compact(body)
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	resume := e.owner == c && e.ownerN == c.n
	e.owner = nil // until this frame is through
	if !resume {
		e.out.w = io.Discard
		e.zw.Reset(&e.out)
	}
	// Context to load: the whole window, or for an encoder that goes on
	// from the last frame the hashes that followed it.
	load := c.hist
	if resume {
		load = c.prevHashes
	}
	if len(load) > 0 {
		if _, err := e.zw.Write(load); err != nil {
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
	c.hist = appendWindow(c.hist, c.hashes, encContext)
	c.prevHashes, c.hashes = c.hashes, c.prevHashes
	out := dst.Bytes()
	if !bytes.HasSuffix(out, syncMarker) {
		return nil, errors.New("deflate flush without its sync marker")
	}
	return out[:len(out)-len(syncMarker)], nil
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
	dir    direction
	tab    *Tables
}

// window is deflate's: how far back a match may reach.
const window = 32 << 10

// NewDecompressor starts decoding a stream of compressed changes frames.
func NewDecompressor() *Decompressor { return &Decompressor{tab: new(Tables)} }

// Decompress returns the inner frames a FrameBundle payload holds, each
// checked against its type's cap (ParseBundle). limit caps the
// decompressed size: a frame claiming more is refused before anything is
// decoded, and one whose deflate data holds less or more than it claims
// is malformed. Memory grows with what is actually decoded, so a tiny
// frame claiming the cap costs little. Each compact frame's changes are
// rebuilt within limit too.
func (d *Decompressor) Decompress(body []byte, limit int) ([]Inner, error) {
	if d.broken != nil {
		return nil, d.broken
	}
	out, err := d.decompress(body, limit)
	var inner []Inner
	if err == nil {
		inner, err = ParseBundle(out)
	}
	var hashes []byte
	for i := 0; err == nil && i < len(inner); i++ {
		switch inner[i].Type {
		case FrameCompact:
			var changes [][]byte
			changes, err = decodeCompact(&d.dir, d.tab, inner[i].Payload, limit, &hashes)
			inner[i] = Inner{Type: FrameChanges, Payload: EncodeChanges(changes)}
		case FrameCompactLevel:
			var heads []byte
			heads, err = decodeLevel(&d.dir, d.tab, inner[i].Payload)
			inner[i] = Inner{Type: FrameLevel, Payload: heads}
		}
	}
	if err != nil {
		d.broken = err
		return nil, err
	}
	d.hist = appendWindow(d.hist, out, window)
	d.hist = appendWindow(d.hist, hashes, window)
	return inner, nil
}

func (d *Decompressor) decompress(body []byte, limit int) ([]byte, error) {
	size, n := uvarint(body)
	if n <= 0 || size == 0 {
		return nil, fmt.Errorf("%w: bundle frame: size", ErrBadFrame)
	}
	if size > uint64(limit) {
		return nil, fmt.Errorf("%w: %d bytes (cap %d)", ErrTooLarge, size, limit)
	}
	d.in.b, d.in.tail = body[n:], syncMarker
	zr := inflaters.Get().(io.ReadCloser)
	defer inflaters.Put(zr)
	if err := zr.(flate.Resetter).Reset(&d.in, d.hist); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(int(min(size, 64<<10)))
	got, err := io.CopyN(&out, zr, int64(size))
	if err != nil {
		return nil, fmt.Errorf("%w: bundle frame: %d of %d bytes: %v", ErrBadFrame, got, size, err)
	}
	// What follows must be the flush's empty block and then the frame's
	// end, with no byte more decoded.
	var one [1]byte
	if k, err := zr.Read(one[:]); k != 0 || !errors.Is(err, errFrameEnd) || len(d.in.b)+len(d.in.tail) != 0 {
		return nil, fmt.Errorf("%w: bundle frame: more than its %d bytes", ErrBadFrame, size)
	}
	return out.Bytes(), nil
}

// errFrameEnd: the deflate data wanted more than its frame holds.
var errFrameEnd = errors.New("deflate data runs past the end of its frame")

// frameInput feeds the decompressor one frame's bytes, then the sync
// marker the frame left off. It implements io.ByteReader, so flate reads
// no further than it needs.
type frameInput struct{ b, tail []byte }

func (f *frameInput) next() bool {
	if len(f.b) == 0 {
		f.b, f.tail = f.tail, nil
	}
	return len(f.b) > 0
}

func (f *frameInput) Read(p []byte) (int, error) {
	if !f.next() {
		return 0, errFrameEnd
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

func (f *frameInput) ReadByte() (byte, error) {
	if !f.next() {
		return 0, errFrameEnd
	}
	c := f.b[0]
	f.b = f.b[1:]
	return c, nil
}
