package doc

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	am "github.com/automerge/automerge-go"
)

// send moves what to lacks from from, as a sync would: ChangesSince the
// receiver's heads, each change encoded, in batches of batch changes.
func send(t *testing.T, from, to *Plan, batch int) []Received {
	t.Helper()
	refs, err := from.ChangesSince(to.Heads())
	if err != nil {
		t.Fatal(err)
	}
	var out []Received
	for i := 0; i < len(refs); i += batch {
		var raws [][]byte
		for _, r := range refs[i:min(i+batch, len(refs))] {
			b, err := from.ChangeBytes(r.Hash)
			if err != nil {
				t.Fatal(err)
			}
			raws = append(raws, b)
		}
		res, err := to.ReceiveChanges(raws)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res)
	}
	return out
}

// Two replicas that diverged converge when each receives ChangesSince the
// other's heads, in batches of any size, and ChangesSince names exactly
// what the other lacks, in dependency order, with its author's device.
func TestChangesSinceAndReceive(t *testing.T) {
	for _, batch := range []int{1, 3, 1000} {
		t.Run(fmt.Sprintf("batch %d", batch), func(t *testing.T) {
			a := newTestPlan(t)
			bo := keyedAuthor("Bo", "", CivilSociety)
			must(t, a.AddMember(Member{PeerID: bo.PeerID, Name: "Bo", Side: CivilSociety}))
			must(t, a.Commit())
			b := replica(t, a, bo)
			for i := range 5 {
				_, err := a.AddTimeline(fmt.Sprintf("Ann %d", i), "2025-01-01", "")
				must(t, err)
				must(t, a.Commit())
				_, err = b.AddTimeline(fmt.Sprintf("Bo %d", i), "2025-01-02", "")
				must(t, err)
				must(t, b.Commit())
			}
			refs, err := a.ChangesSince(b.Heads())
			must(t, err)
			// b's heads are unknown to a: a cannot tell what b holds and
			// lists everything; with the common heads it lists its own 5.
			base := commonHeads(t, a, b)
			own, err := a.ChangesSince(append(b.Heads(), base...))
			must(t, err)
			if len(own) != 5 || len(refs) <= len(own) {
				t.Fatalf("ChangesSince: %d with unknown heads, %d with the common ones, want more and 5", len(refs), len(own))
			}
			for _, r := range own {
				if r.Device != testAuthor.PeerID {
					t.Fatalf("change %s attributed to %q", r.Hash[:8], r.Device)
				}
			}
			send(t, a, b, batch)
			send(t, b, a, batch)
			if !slices.Equal(a.Heads(), b.Heads()) || len(a.Timeline()) != 10 {
				t.Fatalf("not converged: %d and %d timeline entries", len(a.Timeline()), len(b.Timeline()))
			}
			// Nothing left to send either way, and sending again is harmless.
			for _, res := range send(t, a, b, batch) {
				if len(res.Applied) != 0 {
					t.Fatal("applied something twice")
				}
			}
			if left, _ := a.ChangesSince(b.Heads()); len(left) != 0 {
				t.Fatalf("%d changes left after convergence", len(left))
			}
		})
	}
}

// commonHeads are the heads of what a and b both hold (a's history up to
// the point b forked from it).
func commonHeads(t *testing.T, a, b *Plan) []string {
	t.Helper()
	var out []string
	hist, err := a.History()
	must(t, err)
	for _, e := range hist {
		if b.HasChanges([]string{e.Hash}) {
			out = []string{e.Hash}
		}
	}
	return out
}

