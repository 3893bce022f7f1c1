package wire

import (
	"encoding/binary"
	"fmt"
)

// A bundle is what one compressed frame (FrameBundle) carries: inner
// frames back to back, each framed as a frame on the stream is (uvarint
// length, type byte, payload). A push and what goes with it (the
// sender's heads, its presence) so pay one frame's overhead, and
// presence compresses in the stream's context: the text before a cursor
// was just typed, in the change before it.
//
// Only these types go inside, each under its own cap: changes (as
// compact frames since protocol 6), level,
// advance, echo and presence frames. An advance frame goes only inside a
// bundle, after the changes it advances by.

// Inner is one frame of a bundle.
type Inner struct {
	Type    byte
	Payload []byte
}

// innerCap is the cap on an inner frame's body (type byte and payload);
// 0: the type may not go in a bundle.
func innerCap(typ byte) int {
	switch typ {
	case FrameChanges, FrameCompact:
		return MaxFrame
	case FrameLevel:
		return 1 + 32*maxHeads
	case FrameCompactLevel:
		return 1 + 33*maxHeads
	case FrameAdvance, FrameEcho:
		return 1 + binary.MaxVarintLen64
	case FramePresence:
		return 1 + MaxPresenceFrame
	}
	return 0
}

// AppendInner appends one inner frame to a bundle's body.
func AppendInner(dst []byte, typ byte, payload []byte) []byte {
	return AppendFrame(dst, typ, payload)
}

// ParseBundle splits a bundle's body into its inner frames, refusing an
// empty bundle, a type not allowed inside and a frame past its type's
// cap or past the bundle's end. Payloads alias b.
func ParseBundle(b []byte) ([]Inner, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty bundle", ErrBadFrame)
	}
	var out []Inner
	for len(b) > 0 {
		size, n := uvarint(b)
		if n <= 0 || size == 0 || size > uint64(len(b)-n) {
			return nil, fmt.Errorf("%w: bundle: inner frame length", ErrBadFrame)
		}
		body := b[n : n+int(size)]
		limit := innerCap(body[0])
		if limit == 0 {
			return nil, fmt.Errorf("%w: type %d in a bundle", ErrBadFrame, body[0])
		}
		if len(body) > limit {
			return nil, fmt.Errorf("%w: bundle: %d-byte frame of type %d (cap %d)", ErrFrameTooBig, len(body), body[0], limit)
		}
		out = append(out, Inner{Type: body[0], Payload: body[1:]})
		b = b[n+int(size):]
	}
	return out, nil
}

// An echo frame says the sender's heads are exactly those of the
// receiver's level frame number k (counting the level and advance frames
// the receiver sent on this stream, from 1): a live change's receiver so
// answers its level in a byte or two instead of 32 incompressible ones.
// A sender that no longer remembers frame k ignores it; the next state
// or level tells.

// EncodeEcho is an echo frame's payload.
func EncodeEcho(k uint64) []byte { return binary.AppendUvarint(nil, k) }

// ParseEcho reads an echo frame's payload.
func ParseEcho(b []byte) (uint64, error) {
	k, n := uvarint(b)
	if n <= 0 || n != len(b) || k == 0 {
		return 0, fmt.Errorf("%w: echo frame", ErrBadFrame)
	}
	return k, nil
}

// An advance frame says the sender's heads are those it said last on
// this stream (in a state, level, advance or echo frame), joined, if it
// names one, by the heads of the receiver's level frame k (numbered as
// for an echo: what the sender merged from the receiver), then advanced
// by the changes before it in its bundle: each change replaces the heads
// it depends on. The receiver works them out, and the sender sends it
// only when that gives its heads exactly, so a push's level costs no
// hash at all. A receiver that does not know a base ignores it until
// the next level frame, which a state from it brings.
//
//	[uvarint k]   absent: no level of the receiver's joins

// EncodeAdvance is an advance frame's payload; k 0 names no level.
func EncodeAdvance(k uint64) []byte {
	if k == 0 {
		return nil
	}
	return EncodeEcho(k)
}

// ParseAdvance reads an advance frame's payload: the level it names, 0
// none.
func ParseAdvance(b []byte) (uint64, error) {
	if len(b) == 0 {
		return 0, nil
	}
	return ParseEcho(b)
}
