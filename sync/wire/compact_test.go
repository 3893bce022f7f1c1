package wire

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	am "github.com/automerge/automerge-go"
)

// codecSide is one end of a session: the stream it sends and the one it
// receives, sharing what crossed.
type codecSide struct {
	c   *Compressor
	d   *Decompressor
	doc *am.Doc
	// unsent are this side's changes the other has not been sent.
	unsent [][]byte
}

func newCodecSide(t testing.TB, doc *am.Doc) *codecSide {
	c, d := NewCodec()
	return &codecSide{c: c, d: d, doc: doc}
}

// ship sends changes from one side to the other in one bundle with the
// sender's heads, and checks every change and head arrives byte for
// byte. It returns the compressed frame's size.
func ship(t testing.TB, from, to *codecSide, changes [][]byte) int {
	t.Helper()
	var heads []byte
	for _, h := range from.doc.Heads() {
		heads = append(heads, h[:]...)
	}
	body := AppendInner(nil, FrameChanges, EncodeChanges(changes))
	body = AppendInner(body, FrameLevel, heads)
	z, err := from.c.Compress(body)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := to.d.Decompress(z, MaxFrame)
	if err != nil {
		t.Fatalf("decompress: %v", err)
	}
	if len(inner) != 2 || inner[0].Type != FrameChanges || inner[1].Type != FrameLevel {
		t.Fatalf("got %d inner frames", len(inner))
	}
	got, err := ParseChanges(inner[0].Payload)
	if err != nil || len(got) != len(changes) {
		t.Fatalf("parse rebuilt changes: %v (%d of %d)", err, len(got), len(changes))
	}
	for i := range got {
		if !bytes.Equal(got[i], changes[i]) {
			t.Fatalf("change %d of %d rebuilt differently:\n%x\n%x", i+1, len(changes), got[i], changes[i])
		}
	}
	if !bytes.Equal(inner[1].Payload, heads) {
		t.Fatalf("heads rebuilt differently")
	}
	if len(changes) > 0 {
		if err := to.doc.LoadIncremental(bytes.Join(got, nil)); err != nil {
			t.Fatal(err)
		}
	}
	return len(z) + 3
}

// edit makes one random change on a side's document, as a member's
// client would: typing mostly, sometimes a field, a counter, a list, a
// deletion, with a message like Coplan's.
func edit(t testing.TB, rng *rand.Rand, s *codecSide, i int) {
	t.Helper()
	d := s.doc
	txt, err := am.As[*am.Text](d.Path("text").Get())
	if err != nil {
		t.Fatal(err)
	}
	switch k := rng.IntN(20); {
	case k < 13:
		words := []string{"open ", "data ", "ministry ", "ö", "commitment ", "\u201cquoted\u201d ", "x"}
		s := words[rng.IntN(len(words))]
		if rng.IntN(3) == 0 {
			s = string([]rune(s)[:1])
		}
		if err := txt.Insert(rng.IntN(txt.Len()+1), s); err != nil {
			t.Fatal(err)
		}
	case k < 15 && txt.Len() > 2:
		if err := txt.Delete(rng.IntN(txt.Len()-1), 1+rng.IntN(2)); err != nil {
			t.Fatal(err)
		}
	case k < 17:
		if err := d.Path("fields", fmt.Sprint("f", rng.IntN(5))).Set(rng.Int64N(1 << 40)); err != nil {
			t.Fatal(err)
		}
	case k < 18:
		if err := d.Path("list").List().Append(fmt.Sprint("item ", i), true, 3.5); err != nil {
			t.Fatal(err)
		}
	case k < 19:
		if err := d.Path("count").Counter().Inc(int64(rng.IntN(5) - 2)); err != nil {
			t.Fatal(err)
		}
	default:
		if err := d.Path("fields", "big").Set(bytes.Repeat([]byte{byte(i)}, 300+rng.IntN(300))); err != nil {
			t.Fatal(err)
		}
	}
	msg := fmt.Sprintf("Edit the description of commitment 1\n\ncoplan:=\t%d\t%d", rng.IntN(9), rng.IntN(3))
	if rng.IntN(10) == 0 {
		msg = ""
	}
	when := time.UnixMilli(1796145569000 + int64(i)*int64(rng.IntN(400)))
	if rng.IntN(30) == 0 {
		when = time.Time{}
	}
	h, err := d.Commit(msg, am.CommitOptions{Time: &when})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := d.Change(h)
	if err != nil {
		t.Fatal(err)
	}
	s.unsent = append(s.unsent, ch.Save())
}

