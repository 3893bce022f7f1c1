package wire

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// A state frame says what its sender holds: its heads, heads both sides
// held when last level (its base), the 8-byte prefixes of the hashes of
// the changes it holds beyond that base (so the receiver need not send
// those), and optionally a fetch: "send me every change I lack", answered
// by a fetched frame with the same number once the changes are sent.
//
//	flags byte (bit 0: forget what you have sent me)
//	uvarint fetch
//	uvarint n, n x 32 bytes   heads
//	uvarint n, n x 32 bytes   base
//	uvarint n, n x 8 bytes    have
//
// A changes frame carries encoded changes, each complete, in dependency
// order: uvarint count, then for each a uvarint length and the bytes.
// A fetched frame is the uvarint fetch number it answers.

// State is a state frame's payload.
type State struct {
	Heads []string // hex hashes, as in the plan's heads
	Base  []string
	Have  []uint64 // HashPrefix of changes held beyond Base
	Fetch uint64   // nonzero: a fetch, answered by a fetched frame
	Reset bool     // forget what you have sent me: send it again
}

// Caps on a state frame.
const (
	MaxHave      = 1 << 20 // 8 MiB of prefixes
	maxStateHead = maxHeads
)

// HashPrefix is the first 8 bytes of a hex change hash, as in a state
// frame's have list; 0 for a string that is not one.
func HashPrefix(h string) uint64 {
	if len(h) < 16 {
		return 0
	}
	b, err := hex.DecodeString(h[:16])
	if err != nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// EncodeState is a state frame's payload. Hashes that are not 32 bytes of
// hex are skipped.
func EncodeState(s State) []byte {
	out := make([]byte, 0, 16+32*(len(s.Heads)+len(s.Base))+8*len(s.Have))
	var flags byte
	if s.Reset {
		flags |= 1
	}
	out = append(out, flags)
	out = binary.AppendUvarint(out, s.Fetch)
	for _, hs := range [][]string{s.Heads, s.Base} {
		enc := EncodeHeads(hs)
		out = binary.AppendUvarint(out, uint64(len(enc)/32))
		out = append(out, enc...)
	}
	out = binary.AppendUvarint(out, uint64(len(s.Have)))
	for _, p := range s.Have {
		out = binary.BigEndian.AppendUint64(out, p)
	}
	return out
}

// ParseState decodes a state frame's payload.
func ParseState(b []byte) (State, error) {
	var s State
	bad := func(what string) (State, error) {
		return State{}, fmt.Errorf("%w: state frame: %s", ErrBadFrame, what)
	}
	if len(b) < 1 || b[0]&^1 != 0 {
		return bad("flags")
	}
	s.Reset = b[0]&1 != 0
	b = b[1:]
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return bad("fetch number")
	}
	s.Fetch, b = v, b[n:]
	for _, dst := range []*[]string{&s.Heads, &s.Base} {
		count, n := binary.Uvarint(b)
		if n <= 0 || count > maxStateHead || count*32 > uint64(len(b)-n) {
			return bad("heads")
		}
		hs, err := DecodeHeads(b[n : n+int(count)*32])
		if err != nil {
			return bad("heads")
		}
		*dst, b = hs, b[n+int(count)*32:]
	}
	count, n := binary.Uvarint(b)
	if n <= 0 || count > MaxHave || count*8 != uint64(len(b)-n) {
		return bad("have list")
	}
	b = b[n:]
	s.Have = make([]uint64, count)
	for i := range s.Have {
		s.Have[i] = binary.BigEndian.Uint64(b[8*i:])
	}
	return s, nil
}

// AppendChange adds one encoded change to a changes frame's payload (after
// its count).
func AppendChange(dst, change []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(change)))
	return append(dst, change...)
}

// EncodeChanges is a changes frame's payload.
func EncodeChanges(changes [][]byte) []byte {
	size := binary.MaxVarintLen64
	for _, c := range changes {
		size += len(c) + binary.MaxVarintLen64
	}
	out := binary.AppendUvarint(make([]byte, 0, size), uint64(len(changes)))
	for _, c := range changes {
		out = AppendChange(out, c)
	}
	return out
}

// ChangesOverhead is what a changes frame adds to the bytes of n changes
// of at most size bytes each, at most.
func ChangesOverhead(n int) int { return binary.MaxVarintLen64 * (n + 1) }

// ParseChanges decodes a changes frame's payload; the changes share b's
// memory. What each change holds is for the plan to check.
func ParseChanges(b []byte) ([][]byte, error) {
	count, n := binary.Uvarint(b)
	if n <= 0 || count > uint64(len(b)) {
		return nil, fmt.Errorf("%w: changes frame: count", ErrBadFrame)
	}
	b = b[n:]
	out := make([][]byte, 0, count)
	for range count {
		size, n := binary.Uvarint(b)
		if n <= 0 || size == 0 || size > uint64(len(b)-n) {
			return nil, fmt.Errorf("%w: changes frame: change %d of %d", ErrBadFrame, len(out)+1, count)
		}
		out = append(out, b[n:n+int(size)])
		b = b[n+int(size):]
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: changes frame: %d bytes after the last change", ErrBadFrame, len(b))
	}
	return out, nil
}

// EncodeFetched is a fetched frame's payload.
func EncodeFetched(fetch uint64) []byte { return binary.AppendUvarint(nil, fetch) }

// ParseFetched decodes a fetched frame's payload.
func ParseFetched(b []byte) (uint64, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 || n != len(b) || v == 0 {
		return 0, fmt.Errorf("%w: fetched frame", ErrBadFrame)
	}
	return v, nil
}
