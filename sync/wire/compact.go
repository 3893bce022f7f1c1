package wire

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
)

// A compact frame (FrameCompact, protocol 6) is a changes frame as it
// travels inside a bundle: each Automerge change re-encoded against what
// the session carried before, and rebuilt byte for byte on arrival, so
// its hash is the one it was made with. A keystroke's change is mostly
// bytes the receiver can work out: its checksum (the first four bytes of
// its hash), its dependencies (hashes of changes that just crossed the
// session, one way or the other), its actor, sequence number, start op
// and time (a small step from the same actor's change before), its
// message and column layout (often the same as before). Only its column
// data is new; deflate, in the bundle's stream, does the rest.
//
//	uvarint n, then n changes, each:
//	  uvarint 0, uvarint len, bytes   as it is (anything else)
//	  uvarint 1, compact change:
//	    uvarint n, n refs             its dependencies
//	    actor                         0, uvarint len, bytes; or k: the
//	                                  k-th actor this direction named
//	    varint seq, start op, time    steps from that actor's last
//	                                  compact change (from 0 if none)
//	    message                       0: that change's; or uvarint p+1,
//	                                  uvarint s, uvarint len, bytes: its
//	                                  first p and last s bytes around them
//	    uvarint n, n actors           the other actors
//	    column specs                  0: the last compact change's; or
//	                                  uvarint n+1, n uvarint specs
//	    varint k                      a run length
//	    n uvarint codes, one a column 0: the last column of its spec; 1:
//	                                  that with its first signed LEB128
//	                                  (a run's length) k; 2: with its last
//	                                  unsigned LEB128 |k|; c > 2: c-3
//	                                  bytes, which follow the codes in
//	                                  order
//	    uvarint len, bytes            what follows the columns
//
// A ref to a change is a uvarint v: 0, and its 32-byte hash follows; v%3
// = 1: the (v/3+1)-th last change this side sent; v%3 = 2: the change
// this side received with the index one past the last so named (from
// 0) plus zigzag(v/3), which the receiver finds among those it sent. A
// compact level frame (FrameCompactLevel) is a ref to each head, back to
// back.
//
// The changes that crossed are those of changes frames of at most
// indexedFrame changes (live edits; a backlog's batches do not push them
// out), the last ringSize each way. A reference the receiver cannot
// resolve is a bad frame. Sides keep the rest of this state per
// direction, updated by every compact change in order.

// Compact encoding's bounds.
const (
	ringSize     = 4096 // changes remembered each way
	searchBack   = 64   // how far back a sender looks for a dependency
	indexedFrame = 64   // changes frames of more changes are not remembered
	maxActors    = 256  // actors named per direction
	maxKeptMsg   = 4096 // a longer message is not kept to refer to
	maxKeptCols  = 64   // nor a longer column layout
	maxKeptCol   = 256  // nor a longer column
	maxDeps      = maxHeads
)

var changeMagic = []byte{0x85, 0x6f, 0x4a, 0x83}

// chunk is a parsed Automerge change chunk (type 1, uncompressed). Its
// slices alias the change.
type chunk struct {
	deps         [][]byte
	actor        []byte
	seq, startOp uint64
	time         int64
	msg          []byte
	others       [][]byte
	specs        []uint64 // the op columns' specs
	data         [][]byte // and their bytes
	extra        []byte   // what follows the columns
}