func twoSides(t testing.TB) (*codecSide, *codecSide) {
	t.Helper()
	a := am.New()
	for _, p := range []struct {
		path string
		v    any
	}{{"text", am.NewText("")}, {"fields", am.NewMap()}, {"list", am.NewList()}, {"count", am.NewCounter(0)}} {
		if err := a.Path(p.path).Set(p.v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Commit("founded"); err != nil {
		t.Fatal(err)
	}
	b, err := a.Fork()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetActorID(am.NewActorID()); err != nil {
		t.Fatal(err)
	}
	return newCodecSide(t, a), newCodecSide(t, b)
}

// Two members editing the same document concurrently, their changes
// crossing in batches of every size (past what is remembered too), in
// every interleaving: each change and head arrives byte for byte, and
// both end level.
func TestCompactRebuildsEveryChange(t *testing.T) {
	for seed := range uint64(12) {
		rng := rand.New(rand.NewPCG(seed, 7))
		a, b := twoSides(t)
		sides := []*codecSide{a, b}
		for i := range 400 {
			s := sides[rng.IntN(2)]
			edit(t, rng, s, i)
			if rng.IntN(4) == 0 {
				from := sides[rng.IntN(2)]
				to := a
				if from == a {
					to = b
				}
				ship(t, from, to, from.unsent)
				from.unsent = nil
			}
		}
		// A backlog past what a frame remembers, then live again.
		for i := range indexedFrame + 10 {
			edit(t, rng, a, 1000+i)
		}
		ship(t, a, b, a.unsent)
		ship(t, b, a, b.unsent)
		a.unsent, b.unsent = nil, nil
		edit(t, rng, a, 2000)
		ship(t, a, b, a.unsent)
		if ah, bh := fmt.Sprint(a.doc.Heads()), fmt.Sprint(b.doc.Heads()); ah != bh {
			t.Fatalf("seed %d: not level: %s / %s", seed, ah, bh)
		}
		// Every change Automerge made took the compact form, not the
		// one for anything else.
		all, err := a.doc.Changes()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range all {
			if _, _, ok := parseChunk(c.Save()); !ok {
				t.Fatalf("seed %d: change %s does not take the compact form", seed, c.Hash())
			}
		}
	}
}

// Typing, one change per keystroke crossing as it is made: a change
// costs a small part of its encoded size.
func TestCompactTypingIsSmall(t *testing.T) {
	a, b := twoSides(t)
	var raw, wire int
	for i := range 600 {
		txt, _ := am.As[*am.Text](a.doc.Path("text").Get())
		if err := txt.Insert(txt.Len(), string(rune('a'+i%26))); err != nil {
			t.Fatal(err)
		}
		msg := fmt.Sprintf("Edit the description of commitment 1\n\ncoplan:=\t%d\t0", 1+i%3)
		when := time.UnixMilli(1796145569000 + int64(i)*180)
		h, err := a.doc.Commit(msg, am.CommitOptions{Time: &when})
		if err != nil {
			t.Fatal(err)
		}
		ch, _ := a.doc.Change(h)
		raw += len(ch.Save())
		wire += ship(t, a, b, [][]byte{ch.Save()})
	}
	t.Logf("600 keystrokes: %d bytes encoded, %d on the wire (%.1f a keystroke)", raw, wire, float64(wire)/600)
	if wire*6 > raw {
		t.Fatalf("typing costs %d bytes on the wire for %d encoded: compact encoding is not working", wire, raw)
	}
}

// What is not a change Automerge writes in its one shortest form travels
// as it is, and arrives as it was sent.
func TestCompactPassesOtherBytes(t *testing.T) {
	a, b := twoSides(t)
	edit(t, rand.New(rand.NewPCG(1, 1)), a, 0)
	real := a.unsent[0]
	// The same change with its sequence number padded to two bytes, and
	// its checksum made right again: Automerge's parser may take it, the
	// compact form cannot give it back, so it goes as it is.
	ch, _, ok := parseChunk(real)
	if !ok {
		t.Fatal("a real change does not parse")
	}
	padded := bytes.Clone(real)
	at := bytes.Index(padded, append(appendBytes(nil, ch.actor), byte(ch.seq)))
	if at < 0 {
		t.Fatal("sequence number not found")
	}
	at += len(appendBytes(nil, ch.actor))
	padded = append(padded[:at:at], append([]byte{byte(ch.seq) | 0x80, 0}, padded[at+1:]...)...)
	others := [][]byte{
		padded,
		{1},
		[]byte("not a change at all"),
		append(bytes.Clone(real[:len(real)-1]), real[len(real)-1]^1), // a bad checksum
		append(bytes.Clone(real), 0),                                 // a byte past its length
	}
	for i, o := range others {
		if _, _, ok := parseChunk(o); ok {
			t.Fatalf("case %d parsed as a change", i)
		}
	}
	body := AppendInner(nil, FrameChanges, EncodeChanges(append(others, real)))
	z, err := a.c.Compress(body)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := b.d.Decompress(z, MaxFrame)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := ParseChanges(inner[0].Payload)
	for i := range got {
		if !bytes.Equal(got[i], append(others, real)[i]) {
			t.Fatalf("case %d arrived differently", i)
		}
	}
}

// compactPayload is a compact frame holding changes made of parts, for
// crafting what a modified client might send.
func compactPayload(changes ...[]byte) []byte {
	out := binary.AppendUvarint(nil, uint64(len(changes)))
	for _, c := range changes {
		out = append(out, c...)
	}
	return out
}

// A reference the receiver cannot resolve, a column it does not hold, a
// message it cannot step from: a bad frame, never a different change.
func TestCompactRefusesWhatItCannotRebuild(t *testing.T) {
	actor := appendBytes([]byte{0}, bytes.Repeat([]byte{7}, 16))
	tail := func(deps []byte, extra ...byte) []byte {
		c := append([]byte{1}, deps...)
		c = append(c, actor...)
		c = append(c, 2, 2, 2)  // seq, start op, time steps
		c = append(c, extra...) // message, actors, columns...
		return c
	}
	full := []byte{1, 0, 0, 0, 1, 0, 0} // message "", no other actors, no columns, K, no extra
	cases := map[string][]byte{
		"a change it was not sent":    tail([]byte{1, 1}, full...),
		"a change it never sent":      tail([]byte{1, 2}, full...),
		"a reference of no kind":      tail([]byte{1, 3}, full...),
		"the last message":            tail([]byte{0}, 0, 0, 1, 0, 0),
		"the last column layout":      tail([]byte{0}, 1, 0, 0, 0, 0, 0),
		"a column it does not hold":   tail([]byte{0}, 1, 0, 0, 0, 2, 5, 0, 0, 0),
		"a message step past the end": tail([]byte{0}, 9, 0, 0, 0, 1, 0, 0),
		"an unknown form":             {2},
		"truncated":                   tail([]byte{0}, 1),
	}
	for name, c := range cases {
		var d direction
		_, err := decodeCompact(&d, new(Tables), compactPayload(c), MaxFrame, new([]byte))
		if !errors.Is(err, ErrBadFrame) {
			t.Errorf("%s: got %v, want a bad frame", name, err)
		}
	}
	// The well-formed one, for contrast, rebuilds.
	var d direction
	if _, err := decodeCompact(&d, new(Tables), compactPayload(tail([]byte{0}, full...)), MaxFrame, new([]byte)); err != nil {
		t.Fatalf("a well-formed compact change: %v", err)
	}
}

// References are a byte and rebuild to 32: a frame of them is refused
// once what it rebuilds passes the cap, before it is built.
func TestCompactExpansionIsCapped(t *testing.T) {
	var tab Tables
	tab.recv.add(sha256.Sum256([]byte("a change")))
	change := func(actor []byte) []byte {
		c := []byte{1}
		c = binary.AppendUvarint(c, maxDeps)
		c = append(c, bytes.Repeat([]byte{1}, maxDeps)...) // each: the last change received
		c = append(c, actor...)
		return append(c, 2, 2, 2, 1, 0, 0, 0, 1, 0, 0)
	}
	n := MaxFrame/(32*maxDeps) + 2
	changes := make([][]byte, n)
	changes[0] = change(appendBytes([]byte{0}, bytes.Repeat([]byte{7}, 16)))
	for i := 1; i < n; i++ {
		changes[i] = change([]byte{1}) // the actor named first
	}
	var d0 direction
	if _, err := decodeCompact(&d0, &tab, compactPayload(changes[:3]...), MaxFrame, new([]byte)); err != nil {
		t.Fatalf("three such changes: %v", err)
	}
	var d direction
	_, err := decodeCompact(&d, &tab, compactPayload(changes...), MaxFrame, new([]byte))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("%d bytes of references rebuilding to %d MiB: %v", n*len(changes[1]), n*32*maxDeps>>20, err)
	}
}

// asChange wraps body as an Automerge change chunk with a right
// checksum, whatever body holds.
func asChange(body []byte) []byte {
	out := append(bytes.Clone(changeMagic), 0, 0, 0, 0, 1)
	out = binary.AppendUvarint(out, uint64(len(body)))
	out = append(out, body...)
	sum := sha256.Sum256(out[8:])
	copy(out[4:8], sum[:4])
	return out
}

// Whatever a changes frame holds, changes or not, arrives as it was
// sent, in a stream of frames each side also receives on.
func FuzzCompactRoundTrip(f *testing.F) {
	a, _ := twoSides(f)
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range 4 {
		edit(f, rng, a, i)
	}
	for _, c := range a.unsent {
		_, n := binary.Uvarint(c[9:])
		body := c[9+n:]
		if !bytes.Equal(asChange(body), c) {
			f.Fatal("asChange does not rebuild a real change")
		}
		f.Add(body, body, []byte("x"))
	}
	f.Add([]byte{}, []byte{0}, []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, x, y, z []byte) {
		ac, ad := NewCodec()
		bc, bd := NewCodec()
		send := func(c *Compressor, d *Decompressor, changes [][]byte) {
			z, err := c.Compress(AppendInner(nil, FrameChanges, EncodeChanges(changes)))
			if err != nil {
				t.Fatal(err)
			}
			inner, err := d.Decompress(z, MaxFrame)
			if err != nil {
				t.Fatalf("decompress: %v", err)
			}
			got, err := ParseChanges(inner[0].Payload)
			if err != nil || len(got) != len(changes) {
				t.Fatalf("%v: %d of %d changes", err, len(got), len(changes))
			}
			for i := range got {
				if !bytes.Equal(got[i], changes[i]) {
					t.Fatalf("change %d arrived differently:\n%x\n%x", i, got[i], changes[i])
				}
			}
		}
		var all [][]byte
		for _, b := range [][]byte{x, y, z} {
			if len(b) > 0 {
				all = append(all, b)
			}
			all = append(all, asChange(b))
		}
		send(ac, bd, all[:2])
		send(bc, ad, all[2:4])
		send(ac, bd, all)
		send(bc, ad, all[1:])
	})
}

