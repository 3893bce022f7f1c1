package doc

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"

	am "github.com/automerge/automerge-go"
)

// Changes one by one, for a sync that moves a backlog of any size in
// batches that each fit a frame: ChangesSince lists what a peer lacks in
// dependency order, ChangeBytes encodes one, ReceiveChanges takes a batch
// from a peer, refusing what no honest client makes.

// MaxChangeSize is the largest encoded change a peer accepts. Edits are
// refused before they are applied where a change would outgrow it, so
// any honest change fits one sync frame.
const MaxChangeSize = 8 << 20

// maxEditBytes is how much new text and value bytes one change may carry,
// leaving room under MaxChangeSize for the change's own bookkeeping.
const maxEditBytes = MaxChangeSize - 512<<10

// ErrTooLarge is an edit bigger than one change may be.
var ErrTooLarge = errors.New("edit too large")

// reserveLocked makes room for n bytes of new content in the pending
// change: it commits first if they would not fit beside what is pending,
// and refuses an edit that would not fit one change at all. Automerge
// cannot undo an applied edit, so this runs before it.
func (p *Plan) reserveLocked(n int) error {
	if n > maxEditBytes {
		return fmt.Errorf("%w: %s in one edit (a paste too large); the limit is %s, so paste it in parts",
			ErrTooLarge, mib(n), mib(maxEditBytes))
	}
	if p.pendingBytes+n > maxEditBytes {
		if err := p.commitLocked(); err != nil {
			return err
		}
	}
	p.pendingBytes += n
	return nil
}

func mib(n int) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// ChangeRef names a change without its bytes.
type ChangeRef struct {
	Hash string
	// Actor made it, as its Seq-th change (Automerge's actor and
	// sequence number: a replica holding an actor's change n holds its
	// changes before n too).
	Actor string
	Seq   uint64
	// Device is the peer ID of the member device whose process made the
	// change, from the plan's actors record; "" when unknown.
	Device string
}

// ChangesSince lists the changes outside the history of have, in
// dependency order (each after those it builds on). Hashes of have that
// the plan does not hold are ignored, so have may be what a peer says it
// holds.
func (p *Plan) ChangesSince(have []string) ([]ChangeRef, error) {
	hs, err := parseHashes(have)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.holdsCommittedLocked(hs) {
		return nil, nil // nothing committed is missing: the typing stays open
	}
	if err := p.commitLocked(); err != nil {
		return nil, err
	}
	return p.changesSinceLocked(hs)
}

// holdsCommittedLocked says whether edits are pending on top of heads all
// among hs: then nothing committed lies outside hs's history, and a sync
// asking need not commit the typing (reading the document's changes or
// heads would close its transaction).
func (p *Plan) holdsCommittedLocked(hs []am.ChangeHash) bool {
	if !p.pending || p.pendBase == nil {
		return false
	}
	for _, b := range p.pendBase {
		if !slices.ContainsFunc(hs, func(h am.ChangeHash) bool { return h.String() == b }) {
			return false
		}
	}
	return true
}

func parseHashes(hexes []string) ([]am.ChangeHash, error) {
	hs := make([]am.ChangeHash, 0, len(hexes))
	for _, h := range hexes {
		ch, err := am.NewChangeHash(h)
		if err != nil {
			return nil, fmt.Errorf("%w: head %q", ErrInvalid, h)
		}
		hs = append(hs, ch)
	}
	return hs, nil
}

// changeMeta is what ChangesSince keeps of a change it has listed: a sync
// asks about the same changes many times over, and each answer from
// Automerge is a call into C.
type changeMeta struct {
	actor string
	seq   uint64
}

func (p *Plan) changesSinceLocked(hs []am.ChangeHash) ([]ChangeRef, error) {
	known := hs[:0:0]
	for _, h := range hs {
		if p.holds(h) {
			known = append(known, h)
		}
	}
	chs, err := p.d.Changes(known...)
	if err != nil {
		return nil, err
	}
	if p.meta == nil {
		p.meta = map[am.ChangeHash]changeMeta{}
	}
	actors := p.mapAt("actors")
	device := map[string]string{}
	out := make([]ChangeRef, len(chs))
	for i, c := range chs {
		h := c.Hash()
		m, ok := p.meta[h]
		if !ok {
			m = changeMeta{actor: c.ActorID(), seq: c.ActorSeq()}
			p.meta[h] = m
		}
		d, ok := device[m.actor]
		if !ok {
			d = p.str(actors, m.actor)
			device[m.actor] = d
		}
		out[i] = ChangeRef{Hash: h.String(), Actor: m.actor, Seq: m.seq, Device: d}
	}
	return out, nil
}

