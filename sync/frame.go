package sync

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
)

// Frames on a /coplan/sync/1 stream: a uvarint length, then that many bytes
// of body, whose first byte is the frame type. Lengths are checked against a
// cap before anything is allocated, so a peer cannot make us buy memory.
const (
	frameHello    byte = 1 // JSON Hello, first frame from the dialer
	frameWelcome  byte = 2 // JSON Welcome, the listener's yes
	frameRefuse   byte = 3 // UTF-8 reason, the listener's no
	frameSnapshot byte = 4 // a chunk of a compressed snapshot
	frameSync     byte = 5 // one Automerge sync message
	frameLevel    byte = 6 // the sender's heads when it has nothing more to send
	frameRestart  byte = 7 // "I restarted my sync state; restart yours"
)

// Caps on frame bodies.
const (
	MaxHelloFrame = 16 << 10 // hello, welcome and refusal
	MaxFrame      = 16 << 20 // sync messages: large after weeks offline
	SnapshotChunk = 1 << 20  // snapshots travel in chunks of this size
	MaxSnapshot   = 512 << 20
	maxHeads      = 4096 // heads in a level frame
)

// Sentinel errors for what a peer sent.
var (
	ErrFrameTooBig = errors.New("frame exceeds size cap")
	ErrBadFrame    = errors.New("malformed frame")
)

type frameReader struct {
	r *bufio.Reader
	n atomic.Int64 // bytes read, framing included
}

func newFrameReader(r io.Reader) *frameReader { return &frameReader{r: bufio.NewReader(r)} }

// read returns the next frame's type and payload. limit caps the body.
func (fr *frameReader) read(limit int) (byte, []byte, error) {
	size, err := binary.ReadUvarint(fr.r)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, nil, io.EOF
		}
		return 0, nil, fmt.Errorf("%w: length: %v", ErrBadFrame, err)
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
	fr.n.Add(int64(uvarintLen(size)) + int64(size))
	return body[0], body[1:], nil
}

func uvarintLen(x uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], x)
}

// appendFrame encodes one frame.
func appendFrame(dst []byte, typ byte, payload []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(payload)+1))
	dst = append(dst, typ)
	return append(dst, payload...)
}

type frameWriter struct {
	w io.Writer
	n atomic.Int64
}

func (fw *frameWriter) write(typ byte, payload []byte) error {
	buf := appendFrame(make([]byte, 0, len(payload)+binary.MaxVarintLen64+1), typ, payload)
	n, err := fw.w.Write(buf)
	fw.n.Add(int64(n))
	return err
}
