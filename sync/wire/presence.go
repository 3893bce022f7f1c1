package wire

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// Presence is what a device has open, carried in presence frames: never
// stored in the plan. Who the device is (member name, organisation, side)
// the receiver knows from the plan's authority; a frame only says what is
// open and where the cursor is.
//
// A presence frame's payload, version 1:
//
//	byte     version (1)
//	uvarint  seq: the sender's presence counter, rising with each change
//	byte     flags: 1 open follows, 2 cursor follows, 4 before follows
//	[open]   uvarint length + commitment ID, uvarint length + field
//	[cursor] uvarint offset+1 in code points (0: no cursor)
//	[before] uvarint length + up to MaxPresenceContext code points before
//	         the cursor, to find it again after concurrent edits
//
// What a flag leaves out is unchanged since the previous frame on the
// stream (a stream delivers frames in order, and each new stream starts
// from the zero Presence), so a cursor moving while someone types costs a
// few bytes. A frame with no flags is a heartbeat. A receiver ignores a
// frame of a version it does not know.
type Presence struct {
	Seq        uint64
	Commitment string // the commitment open, "" none
	Field      string // the field being edited, "" none
	Cursor     int    // code point offset in Field's text; -1 none
	Before     string // the code points just before the cursor
}

// PresenceVersion is the version of the presence payload this side writes.
const PresenceVersion = 1

// Limits of a presence payload.
const (
	MaxPresenceContext = 6  // code points of Before
	maxPresenceID      = 64 // bytes of a commitment ID or field name
	maxPresenceCursor  = 1 << 30
	// MaxPresenceFrame caps a presence frame's body.
	MaxPresenceFrame = 512
)

const (
	presOpen   = 1
	presCursor = 2
	presBefore = 4
)

// NoPresence is the state a stream starts from.
var NoPresence = Presence{Cursor: -1}

// EncodePresence is a presence frame's payload taking the receiver from
// prev (what was sent last on this stream) to cur.
func EncodePresence(prev, cur Presence) []byte {
	b := []byte{PresenceVersion}
	b = binary.AppendUvarint(b, cur.Seq)
	var flags byte
	if cur.Commitment != prev.Commitment || cur.Field != prev.Field {
		flags |= presOpen
	}
	if cur.Cursor != prev.Cursor {
		flags |= presCursor
	}
	if cur.Before != prev.Before {
		flags |= presBefore
	}
	b = append(b, flags)
	if flags&presOpen != 0 {
		b = appendString(b, cur.Commitment)
		b = appendString(b, cur.Field)
	}
	if flags&presCursor != 0 {
		b = binary.AppendUvarint(b, uint64(max(cur.Cursor, -1)+1))
	}
	if flags&presBefore != 0 {
		b = appendString(b, cur.Before)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// ErrPresenceVersion says a presence frame is of a version this side does
// not read; the receiver ignores it.
var ErrPresenceVersion = fmt.Errorf("%w: presence of an unknown version", ErrBadFrame)

// ParsePresence applies a presence frame's payload to prev, the state the
// previous frame on the stream left.
func ParsePresence(b []byte, prev Presence) (Presence, error) {
	bad := func(what string) (Presence, error) {
		return prev, fmt.Errorf("%w: presence: %s", ErrBadFrame, what)
	}
	if len(b) > MaxPresenceFrame {
		return bad("too long")
	}
	if len(b) == 0 {
		return bad("empty")
	}
	if b[0] != PresenceVersion {
		return prev, ErrPresenceVersion
	}
	b = b[1:]
	cur := prev
	seq, n := binary.Uvarint(b)
	if n <= 0 {
		return bad("seq")
	}
	cur.Seq = seq
	b = b[n:]
	if len(b) == 0 {
		return bad("flags")
	}
	flags := b[0]
	b = b[1:]
	if flags&^(presOpen|presCursor|presBefore) != 0 {
		return bad("unknown flags")
	}
	var err error
	if flags&presOpen != 0 {
		if cur.Commitment, b, err = readString(b, maxPresenceID); err != nil {
			return bad("commitment")
		}
		if cur.Field, b, err = readString(b, maxPresenceID); err != nil {
			return bad("field")
		}
	}
	if flags&presCursor != 0 {
		c, n := binary.Uvarint(b)
		if n <= 0 || c > maxPresenceCursor {
			return bad("cursor")
		}
		cur.Cursor = int(c) - 1
		b = b[n:]
	}
	if flags&presBefore != 0 {
		if cur.Before, b, err = readString(b, 4*MaxPresenceContext); err != nil || utf8.RuneCountInString(cur.Before) > MaxPresenceContext {
			return bad("context")
		}
	}
	if len(b) != 0 {
		return bad("trailing bytes")
	}
	return cur, nil
}

func readString(b []byte, limit int) (string, []byte, error) {
	l, n := binary.Uvarint(b)
	if n <= 0 || l > uint64(limit) || uint64(len(b)-n) < l {
		return "", b, ErrBadFrame
	}
	s := string(b[n : n+int(l)])
	if !utf8.ValidString(s) {
		return "", b, ErrBadFrame
	}
	return s, b[n+int(l):], nil
}