// ClockSince is, for each actor with changes outside the history of base,
// the sequence number of its last change here. With base's history it
// says exactly what the plan holds (an actor's changes come in order), in
// a few bytes per actor however many changes there are.
func (p *Plan) ClockSince(base []string) (map[string]uint64, error) {
	hs, err := parseHashes(base)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(hs) > 0 && p.holdsCommittedLocked(hs) {
		return map[string]uint64{}, nil
	}
	if err := p.commitLocked(); err != nil {
		return nil, err
	}
	if len(hs) == 0 {
		// The whole clock, kept and brought up to date from where it was.
		heads := p.d.Heads()
		if !slices.Equal(heads, p.clockHeads) || p.clock == nil {
			refs, err := p.changesSinceLocked(p.clockHeads)
			if err != nil {
				return nil, err
			}
			if p.clock == nil {
				p.clock = map[string]uint64{}
			}
			for _, r := range refs {
				p.clock[r.Actor] = max(p.clock[r.Actor], r.Seq)
			}
			p.clockHeads = heads
		}
		return maps.Clone(p.clock), nil
	}
	refs, err := p.changesSinceLocked(hs)
	if err != nil {
		return nil, err
	}
	out := map[string]uint64{}
	for _, r := range refs {
		out[r.Actor] = max(out[r.Actor], r.Seq)
	}
	return out, nil
}

// HeldOf is the hashes of hashes (hex, as in Heads) the plan holds.
func (p *Plan) HeldOf(hashes []string) []string {
	var out []string
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range hashes {
		if ch, err := am.NewChangeHash(h); err == nil && p.holds(ch) {
			out = append(out, h)
		}
	}
	return out
}

// Received says what ReceiveChanges did with a batch.
type Received struct {
	Applied []string // hashes now in the plan, in the order applied
	Known   int      // changes the plan already held
	// Waiting build on changes the plan lacks (Missing); offer them again
	// once those have arrived.
	Waiting [][]byte
	Missing []string
	Refused []Refusal
	Report  MergeReport
}

// Refusal is a change ReceiveChanges would not take, and why.
type Refusal struct {
	Hash   string // "" when the bytes are not a change at all
	Reason string
}

// ReceiveChanges merges changes from a peer (each one encoded change, as
// ChangeBytes gives them), in any order. A change larger than
// MaxChangeSize, one that does not decode, and every change built on a
// refused one are refused, and remembered as refused while the plan is
// open; the rest are applied, on disk and announced to subscribers when
// this returns.
func (p *Plan) ReceiveChanges(raws [][]byte) (Received, error) {
	var res Received
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.commitLocked(); err != nil {
		return res, err
	}
	if p.refused == nil {
		p.refused = map[am.ChangeHash]string{}
	}
	type pending struct {
		raw  []byte
		hash am.ChangeHash
		deps []am.ChangeHash
	}
	var todo []pending
	seen := map[am.ChangeHash]bool{}
	for _, raw := range raws {
		h, deps, err := parseChange(raw)
		if err != nil {
			res.Refused = append(res.Refused, Refusal{Reason: err.Error()})
			continue
		}
		if len(raw) > MaxChangeSize {
			why := fmt.Sprintf("change of %s exceeds the %s limit", mib(len(raw)), mib(MaxChangeSize))
			p.refused[h] = why
			res.Refused = append(res.Refused, Refusal{Hash: h.String(), Reason: why})
			continue
		}
		if seen[h] {
			continue
		}
		seen[h] = true
		if p.holds(h) {
			res.Known++
			continue
		}
		todo = append(todo, pending{raw, h, deps})
	}
	// Take what can be applied, in rounds, so a batch in any order works.
	ready := map[am.ChangeHash]bool{}
	var order []pending
	for progress := true; progress && len(todo) > 0; {
		progress = false
		rest := todo[:0]
		for _, c := range todo {
			if why := p.refusedDep(c.deps); why != "" {
				reason := "builds on a refused change (" + why + ")"
				p.refused[c.hash] = reason
				res.Refused = append(res.Refused, Refusal{Hash: c.hash.String(), Reason: reason})
				progress = true
				continue
			}
			ok := true
			for _, d := range c.deps {
				if !ready[d] && !p.holds(d) {
					ok = false
					break
				}
			}
			if !ok {
				rest = append(rest, c)
				continue
			}
			ready[c.hash] = true
			order = append(order, c)
			progress = true
		}
		todo = rest
	}
	missing := map[am.ChangeHash]bool{}
	for _, c := range todo {
		res.Waiting = append(res.Waiting, c.raw)
		for _, d := range c.deps {
			if !ready[d] && !p.holds(d) && !seen[d] && !missing[d] {
				missing[d] = true
				res.Missing = append(res.Missing, d.String())
			}
		}
	}
	if len(order) == 0 {
		return res, nil
	}
	before := p.d.Heads()
	p.forgetNamesLocked()
	var all []byte
	for _, c := range order {
		all = append(all, c.raw...)
	}
	if err := p.d.LoadIncremental(all); err != nil {
		// One of them is malformed inside: take them one by one and
		// refuse the culprit with what builds on it.
		for _, c := range order {
			if why := p.refusedDep(c.deps); why != "" {
				p.refused[c.hash] = "builds on a refused change (" + why + ")"
				res.Refused = append(res.Refused, Refusal{Hash: c.hash.String(), Reason: p.refused[c.hash]})
				continue
			}
			if err := p.d.LoadIncremental(c.raw); err != nil || !p.holds(c.hash) {
				why := "does not decode"
				if err != nil {
					why += ": " + err.Error()
				}
				p.refused[c.hash] = why
				res.Refused = append(res.Refused, Refusal{Hash: c.hash.String(), Reason: why})
				continue
			}
			res.Applied = append(res.Applied, c.hash.String())
		}
	} else {
		for _, c := range order {
			if p.holds(c.hash) {
				res.Applied = append(res.Applied, c.hash.String())
			}
		}
	}
	rep, err := p.afterRemoteLocked(before, nil)
	res.Report = rep
	return res, err
}