// parseChunk reads a change, and gives its hash; ok false for anything
// it does not rebuild exactly, which then travels as it is.
func parseChunk(c []byte) (ch chunk, hash [32]byte, ok bool) {
	if len(c) < 10 || !bytes.Equal(c[:4], changeMagic) || c[8] != 1 {
		return ch, hash, false
	}
	r := reader{b: c[9:]}
	if size := r.uv(); r.bad || size != uint64(len(r.b)) {
		return ch, hash, false
	}
	n := r.uv()
	if n > maxDeps {
		return ch, hash, false
	}
	for range n {
		ch.deps = append(ch.deps, r.take(32))
	}
	ch.actor = r.take(r.uv())
	ch.seq, ch.startOp, ch.time = r.uv(), r.uv(), r.sleb()
	ch.msg = r.take(r.uv())
	n = r.uv()
	if n > maxActors {
		return ch, hash, false
	}
	for range n {
		ch.others = append(ch.others, r.take(r.uv()))
	}
	n = r.uv()
	if n > maxKeptCols {
		return ch, hash, false
	}
	lens := make([]uint64, n)
	for i := range n {
		ch.specs = append(ch.specs, r.uv())
		lens[i] = r.uv()
	}
	for _, l := range lens {
		ch.data = append(ch.data, r.take(l))
	}
	ch.extra = r.b
	for _, a := range append([][]byte{ch.actor}, ch.others...) {
		if len(a) == 0 || len(a) > maxActor {
			return ch, hash, false
		}
	}
	if r.bad {
		return ch, hash, false
	}
	b, hash := ch.build()
	if !bytes.Equal(b, c) {
		return ch, hash, false
	}
	return ch, hash, true
}

// build is the change a chunk is (magic, checksum, then the chunk) and
// its hash, of which the checksum is the first four bytes.
func (ch *chunk) build() ([]byte, [32]byte) {
	size := 64 + 32*len(ch.deps) + len(ch.msg) + len(ch.extra)
	for _, c := range ch.data {
		size += len(c) + 2*binary.MaxVarintLen64
	}
	body := make([]byte, 0, size)
	body = binary.AppendUvarint(body, uint64(len(ch.deps)))
	for _, d := range ch.deps {
		body = append(body, d...)
	}
	body = appendBytes(body, ch.actor)
	body = binary.AppendUvarint(body, ch.seq)
	body = binary.AppendUvarint(body, ch.startOp)
	body = appendSleb(body, ch.time)
	body = appendBytes(body, ch.msg)
	body = binary.AppendUvarint(body, uint64(len(ch.others)))
	for _, a := range ch.others {
		body = appendBytes(body, a)
	}
	body = binary.AppendUvarint(body, uint64(len(ch.specs)))
	for i, spec := range ch.specs {
		body = binary.AppendUvarint(body, spec)
		body = binary.AppendUvarint(body, uint64(len(ch.data[i])))
	}
	for _, c := range ch.data {
		body = append(body, c...)
	}
	body = append(body, ch.extra...)
	out := make([]byte, 0, 9+binary.MaxVarintLen64+len(body))
	out = append(out, changeMagic...)
	out = append(out, 0, 0, 0, 0, 1)
	out = binary.AppendUvarint(out, uint64(len(body)))
	out = append(out, body...)
	sum := sha256.Sum256(out[8:])
	copy(out[4:8], sum[:4])
	return out, sum
}

func appendBytes(dst, b []byte) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(b))), b...)
}

// appendSleb appends v as signed LEB128, as Automerge writes times.
func appendSleb(dst []byte, v int64) []byte {
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && b&0x40 == 0) || (v == -1 && b&0x40 != 0) {
			return append(dst, b)
		}
		dst = append(dst, b|0x80)
	}
}

// reader reads LEB128 fields; once past the end or malformed it is bad
// and reads zeros.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) uv() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) sv() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) sleb() int64 {
	var v int64
	for i := 0; i < 10; i++ {
		if len(r.b) == 0 {
			break
		}
		b := r.b[0]
		r.b = r.b[1:]
		v |= int64(b&0x7f) << (7 * i)
		if b < 0x80 {
			if i < 9 && b&0x40 != 0 {
				v |= -1 << (7 * (i + 1))
			}
			return v
		}
	}
	r.bad, r.b = true, nil
	return 0
}

