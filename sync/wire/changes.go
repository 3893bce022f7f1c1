package wire

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
)

// A state frame says what its sender holds: its heads, heads both sides
// held when last level (its base), and for each actor with changes beyond
// that base the sequence number of its last one held (a replica holds an
// actor's changes in order, so with the base this is exactly what it
// holds); optionally a fetch: "send me every change I lack", answered by
// a fetched frame with the same number once the changes are sent.
//
//	flags byte (bit 0: forget what you have sent me)
//	uvarint fetch
//	uvarint n, n x 32 bytes   heads
//	uvarint n, n x 32 bytes   base
//	uvarint n, n x (uvarint len, actor bytes, uvarint seq)   clock
//	uvarint n, n x (uvarint len, peer ID bytes)   authors (fetch only)
//
// A fetch names the devices the fetcher is in session with: they push
// their own changes to it, so the answer leaves those out.
//
// A changes frame carries encoded changes, each complete, in dependency
// order: uvarint count, then for each a uvarint length and the bytes.
// A fetched frame is the uvarint fetch number it answers.

// State is a state frame's payload.
type State struct {
	Heads []string // hex hashes, as in the plan's heads
	Base  []string
	Clock map[string]uint64 // hex actor ID -> last sequence number held, beyond Base
	Fetch uint64            // nonzero: a fetch, answered by a fetched frame
	Reset bool              // forget what you have sent me: send it again
	// Authors are devices (binary peer IDs, as strings) whose changes a
	// fetch's answer leaves out.
	Authors []string
}

// Caps on a state frame.
const (
	MaxClock     = 1 << 16 // actors
	maxActor     = 64      // bytes of an actor ID
	maxAuthors   = 1024
	maxPeerID    = 128
	maxStateHead = maxHeads
)

// EncodeState is a state frame's payload. Hashes that are not 32 bytes of
// hex are skipped.
func EncodeState(s State) []byte {
	out := make([]byte, 0, 16+32*(len(s.Heads)+len(s.Base))+26*len(s.Clock))
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
	actors := make([]string, 0, len(s.Clock))
	for a := range s.Clock {
		if b, err := hex.DecodeString(a); err == nil && len(b) > 0 && len(b) <= maxActor {
			actors = append(actors, a)
		}
	}
	sort.Strings(actors)
	out = binary.AppendUvarint(out, uint64(len(actors)))
	for _, a := range actors {
		b, _ := hex.DecodeString(a)
		out = binary.AppendUvarint(out, uint64(len(b)))
		out = append(out, b...)
		out = binary.AppendUvarint(out, s.Clock[a])
	}
	var authors []string
	for _, a := range s.Authors {
		if len(a) > 0 && len(a) <= maxPeerID {
			authors = append(authors, a)
		}
	}
	out = binary.AppendUvarint(out, uint64(len(authors)))
	for _, a := range authors {
		out = binary.AppendUvarint(out, uint64(len(a)))
		out = append(out, a...)
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
	v, n := uvarint(b)
	if n <= 0 {
		return bad("fetch number")
	}
	s.Fetch, b = v, b[n:]
	for _, dst := range []*[]string{&s.Heads, &s.Base} {
		count, n := uvarint(b)
		if n <= 0 || count > maxStateHead || count*32 > uint64(len(b)-n) {
			return bad("heads")
		}
		hs, err := DecodeHeads(b[n : n+int(count)*32])
		if err != nil {
			return bad("heads")
		}
		*dst, b = hs, b[n+int(count)*32:]
	}
	count, n := uvarint(b)
	if n <= 0 || count > MaxClock || count*3 > uint64(len(b)-n) {
		return bad("clock")
	}
	b = b[n:]
	s.Clock = make(map[string]uint64, count)
	for range count {
		size, n := uvarint(b)
		if n <= 0 || size == 0 || size > maxActor || size > uint64(len(b)-n) {
			return bad("clock actor")
		}
		actor := hex.EncodeToString(b[n : n+int(size)])
		b = b[n+int(size):]
		seq, k := uvarint(b)
		if k <= 0 {
			return bad("clock sequence number")
		}
		if _, dup := s.Clock[actor]; dup {
			return bad("clock names an actor twice")
		}
		s.Clock[actor], b = seq, b[k:]
	}
	count, n = uvarint(b)
	if n <= 0 || count > maxAuthors || count > uint64(len(b)-n) {
		return bad("authors")
	}
	b = b[n:]
	for range count {
		size, n := uvarint(b)
		if n <= 0 || size == 0 || size > maxPeerID || size > uint64(len(b)-n) {
			return bad("author")
		}
		s.Authors = append(s.Authors, string(b[n:n+int(size)]))
		b = b[n+int(size):]
	}
	if len(b) != 0 {
		return bad("trailing bytes")
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
	count, n := uvarint(b)
	if n <= 0 || count > uint64(len(b)) {
		return nil, fmt.Errorf("%w: changes frame: count", ErrBadFrame)
	}
	b = b[n:]
	out := make([][]byte, 0, count)
	for range count {
		size, n := uvarint(b)
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
	v, n := uvarint(b)
	if n <= 0 || n != len(b) || v == 0 {
		return 0, fmt.Errorf("%w: fetched frame", ErrBadFrame)
	}
	return v, nil
}

// uvarint reads a uvarint in its one shortest form: a padded one (0x80 0x00
// for 0) is refused (n = 0), so every frame that parses has one encoding.
func uvarint(b []byte) (uint64, int) {
	v, n := binary.Uvarint(b)
	if n > 1 && b[n-1] == 0 {
		return 0, 0
	}
	return v, n
}