// holds says whether the plan holds a change. A change once held is held
// for good, so a yes is remembered: asking Automerge makes a copy of the
// change in C memory, freed only when the collector gets to it, and a
// sync in a room asks about the same hashes thousands of times.
func (p *Plan) holds(h am.ChangeHash) bool {
	if _, ok := p.meta[h]; ok {
		return true
	}
	if p.held[h] {
		return true
	}
	if _, err := p.d.Change(h); err != nil {
		return false
	}
	if p.held == nil {
		p.held = map[am.ChangeHash]bool{}
	}
	p.held[h] = true
	return true
}

// refusedDep is why one of deps was refused, or "".
func (p *Plan) refusedDep(deps []am.ChangeHash) string {
	for _, d := range deps {
		if why, ok := p.refused[d]; ok {
			return d.String()[:12] + ": " + why
		}
	}
	return ""
}

// ErrBadChange is bytes that are not one encoded Automerge change.
var ErrBadChange = fmt.Errorf("%w: not an encoded change", ErrInvalid)

// changeMagic starts every Automerge chunk.
var changeMagic = []byte{0x85, 0x6f, 0x4a, 0x83}

// parseChange reads an encoded change's header, as the Automerge binary
// format specifies it: magic, checksum, chunk type (1, an uncompressed
// change, which is how Automerge encodes a single change), length, then
// the contents, which open with the dependencies. The hash is SHA-256
// over type, length and contents; its first bytes are the checksum. The
// rest of the change is left to Automerge.
func parseChange(raw []byte) (am.ChangeHash, []am.ChangeHash, error) {
	var h am.ChangeHash
	if len(raw) < 10 || !bytes.Equal(raw[:4], changeMagic) {
		return h, nil, fmt.Errorf("%w: no chunk header", ErrBadChange)
	}
	if raw[8] != 1 {
		return h, nil, fmt.Errorf("%w: chunk type %d, want 1 (a change)", ErrBadChange, raw[8])
	}
	size, n := binary.Uvarint(raw[9:])
	if n <= 0 || size != uint64(len(raw)-9-n) {
		return h, nil, fmt.Errorf("%w: chunk length does not match its %d bytes", ErrBadChange, len(raw))
	}
	h = sha256.Sum256(raw[8:])
	if !bytes.Equal(h[:4], raw[4:8]) {
		return h, nil, fmt.Errorf("%w: checksum mismatch", ErrBadChange)
	}
	body := raw[9+n:]
	count, k := binary.Uvarint(body)
	if k <= 0 || count > uint64(len(body)-k)/32 {
		return h, nil, fmt.Errorf("%w: dependencies", ErrBadChange)
	}
	body = body[k:]
	deps := make([]am.ChangeHash, count)
	for i := range deps {
		copy(deps[i][:], body[32*i:])
	}
	return h, deps, nil
}

// ChangeHashOf is the hash of an encoded change, or an error if the bytes
// are not one (for logging what a peer sent).
func ChangeHashOf(raw []byte) (string, error) {
	h, _, err := parseChange(raw)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h[:]), nil
}

// ChangeLinks is an encoded change's hash and the hashes of the changes
// it depends on (hex), or an error if the bytes are not a change: what a
// peer's heads become when it says they advanced by the change.
func ChangeLinks(raw []byte) (string, []string, error) {
	h, deps, err := parseChange(raw)
	if err != nil {
		return "", nil, err
	}
	out := make([]string, len(deps))
	for i, d := range deps {
		out[i] = hex.EncodeToString(d[:])
	}
	return hex.EncodeToString(h[:]), out, nil
}
