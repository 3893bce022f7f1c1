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
// A presence frame's payload, version 2 (the version is agreed in the
// hello and welcome, not repeated in each frame; version 1 is the same
// without the kind flag, so only commitments):
//
//	byte     flags: 1 open follows, 2 cursor follows, 4 before follows,
//	         8 kind follows (version 2)
//	uvarint  seq, as the rise since the previous frame
//	[kind]   byte: what ID names (PresenceKind)
//	[open]   uvarint length + ID, uvarint length + field
//	[cursor] varint: how far the cursor moved, in code points (-1: none)
//	[before] uvarint length + up to MaxPresenceContext code points before
//	         the cursor, to find it again after concurrent edits
//
// Version 3 adds flag 16, before from the text: the code points before
// the cursor are the last MaxPresenceContext before it in the field's
// text at the heads the sender said last, read by the receiver from its
// own copy (a cursor following the typing of a push then costs a byte
// or two). The sender sets it only when its own text there reads so,
// with no edit pending; a receiver not holding exactly those heads
// takes no text before the cursor.
//
// What a flag leaves out is unchanged since the previous frame on the
// stream (a stream delivers frames in order, and each new stream starts
// from the zero Presence, cursor 0 included, as version 1 has it), so a cursor moving while someone types costs a few
// bytes. A frame with no flags is a heartbeat, and so (protocol 5) is an
// empty one: two bytes on the wire.
type Presence struct {
	Seq    uint64
	Kind   PresenceKind // what is open
	ID     string       // the commitment or meeting note open, "" none
	Field  string       // the field being edited, "" none
	Cursor int          // code point offset in Field's text; -1 none
	Before string       // the code points just before the cursor
}

// PresenceKind is the kind of item a presence has open.
type PresenceKind byte

// The kinds of item open. The zero kind is version 1's only one, so a
// version 1 frame reads the same in version 2.
const (
	OpenCommitment PresenceKind = iota // ID a commitment's; with ID "" nothing is open
	OpenOverview                       // the plan's overview and vision
	OpenTimeline                       // the process timeline
	OpenNote                           // ID a meeting note's; "" none chosen
	numPresenceKinds
)

// PresenceVersion is the highest version of the presence payload this
// side reads and writes, as a hello gives it; it reads every version
// from 1 up, and writes to a peer in the lower of the two (Downgrade).
const PresenceVersion = 3

// Downgrade is p as a peer reading version v is told it: a version 1
// peer knows commitments only, so anything else open is nothing.
func (p Presence) Downgrade(v int) Presence {
	if v < 2 && p.Kind != OpenCommitment {
		return Presence{Seq: p.Seq, Cursor: -1}
	}
	return p
}

// Limits of a presence payload.
const (
	MaxPresenceContext = 4  // code points of Before
	maxPresenceID      = 64 // bytes of a commitment ID or field name
	maxPresenceCursor  = 1 << 30
	// MaxPresenceFrame caps a presence frame's body.
	MaxPresenceFrame = 512
)

const (
	presOpen   = 1
	presCursor = 2
	presBefore = 4
	presKind   = 8
	presText   = 16 // before: from the receiver's text (version 3)
)

// NoPresence is nothing open and no cursor: a device's presence before
// it says any.
var NoPresence = Presence{Cursor: -1}

// EncodePresence is a presence frame's payload taking the receiver from
// prev (what was sent last on this stream) to cur; cur.Seq is at least
// prev.Seq.
func EncodePresence(prev, cur Presence) []byte {
	var flags byte
	if cur.Kind != prev.Kind {
		flags |= presKind
	}
	if cur.ID != prev.ID || cur.Field != prev.Field {
		flags |= presOpen
	}
	if cur.Cursor != prev.Cursor {
		flags |= presCursor
	}
	if cur.Before != prev.Before {
		flags |= presBefore
	}
	b := []byte{flags}
	b = binary.AppendUvarint(b, cur.Seq-prev.Seq)
	if flags&presKind != 0 {
		b = append(b, byte(cur.Kind))
	}
	if flags&presOpen != 0 {
		b = appendString(b, cur.ID)
		b = appendString(b, cur.Field)
	}
	if flags&presCursor != 0 {
		b = binary.AppendVarint(b, int64(cur.Cursor)-int64(prev.Cursor))
	}
	if flags&presBefore != 0 {
		b = appendString(b, cur.Before)
	}
	return b
}

// EncodePresenceFromText is EncodePresence, but a changed Before is left
// for the receiver to read from its text (flag 16, version 3).
func EncodePresenceFromText(prev, cur Presence) []byte {
	if cur.Before == prev.Before {
		return EncodePresence(prev, cur)
	}
	b := EncodePresence(prev, Presence{Seq: cur.Seq, Kind: cur.Kind, ID: cur.ID, Field: cur.Field, Cursor: cur.Cursor, Before: prev.Before})
	b[0] |= presText
	return b
}

// BeforeFromText says whether a presence payload leaves Before to be
// read from the receiver's text; ParsePresence then gives it empty.
func BeforeFromText(b []byte) bool { return len(b) > 0 && b[0]&presText != 0 }

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

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
		return prev, nil // a heartbeat
	}
	flags := b[0]
	b = b[1:]
	if flags&^(presOpen|presCursor|presBefore|presKind|presText) != 0 || flags&(presBefore|presText) == presBefore|presText {
		return bad("unknown flags")
	}
	cur := prev
	rise, n := uvarint(b)
	if n <= 0 || cur.Seq+rise < cur.Seq {
		return bad("seq")
	}
	cur.Seq += rise
	b = b[n:]
	var err error
	if flags&presKind != 0 {
		if len(b) == 0 || PresenceKind(b[0]) >= numPresenceKinds {
			return bad("kind")
		}
		cur.Kind = PresenceKind(b[0])
		b = b[1:]
	}
	if flags&presOpen != 0 {
		if cur.ID, b, err = readString(b, maxPresenceID); err != nil {
			return bad("id")
		}
		if cur.Field, b, err = readString(b, maxPresenceID); err != nil {
			return bad("field")
		}
	}
	if flags&presCursor != 0 {
		d, n := binary.Varint(b)
		c := int64(prev.Cursor) + d
		if n <= 0 || d > maxPresenceCursor || d < -maxPresenceCursor || c < -1 || c >= maxPresenceCursor {
			return bad("cursor")
		}
		cur.Cursor = int(c)
		b = b[n:]
	}
	if flags&presBefore != 0 {
		if cur.Before, b, err = readString(b, 4*MaxPresenceContext); err != nil || utf8.RuneCountInString(cur.Before) > MaxPresenceContext {
			return bad("context")
		}
	}
	if flags&presText != 0 {
		cur.Before = ""
	}
	if len(b) != 0 {
		return bad("trailing bytes")
	}
	return cur, nil
}

func readString(b []byte, limit int) (string, []byte, error) {
	l, n := uvarint(b)
	if n <= 0 || l > uint64(limit) || uint64(len(b)-n) < l {
		return "", b, ErrBadFrame
	}
	s := string(b[n : n+int(l)])
	if !utf8.ValidString(s) {
		return "", b, ErrBadFrame
	}
	return s, b[n+int(l):], nil
}