func (r *reader) take(n uint64) []byte {
	if r.bad || n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

// ring is the last ringSize hashes of changes that crossed one way; n
// counts all of them.
type ring struct {
	h [][32]byte
	n uint64
}

func (r *ring) add(h [32]byte) {
	if len(r.h) < ringSize {
		r.h = append(r.h, h)
	} else {
		r.h[r.n%ringSize] = h
	}
	r.n++
}

// at is the hash with index i, if still held.
func (r *ring) at(i uint64) ([32]byte, bool) {
	if i >= r.n || r.n-i > uint64(len(r.h)) {
		return [32]byte{}, false
	}
	if len(r.h) < ringSize {
		return r.h[i], true
	}
	return r.h[i%ringSize], true
}

// find is the index of h among the last searchBack.
func (r *ring) find(h []byte) (uint64, bool) {
	for k := uint64(1); k <= searchBack && k <= uint64(len(r.h)) && k <= r.n; k++ {
		if x, _ := r.at(r.n - k); bytes.Equal(x[:], h) {
			return r.n - k, true
		}
	}
	return 0, false
}

// Tables are what one session's changes crossed, each way; its
// compressor and decompressor share them.
type Tables struct {
	mu   sync.Mutex
	sent ring // changes this side sent, in order
	recv ring // changes it received
}

// actorState is what an actor's last compact change said, per direction.
type actorState struct {
	seq, startOp uint64
	time         int64
	msg          []byte
	msgOK        bool
}

// direction is the state one direction of compact frames keeps on both
// of its ends, alike.
type direction struct {
	actors  [][]byte
	state   []actorState
	specs   []uint64 // the last compact change's column specs
	specsOK bool
	col     map[uint64][]byte // the last column kept of each spec
	lastR   uint64
}

func (d *direction) actorIndex(a []byte) int {
	for i, x := range d.actors {
		if bytes.Equal(x, a) {
			return i
		}
	}
	return -1
}

func (d *direction) appendActor(dst, a []byte) []byte {
	if i := d.actorIndex(a); i >= 0 {
		return binary.AppendUvarint(dst, uint64(i+1))
	}
	if len(d.actors) < maxActors {
		d.actors = append(d.actors, bytes.Clone(a))
		d.state = append(d.state, actorState{})
	}
	return appendBytes(append(dst, 0), a)
}

func (d *direction) readActor(r *reader) ([]byte, bool) {
	k := r.uv()
	if k == 0 {
		a := r.take(r.uv())
		if len(a) == 0 || len(a) > maxActor || d.actorIndex(a) >= 0 {
			return nil, false
		}
		if len(d.actors) < maxActors {
			d.actors = append(d.actors, bytes.Clone(a))
			d.state = append(d.state, actorState{})
		}
		return a, !r.bad
	}
	if k > uint64(len(d.actors)) {
		return nil, false
	}
	return d.actors[k-1], true
}

// after records what a compact change said, on both ends alike.
func (d *direction) after(ch *chunk) {
	if i := d.actorIndex(ch.actor); i >= 0 {
		st := &d.state[i]
		st.seq, st.startOp, st.time = ch.seq, ch.startOp, ch.time
		st.msgOK = len(ch.msg) <= maxKeptMsg
		st.msg = nil
		if st.msgOK {
			st.msg = bytes.Clone(ch.msg)
		}
	}
	d.specs, d.specsOK = append(d.specs[:0], ch.specs...), true
	if d.col == nil {
		d.col = map[uint64][]byte{}
	}
	for i, spec := range ch.specs {
		_, has := d.col[spec]
		switch {
		case len(ch.data[i]) > maxKeptCol:
			delete(d.col, spec)
		case has || len(d.col) < maxKeptCols:
			d.col[spec] = append(d.col[spec][:0], ch.data[i]...)
		}
	}
}

func (d *direction) prev(actor []byte) actorState {
	if i := d.actorIndex(actor); i >= 0 {
		return d.state[i]
	}
	return actorState{}
}

// appendRef appends a reference to the change with hash h (t locked).
func (d *direction) appendRef(out []byte, t *Tables, h []byte) []byte {
	if i, ok := t.sent.find(h); ok {
		return binary.AppendUvarint(out, 3*(t.sent.n-i-1)+1)
	}
	if j, ok := t.recv.find(h); ok {
		out = binary.AppendUvarint(out, 3*zigzag(int64(j-d.lastR))+2)
		d.lastR = j + 1
		return out
	}
	return append(append(out, 0), h...)
}

// readRef reads a reference to a change: its hash, or what is wrong (t
// locked).
func (d *direction) readRef(r *reader, t *Tables) ([]byte, string) {
	v := r.uv()
	switch {
	case r.bad:
		return nil, "truncated"
	case v == 0:
		if h := r.take(32); !r.bad {
			return h, ""
		}
		return nil, "truncated"
	case v%3 == 0:
		return nil, "a reference"
	case v%3 == 1:
		k := v/3 + 1
		if k <= t.recv.n {
			if h, ok := t.recv.at(t.recv.n - k); ok {
				return h[:], ""
			}
		}
		return nil, "a change this side no longer holds"
	}
	j := d.lastR + uint64(unzigzag(v/3))
	h, ok := t.sent.at(j)
	if !ok {
		return nil, "a change this side did not send or no longer holds"
	}
	d.lastR = j + 1
	return h[:], ""
}

// encodeLevel is a compact level frame's payload for a level frame's:
// a reference to each head, back to back.
func encodeLevel(d *direction, t *Tables, heads []byte) []byte {
	out := make([]byte, 0, len(heads)/8)
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := 0; i+32 <= len(heads); i += 32 {
		out = d.appendRef(out, t, heads[i:i+32])
	}
	return out
}

// decodeLevel is the level frame a compact level frame stands for.
func decodeLevel(d *direction, t *Tables, b []byte) ([]byte, error) {
	r := reader{b: b}
	var out []byte
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(r.b) > 0 {
		if len(out) >= 32*maxHeads {
			return nil, fmt.Errorf("%w: compact level frame: more than %d heads", ErrBadFrame, maxHeads)
		}
		h, err := d.readRef(&r, t)
		if err != "" {
			return nil, fmt.Errorf("%w: compact level frame: %s", ErrBadFrame, err)
		}
		out = append(out, h...)
	}
	return out, nil
}

// changeHash is Automerge's hash of a change: SHA-256 from its ninth
// byte (of anything shorter, of nothing).
func changeHash(c []byte) [32]byte { return sha256.Sum256(c[min(8, len(c)):]) }

func zigzag(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// encodeCompact is a compact frame's payload for a changes frame's.
// Each change's hash is appended to hashes.
func encodeCompact(d *direction, t *Tables, changes [][]byte, hashes *[]byte) []byte {
	out := binary.AppendUvarint(nil, uint64(len(changes)))
	remember := len(changes) <= indexedFrame
	for _, c := range changes {
		ch, h, ok := parseChunk(c)
		if !ok {
			out = appendBytes(append(out, 0), c)
			h = changeHash(c)
		} else {
			out = d.appendChange(append(out, 1), t, &ch)
		}
		*hashes = append(*hashes, h[:]...)
		if remember {
			t.mu.Lock()
			t.sent.add(h)
			t.mu.Unlock()
		}
	}
	return out
}

func (d *direction) appendChange(out []byte, t *Tables, ch *chunk) []byte {
	out = binary.AppendUvarint(out, uint64(len(ch.deps)))
	t.mu.Lock()
	for _, dep := range ch.deps {
		out = d.appendRef(out, t, dep)
	}
	t.mu.Unlock()
	p := d.prev(ch.actor)
	out = d.appendActor(out, ch.actor)
	out = binary.AppendVarint(out, int64(ch.seq-p.seq))
	out = binary.AppendVarint(out, int64(ch.startOp-p.startOp))
	out = binary.AppendVarint(out, ch.time-p.time)
	if p.msgOK && bytes.Equal(p.msg, ch.msg) {
		out = append(out, 0)
	} else {
		var pre, suf int
		if p.msgOK {
			for pre < len(p.msg) && pre < len(ch.msg) && p.msg[pre] == ch.msg[pre] {
				pre++
			}
			for pre+suf < len(p.msg) && pre+suf < len(ch.msg) && p.msg[len(p.msg)-1-suf] == ch.msg[len(ch.msg)-1-suf] {
				suf++
			}
		}
		out = binary.AppendUvarint(out, uint64(pre)+1)
		out = binary.AppendUvarint(out, uint64(suf))
		out = appendBytes(out, ch.msg[pre:len(ch.msg)-suf])
	}
	out = binary.AppendUvarint(out, uint64(len(ch.others)))
	for _, a := range ch.others {
		out = d.appendActor(out, a)
	}
	if d.specsOK && slices.Equal(d.specs, ch.specs) {
		out = append(out, 0)
	} else {
		out = binary.AppendUvarint(out, uint64(len(ch.specs))+1)
		for _, spec := range ch.specs {
			out = binary.AppendUvarint(out, spec)
		}
	}
	k := d.runOf(ch)
	out = binary.AppendVarint(out, k)
	var lit []byte
	for i, c := range ch.data {
		prev, kept := d.col[ch.specs[i]]
		switch {
		case kept && bytes.Equal(c, prev):
			out = append(out, 0)
		case kept && sameCol(c, withRun(prev, k)):
			out = append(out, 1)
		case kept && sameCol(c, withCount(prev, k)):
			out = append(out, 2)
		default:
			out = binary.AppendUvarint(out, uint64(len(c))+3)
			lit = append(lit, c...)
		}
	}
	out = append(out, lit...)
	out = appendBytes(out, ch.extra)
	d.after(ch)
	return out
}

// Most columns of a change are runs as long as it has ops: the same as
// the last change's with another run length. runOf is the run length a
// change's columns have where the last change's had another.
func (d *direction) runOf(ch *chunk) int64 {
	for i, c := range ch.data {
		prev, kept := d.col[ch.specs[i]]
		if !kept || bytes.Equal(c, prev) {
			continue
		}
		r := reader{b: c}
		k := r.sleb()
		if !r.bad && sameCol(c, withRun(prev, k)) {
			return k
		}
	}
	return 0
}

// sameCol says whether col is what w, a column worked out from the last
// one, says; nil says nothing.
func sameCol(col, w []byte) bool { return w != nil && bytes.Equal(col, w) }

// withRun is col with its first signed LEB128 (a run's length) k; nil if
// it has none.
func withRun(col []byte, k int64) []byte {
	r := reader{b: col}
	if r.sleb(); r.bad {
		return nil
	}
	return append(appendSleb(make([]byte, 0, len(col)+10), k), r.b...)
}

// withCount is col with its last unsigned LEB128 (a boolean column's
// last count) |k|; nil if it has none.
func withCount(col []byte, k int64) []byte {
	if len(col) == 0 || col[len(col)-1] >= 0x80 {
		return nil
	}
	start := len(col) - 1
	for start > 0 && col[start-1] >= 0x80 {
		start--
	}
	if k < 0 {
		k = -k
	}
	return binary.AppendUvarint(append(make([]byte, 0, len(col)+10), col[:start]...), uint64(k))
}

// decodeCompact rebuilds a compact frame's changes, refusing one whose
// changes would come to more than limit bytes.
func decodeCompact(d *direction, t *Tables, b []byte, limit int, hashes *[]byte) ([][]byte, error) {
	bad := func(what string, i int) ([][]byte, error) {
		return nil, fmt.Errorf("%w: compact frame: change %d: %s", ErrBadFrame, i+1, what)
	}
	r := reader{b: b}
	n := r.uv()
	if r.bad || n > uint64(len(b)) {
		return bad("count", -1)
	}
	remember := n <= indexedFrame
	out := make([][]byte, 0, n)
	total := ChangesOverhead(int(n))
	for i := range int(n) {
		var c []byte
		var h [32]byte
		switch r.uv() {
		case 0:
			c = r.take(r.uv())
			if len(c) == 0 {
				return bad("empty", i)
			}
			h = changeHash(c)
		case 1:
			ch, err := d.readChange(&r, t, limit-total)
			if err == pastCap {
				return nil, fmt.Errorf("%w: compact frame: changes past %d bytes", ErrTooLarge, limit)
			}
			if err != "" {
				return bad(err, i)
			}
			c, h = ch.build()
			d.after(&ch)
		default:
			return bad("form", i)
		}
		if r.bad {
			return bad("truncated", i)
		}
		if total += len(c); total > limit {
			return nil, fmt.Errorf("%w: compact frame: changes past %d bytes", ErrTooLarge, limit)
		}
		out = append(out, c)
		*hashes = append(*hashes, h[:]...)
		if remember {
			t.mu.Lock()
			t.recv.add(h)
			t.mu.Unlock()
		}
	}
	if len(r.b) != 0 {
		return bad("trailing bytes", int(n)-1)
	}
	return out, nil
}

// pastCap: what a compact change rebuilds to passes the frame's cap.
const pastCap = "past the cap"

// readChange reads a compact change; a non-empty string says what is
// wrong with it.
func (d *direction) readChange(r *reader, t *Tables, room int) (chunk, string) {
	var ch chunk
	n := r.uv()
	if n > maxDeps {
		return ch, "dependencies"
	}
	if int(n)*32 > room {
		return ch, pastCap
	}
	t.mu.Lock()
	for range n {
		h, err := d.readRef(r, t)
		if err != "" {
			t.mu.Unlock()
			return ch, err
		}
		ch.deps = append(ch.deps, h)
	}
	t.mu.Unlock()
	actor, ok := d.readActor(r)
	if !ok {
		return ch, "actor"
	}
	p := d.prev(actor)
	ch.actor = actor
	ch.seq = p.seq + uint64(r.sv())
	ch.startOp = p.startOp + uint64(r.sv())
	ch.time = p.time + r.sv()
	switch m := r.uv(); {
	case m == 0 && !p.msgOK:
		return ch, "message"
	case m == 0:
		ch.msg = p.msg
	default:
		pre, suf := m-1, r.uv()
		if (!p.msgOK && pre+suf > 0) || pre > uint64(len(p.msg)) || suf > uint64(len(p.msg))-pre {
			return ch, "message"
		}
		mid := r.take(r.uv())
		ch.msg = slices.Concat(p.msg[:pre], mid, p.msg[uint64(len(p.msg))-suf:])
	}
	n = r.uv()
	if n > maxActors {
		return ch, "actors"
	}
	for range n {
		a, ok := d.readActor(r)
		if !ok {
			return ch, "actor"
		}
		ch.others = append(ch.others, a)
	}
	switch m := r.uv(); {
	case m == 0 && !d.specsOK:
		return ch, "columns"
	case m == 0:
		ch.specs = slices.Clone(d.specs)
	case m-1 > maxKeptCols:
		return ch, "columns"
	default:
		for range m - 1 {
			ch.specs = append(ch.specs, r.uv())
		}
	}
	k := r.sv()
	codes := make([]uint64, len(ch.specs))
	var lits uint64
	for i := range codes {
		codes[i] = r.uv()
		if codes[i] >= 3 {
			lits += codes[i] - 3
		}
	}
	if lits > uint64(room) {
		return ch, pastCap
	}
	size := lits
	for i, code := range codes {
		prev, kept := d.col[ch.specs[i]]
		var c []byte
		switch {
		case code >= 3:
			c = r.take(code - 3)
		case !kept:
			return ch, "a column this side does not hold"
		case code == 0:
			c = bytes.Clone(prev) // after overwrites what it kept
		case code == 1:
			if c = withRun(prev, k); c == nil {
				return ch, "a column's run"
			}
		default:
			if c = withCount(prev, k); c == nil {
				return ch, "a column's count"
			}
		}
		if size += uint64(len(c)); size > uint64(room) {
			return ch, pastCap
		}
		ch.data = append(ch.data, c)
	}
	ch.extra = r.take(r.uv())
	if r.bad {
		return ch, "truncated"
	}
	if int(size)+len(ch.msg)+len(ch.extra)+32*len(ch.deps) > room {
		return ch, pastCap
	}
	return ch, ""
}
