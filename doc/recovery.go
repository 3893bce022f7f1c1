package doc

import (
	"crypto/sha256"
	"encoding/binary"
	"time"

	am "github.com/automerge/automerge-go"
)

// rawChange is what recovery can tell about one change from its bytes
// alone, without the changes it builds on: Automerge will not parse a
// change whose dependencies it lacks, but a recovery report should still
// say which edits are held back.
type rawChange struct {
	hash am.ChangeHash
	msg  string
	at   time.Time
}

// automergeMagic starts every Automerge chunk.
var automergeMagic = [4]byte{0x85, 0x6f, 0x4a, 0x83}

// rawChanges lists the plain change chunks in b (the bytes of Change.Save,
// one after another), from the binary format: magic, checksum, type, a
// LEB128 length and the body. A change's hash is the SHA-256 of its type,
// length and body; the body starts with its dependencies, actor, sequence
// number, start op, time and message. Anything else (a whole document, a
// compressed change) is skipped.
func rawChanges(b []byte) []rawChange {
	var out []rawChange
	for len(b) >= 10 && [4]byte(b[:4]) == automergeMagic {
		n, k := binary.Uvarint(b[9:])
		if k <= 0 || n > uint64(len(b)-9-k) {
			break
		}
		end := 9 + k + int(n)
		if b[8] == 1 {
			rc := rawChange{hash: sha256.Sum256(b[8:end])}
			rc.msg, rc.at = changeHeader(b[9+k : end])
			out = append(out, rc)
		}
		b = b[end:]
	}
	return out
}

// changeHeader reads a change body's message and time, or zero values.
func changeHeader(body []byte) (string, time.Time) {
	next := func() (uint64, bool) {
		v, k := binary.Uvarint(body)
		if k <= 0 {
			return 0, false
		}
		body = body[k:]
		return v, true
	}
	skip := func(n uint64) bool {
		if n > uint64(len(body)) {
			return false
		}
		body = body[n:]
		return true
	}
	deps, ok := next()
	if !ok || !skip(32*deps) {
		return "", time.Time{}
	}
	actor, ok := next()
	if !ok || !skip(actor) {
		return "", time.Time{}
	}
	if _, ok := next(); !ok { // seq
		return "", time.Time{}
	}
	if _, ok := next(); !ok { // start op
		return "", time.Time{}
	}
	ms, k := sleb128(body)
	if k <= 0 {
		return "", time.Time{}
	}
	body = body[k:]
	n, ok := next()
	if !ok || n > uint64(len(body)) {
		return "", time.UnixMilli(ms)
	}
	return string(body[:n]), time.UnixMilli(ms)
}

// sleb128 decodes a signed LEB128 number.
func sleb128(b []byte) (int64, int) {
	var v int64
	var shift uint
	for i, c := range b {
		if i == 10 {
			return 0, -1
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, i + 1
		}
	}
	return 0, -1
}