// A compact frame from a modified client never panics and never
// rebuilds past its cap, whatever state the stream is in.
func FuzzCompactFrame(f *testing.F) {
	a, b := twoSides(f)
	rng := rand.New(rand.NewPCG(4, 4))
	for i := range 6 {
		edit(f, rng, a, i)
	}
	ship(f, a, b, a.unsent[:3])
	var d direction
	var tab Tables
	f.Add(encodeCompact(&d, &tab, a.unsent[3:], new([]byte)), false)
	f.Add(encodeLevel(&d, &tab, bytes.Repeat([]byte{9}, 32)), true)
	f.Fuzz(func(t *testing.T, payload []byte, level bool) {
		const limit = 1 << 16
		// b's decompressor, as it stands after a's frame.
		dir := b.d.dir
		dir.actors = slices.Clone(dir.actors)
		dir.state = slices.Clone(dir.state)
		dir.specs = slices.Clone(dir.specs)
		dir.col = maps.Clone(dir.col)
		tab := &Tables{
			sent: ring{h: slices.Clone(b.d.tab.sent.h), n: b.d.tab.sent.n},
			recv: ring{h: slices.Clone(b.d.tab.recv.h), n: b.d.tab.recv.n},
		}
		if level {
			heads, err := decodeLevel(&dir, tab, payload)
			if err == nil && (len(heads)%32 != 0 || len(heads)/32 > maxHeads) {
				t.Fatalf("%d bytes of heads", len(heads))
			}
			return
		}
		changes, err := decodeCompact(&dir, tab, payload, limit, new([]byte))
		if err != nil {
			if !errors.Is(err, ErrBadFrame) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error of no kind: %v", err)
			}
			return
		}
		if n := len(EncodeChanges(changes)); n > limit+ChangesOverhead(len(changes)) {
			t.Fatalf("rebuilt %d bytes past the cap", n)
		}
	})
}

