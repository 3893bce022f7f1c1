package wire

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// JoinProtocolID is the short-code exchange: a PAKE (SPAKE2) keyed by the
// code a person read aloud, after which the inviter hands over the full
// signed invite sealed with the agreed key. It is its own protocol so the
// gate can let unknown devices reach it, and only it, while a code is open.
//
// A stream, joiner first:
//
//	joiner:  JoinStart   (version, nameplate, SPAKE2 share pA)
//	inviter: JoinShare   (share pB) | JoinRefuse
//	joiner:  JoinConfirm (confirmation MAC cA)
//	inviter: JoinInvite  (confirmation MAC cB, sealed invite) | JoinRefuse
//
// The joiner confirms first, so the inviter checks a guess before it says
// anything that depends on the key; each check is one counted attempt.
const JoinProtocolID = "/coplan/join-pake/1"

// JoinVersion is the version a JoinStart carries.
const JoinVersion = 1

// Frame types of a join stream; numbered apart from the sync stream's.
const (
	FrameJoinStart   byte = 0x41
	FrameJoinShare   byte = 0x42
	FrameJoinConfirm byte = 0x43
	FrameJoinInvite  byte = 0x44
	FrameJoinRefuse  byte = 0x45
)

// Sizes in a join stream.
const (
	JoinShareSize  = 65 // an uncompressed P-256 point
	JoinMACSize    = 32 // HMAC-SHA256
	MaxNameplate   = 99
	MaxJoinFrame   = 4 << 10 // every join frame, the sealed invite included
	maxJoinSealed  = MaxJoinFrame - 1 - JoinMACSize
	minJoinSealed  = 16 // an AEAD tag at least
	maxJoinRefusal = 200
)

// ErrBadJoin is a join frame that does not parse.
var ErrBadJoin = errors.New("malformed join frame")

// JoinStart opens a join stream.
type JoinStart struct {
	Version   int
	Nameplate int // 1..MaxNameplate, the number of the short code
	Share     []byte
}

// EncodeJoinStart is a JoinStart frame's payload.
func EncodeJoinStart(s JoinStart) []byte {
	out := []byte{byte(s.Version), byte(s.Nameplate)}
	return append(out, s.Share...)
}

// ParseJoinStart decodes a JoinStart payload.
func ParseJoinStart(b []byte) (JoinStart, error) {
	if len(b) != 2+JoinShareSize {
		return JoinStart{}, fmt.Errorf("%w: start of %d bytes", ErrBadJoin, len(b))
	}
	s := JoinStart{Version: int(b[0]), Nameplate: int(b[1]), Share: append([]byte(nil), b[2:]...)}
	if s.Version != JoinVersion {
		return s, fmt.Errorf("%w: join version %d (this build speaks %d)", ErrBadJoin, s.Version, JoinVersion)
	}
	if s.Nameplate < 1 || s.Nameplate > MaxNameplate {
		return s, fmt.Errorf("%w: nameplate %d", ErrBadJoin, s.Nameplate)
	}
	return s, nil
}

// ParseJoinShare checks a JoinShare payload (the inviter's share).
func ParseJoinShare(b []byte) ([]byte, error) {
	if len(b) != JoinShareSize {
		return nil, fmt.Errorf("%w: share of %d bytes", ErrBadJoin, len(b))
	}
	return append([]byte(nil), b...), nil
}

// ParseJoinConfirm checks a JoinConfirm payload (the joiner's MAC).
func ParseJoinConfirm(b []byte) ([]byte, error) {
	if len(b) != JoinMACSize {
		return nil, fmt.Errorf("%w: confirmation of %d bytes", ErrBadJoin, len(b))
	}
	return append([]byte(nil), b...), nil
}

// JoinInvite is the inviter's confirmation MAC and the full invite code,
// sealed with a key derived from the PAKE's.
type JoinInvite struct {
	Confirm []byte
	Sealed  []byte
}

// EncodeJoinInvite is a JoinInvite frame's payload.
func EncodeJoinInvite(j JoinInvite) []byte {
	return append(append([]byte(nil), j.Confirm...), j.Sealed...)
}

// ParseJoinInvite decodes a JoinInvite payload.
func ParseJoinInvite(b []byte) (JoinInvite, error) {
	if len(b) < JoinMACSize+minJoinSealed || len(b) > JoinMACSize+maxJoinSealed {
		return JoinInvite{}, fmt.Errorf("%w: invite of %d bytes", ErrBadJoin, len(b))
	}
	return JoinInvite{Confirm: append([]byte(nil), b[:JoinMACSize]...), Sealed: append([]byte(nil), b[JoinMACSize:]...)}, nil
}

// Why an inviter refuses a join attempt.
const (
	JoinNoCode    byte = 1 // no open code with that number here
	JoinWrongCode byte = 2 // the confirmation did not verify
	JoinDeadCode  byte = 3 // too many wrong attempts; the code is closed
	JoinUsedCode  byte = 4 // a device already joined with it
	JoinBusy      byte = 5 // too many attempts at once; try again
	JoinBadShare  byte = 6 // the share is not a valid point
	maxJoinReason      = JoinBadShare
)

// JoinRefusal is the inviter's no: a reason, the wrong attempts the code
// still allows, and a short text for logs.
type JoinRefusal struct {
	Reason   byte
	Attempts int
	Text     string
}

// EncodeJoinRefusal is a JoinRefuse frame's payload, the text cut to 200
// bytes on a rune boundary.
func EncodeJoinRefusal(r JoinRefusal) []byte {
	t := r.Text
	if len(t) > maxJoinRefusal {
		t = t[:maxJoinRefusal]
		for len(t) > 0 && !utf8.ValidString(t) {
			t = t[:len(t)-1] // at most three bytes of a cut rune
		}
	}
	return append([]byte{r.Reason, byte(min(max(r.Attempts, 0), 255))}, t...)
}

// ParseJoinRefusal decodes a JoinRefuse payload.
func ParseJoinRefusal(b []byte) (JoinRefusal, error) {
	if len(b) < 2 || len(b) > 2+maxJoinRefusal {
		return JoinRefusal{}, fmt.Errorf("%w: refusal of %d bytes", ErrBadJoin, len(b))
	}
	r := JoinRefusal{Reason: b[0], Attempts: int(b[1]), Text: string(b[2:])}
	if r.Reason == 0 || r.Reason > maxJoinReason {
		return r, fmt.Errorf("%w: refusal reason %d", ErrBadJoin, r.Reason)
	}
	if !utf8.ValidString(r.Text) {
		return r, fmt.Errorf("%w: refusal text is not UTF-8", ErrBadJoin)
	}
	return r, nil
}