// A batch in reverse order applies in full; one missing its dependency
// waits, naming what it lacks, and applies once that arrives.
func TestReceiveOutOfOrderAndWaiting(t *testing.T) {
	a := newTestPlan(t)
	b := replica(t, a, Author{Name: "Bo"})
	base := a.Heads()
	for i := range 4 {
		_, err := a.AddTimeline(fmt.Sprintf("entry %d", i), "2025-01-01", "")
		must(t, err)
		must(t, a.Commit())
	}
	refs, err := a.ChangesSince(base)
	must(t, err)
	raws := make([][]byte, len(refs))
	for i, r := range refs {
		raws[i], err = a.ChangeBytes(r.Hash)
		must(t, err)
	}
	// The last two alone: they wait for the first two.
	res, err := b.ReceiveChanges(raws[2:])
	must(t, err)
	if len(res.Applied) != 0 || len(res.Waiting) != 2 || len(res.Missing) != 1 || res.Missing[0] != refs[1].Hash {
		t.Fatalf("without their dependency: %+v", res)
	}
	// All four, reversed.
	rev := slices.Clone(raws)
	slices.Reverse(rev)
	res, err = b.ReceiveChanges(rev)
	must(t, err)
	if len(res.Applied) != 4 || !slices.Equal(a.Heads(), b.Heads()) {
		t.Fatalf("reversed batch: applied %d, converged %v", len(res.Applied), slices.Equal(a.Heads(), b.Heads()))
	}
}

// craftedChange makes, with Automerge directly (as a modified client
// would), a change on top of p setting a value of size bytes.
func craftedChange(t *testing.T, p *Plan, size int) (raw []byte, hash string, d *am.Doc) {
	t.Helper()
	saved, err := p.Save()
	must(t, err)
	d, err = am.Load(saved)
	must(t, err)
	must(t, d.RootMap().Set("blob", strings.Repeat("x", size)))
	h, err := d.Commit("Huge value")
	must(t, err)
	c, err := d.Change(h)
	must(t, err)
	return c.Save(), h.String(), d
}

// A change over MaxChangeSize from a peer is refused with a reason, and so
// is every change built on it, now and later; the plan is unchanged, and
// an honest change in the same batch is applied.
func TestReceiveRefusesOversizeAndDependents(t *testing.T) {
	p := newTestPlan(t)
	honestSrc := replica(t, p, Author{Name: "Honest"})
	_, err := honestSrc.AddTimeline("honest", "2025-01-01", "")
	must(t, err)
	must(t, honestSrc.Commit())
	honest, err := honestSrc.ChangeBytes(honestSrc.Heads()[0])
	must(t, err)

	big, bigHash, d := craftedChange(t, p, MaxChangeSize+1024)
	must(t, d.RootMap().Set("after", "small"))
	h2, err := d.Commit("After the huge one")
	must(t, err)
	c2, err := d.Change(h2)
	must(t, err)
	before := p.Heads()

	res, err := p.ReceiveChanges([][]byte{big, honest})
	must(t, err)
	if len(res.Refused) != 1 || res.Refused[0].Hash != bigHash || !strings.Contains(res.Refused[0].Reason, "exceeds") {
		t.Fatalf("oversize change: refused %+v", res.Refused)
	}
	if len(res.Applied) != 1 {
		t.Fatalf("the honest change was not applied: %+v", res)
	}
	res, err = p.ReceiveChanges([][]byte{c2.Save()})
	must(t, err)
	if len(res.Refused) != 1 || !strings.Contains(res.Refused[0].Reason, "refused change") {
		t.Fatalf("dependent of the refused change: %+v", res)
	}
	if p.HasChanges([]string{bigHash}) || p.HasChanges([]string{h2.String()}) || slices.Equal(before, p.Heads()) {
		t.Fatal("a refused change reached the plan, or the honest one did not")
	}
	for _, bad := range [][]byte{nil, []byte("not a change"), big[:len(big)/2], append(slices.Clone(honest[:20]), 0)} {
		res, err := p.ReceiveChanges([][]byte{bad})
		must(t, err)
		if len(res.Refused) != 1 || len(res.Applied) != 0 {
			t.Fatalf("malformed bytes %q...: %+v", bad[:min(len(bad), 8)], res)
		}
	}
}