// A change naming one column spec twice (Automerge does not, a crafted
// one may) keeps both ends' state alike: what each kept of the spec is
// its last column, on both.
func TestCompactRepeatedSpecStaysInStep(t *testing.T) {
	c, d := NewCompressor(), NewDecompressor()
	actor := bytes.Repeat([]byte{7}, 16)
	for i, cols := range [][][]byte{{{1, 2}, {3, 4}}, {{9, 9}, {3, 4}}, {{3, 4}, {3, 4}}, {{3, 4}, {9, 9}}, {{9, 9}, {9, 9}}} {
		ch := chunk{actor: actor, seq: uint64(i + 1), startOp: uint64(2*i + 1), msg: []byte("m"), specs: []uint64{5, 5}, data: cols}
		change, _ := ch.build()
		if _, _, ok := parseChunk(change); !ok {
			t.Fatal("a built change does not parse")
		}
		z, err := c.Compress(AppendInner(nil, FrameChanges, EncodeChanges([][]byte{change})))
		if err != nil {
			t.Fatal(err)
		}
		inner, err := d.Decompress(z, MaxFrame)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := ParseChanges(inner[0].Payload); len(got) != 1 || !bytes.Equal(got[0], change) {
			t.Fatalf("change %d arrived differently", i+1)
		}
	}
}
