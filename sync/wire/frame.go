package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
)

// A frame is a uvarint length, then that many bytes of body, whose first
// byte is the frame type. Lengths are checked against a cap before
// anything is allocated, so a peer cannot make us buy memory.

// Reader reads frames from a stream. Its byte count may be read while
// another goroutine reads frames.
type Reader struct {
	r       *bufio.Reader
	n       atomic.Int64 // bytes read, framing included
	largest atomic.Int64 // the largest frame read, framing included
}

// NewReader reads frames from r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReader(r)} }

// ReadFrame returns the next frame's type and payload. limit caps the
// body (type byte and payload). A clean end of stream before a frame
// starts is io.EOF.
func (fr *Reader) ReadFrame(limit int) (byte, []byte, error) {
	size, err := fr.readLength()
	if err != nil {
		return 0, nil, err
	}
	if size == 0 {
		return 0, nil, fmt.Errorf("%w: empty frame", ErrBadFrame)
	}
	if size > uint64(limit) {
		return 0, nil, fmt.Errorf("%w: %d bytes (cap %d)", ErrFrameTooBig, size, limit)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(fr.r, body); err != nil {
		return 0, nil, fmt.Errorf("%w: truncated %d-byte frame: %v", ErrBadFrame, size, err)
	}
	whole := int64(uvarintLen(size)) + int64(size)
	fr.n.Add(whole)
	if whole > fr.largest.Load() {
		fr.largest.Store(whole)
	}
	return body[0], body[1:], nil
}

// Largest is the size of the largest frame read so far, framing included.
func (fr *Reader) Largest() int64 { return fr.largest.Load() }

// readLength reads a frame's uvarint length. A stream that ends cleanly
// before it is io.EOF; one that fails is that error, not a bad frame.
func (fr *Reader) readLength() (uint64, error) {
	var x uint64
	for i := 0; i < binary.MaxVarintLen64; i++ {
		b, err := fr.r.ReadByte()
		if err != nil {
			switch {
			case i == 0 && errors.Is(err, io.EOF):
				return 0, io.EOF
			case errors.Is(err, io.EOF):
				return 0, fmt.Errorf("%w: length: %v", ErrBadFrame, io.ErrUnexpectedEOF)
			}
			return 0, fmt.Errorf("reading a frame: %w", err)
		}
		if i == binary.MaxVarintLen64-1 && b > 1 {
			break
		}
		x |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			return x, nil
		}
	}
	return 0, fmt.Errorf("%w: length overflows", ErrBadFrame)
}

// BytesRead counts the bytes of every whole frame read so far.
func (fr *Reader) BytesRead() int64 { return fr.n.Load() }

// ReadSnapshot reads size bytes of compressed snapshot, sent as snapshot
// frames after a welcome that announced size. beforeChunk, if not nil,
// runs before each frame is read (the caller sets a read deadline there).
func (fr *Reader) ReadSnapshot(size int64, beforeChunk func()) ([]byte, error) {
	if size <= 0 || size > MaxSnapshot {
		return nil, fmt.Errorf("%w: snapshot of %d bytes", ErrBadFrame, size)
	}
	buf := make([]byte, 0, size)
	for int64(len(buf)) < size {
		if beforeChunk != nil {
			beforeChunk()
		}
		typ, body, err := fr.ReadFrame(SnapshotChunk + 1)
		if err != nil {
			return nil, err
		}
		if typ != FrameSnapshot || len(body) == 0 || int64(len(buf)+len(body)) > size {
			return nil, fmt.Errorf("%w: bad snapshot chunk", ErrBadFrame)
		}
		buf = append(buf, body...)
	}
	return buf, nil
}

func uvarintLen(x uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], x)
}

// AppendFrame appends one encoded frame to dst.
func AppendFrame(dst []byte, typ byte, payload []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(payload)+1))
	dst = append(dst, typ)
	return append(dst, payload...)
}

// Writer writes frames to a stream, each in one Write. Its byte count may
// be read while another goroutine writes.
type Writer struct {
	w       io.Writer
	n       atomic.Int64
	largest atomic.Int64
}

// NewWriter writes frames to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// WriteFrame writes one frame.
func (fw *Writer) WriteFrame(typ byte, payload []byte) error {
	buf := AppendFrame(make([]byte, 0, len(payload)+binary.MaxVarintLen64+1), typ, payload)
	n, err := fw.w.Write(buf)
	fw.n.Add(int64(n))
	if int64(len(buf)) > fw.largest.Load() {
		fw.largest.Store(int64(len(buf)))
	}
	return err
}

// Largest is the size of the largest frame written so far, framing
// included.
func (fw *Writer) Largest() int64 { return fw.largest.Load() }

// BytesWritten counts the bytes written so far, framing included.
func (fw *Writer) BytesWritten() int64 { return fw.n.Load() }

// WriteSnapshot writes snap as snapshot frames of at most SnapshotChunk
// bytes. beforeChunk, if not nil, runs before each frame is written (the
// caller sets a write deadline there).
func (fw *Writer) WriteSnapshot(snap []byte, beforeChunk func()) error {
	for off := 0; off < len(snap); off += SnapshotChunk {
		if beforeChunk != nil {
			beforeChunk()
		}
		if err := fw.WriteFrame(FrameSnapshot, snap[off:min(off+SnapshotChunk, len(snap))]); err != nil {
			return err
		}
	}
	return nil
}