// A 40 MB paste fails with a clear error before anything is applied; a few
// large values in a row are split into changes that each fit.
func TestEditSizeLimit(t *testing.T) {
	p := newTestPlan(t)
	id, err := p.AddCommitment(NewCommitment{Title: "Open data"})
	must(t, err)
	must(t, p.Commit())
	ref := CommitmentText(id, "description")
	before := p.Heads()
	paste := strings.Repeat("forty megabytes of pasted minutes ", 40<<20/34)
	err = p.Splice(ref, 0, 0, paste)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "paste too large") {
		t.Fatalf("40 MB paste: %v", err)
	}
	must(t, p.Commit())
	if got := text(t, p, ref); got != "" || !slices.Equal(before, p.Heads()) {
		t.Fatalf("the refused paste changed the plan (text %d bytes)", len(got))
	}
	if err := p.SetCommitmentShort(id, FieldLead, paste); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("40 MB value: %v", err)
	}
	// Three 3 MB values, no commit between: no change over the limit.
	for i, f := range []ShortField{FieldLead, FieldSupport, FieldContact} {
		must(t, p.SetCommitmentShort(id, f, strings.Repeat(string(rune('a'+i)), 3<<20)))
	}
	must(t, p.Commit())
	refs, err := p.ChangesSince(before)
	must(t, err)
	if len(refs) < 2 {
		t.Fatalf("9 MB of values in %d change(s)", len(refs))
	}
	for _, r := range refs {
		b, err := p.ChangeBytes(r.Hash)
		must(t, err)
		if len(b) > MaxChangeSize {
			t.Fatalf("a change of %d bytes was made", len(b))
		}
	}
}

func text(t *testing.T, p *Plan, r TextRef) string {
	t.Helper()
	s, err := p.Text(r)
	must(t, err)
	return s
}

// FuzzParseChange: whatever a peer sends as a change, parsing it never
// panics, and what parses has the hash Automerge gives it.
func FuzzParseChange(f *testing.F) {
	p, _ := NewPlan("Fuzz", "Testland", "2025", "2027", testAuthor)
	h := p.Heads()[0]
	raw, _ := p.ChangeBytes(h)
	f.Add(raw)
	f.Add([]byte{0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 1, 0})
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, deps, err := parseChange(b)
		if err != nil {
			return
		}
		if len(deps) > len(b)/32 {
			t.Fatalf("%d deps from %d bytes", len(deps), len(b))
		}
		if string(b) == string(raw) && got.String() != h {
			t.Fatalf("hash %s, Automerge says %s", got, h)
		}
	})
}

// ClockSince gives each actor's last sequence number, in full or beyond a
// base, and stays right as changes arrive (the full one is kept).
func TestClockSince(t *testing.T) {
	a := newTestPlan(t)
	b := replica(t, a, Author{Name: "Bo"})
	base := a.Heads()
	brute := func(p *Plan, since []string) map[string]uint64 {
		refs, err := p.ChangesSince(since)
		must(t, err)
		out := map[string]uint64{}
		for _, r := range refs {
			out[r.Actor] = max(out[r.Actor], r.Seq)
		}
		return out
	}
	for round := range 3 {
		for range 2 {
			_, err := b.AddTimeline(fmt.Sprint("b", round), "2025-01-01", "")
			must(t, err)
			must(t, b.Commit())
		}
		send(t, b, a, 10)
		full, err := a.ClockSince(nil)
		must(t, err)
		if fmt.Sprint(full) != fmt.Sprint(brute(a, nil)) || len(full) != 2 {
			t.Fatalf("round %d: full clock %v, want %v", round, full, brute(a, nil))
		}
		since, err := a.ClockSince(base)
		must(t, err)
		if len(since) != 1 || since[b.actor] != uint64(2*(round+1)) {
			t.Fatalf("round %d: clock since the fork %v", round, since)
		}
	}
}
