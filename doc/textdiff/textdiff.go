// Package textdiff finds the splices that turn one text into another, with
// positions and lengths in Unicode code points, the unit of every text
// position in a plan. The document writes a whole-field edit as one Span;
// editors bring remote text in through Splices, so a cursor between two
// colleagues' edits keeps its place.
package textdiff

// Splice is one edit: delete Del code points at Pos, then insert Ins there.
type Splice struct {
	Pos, Del int
	Ins      string
}

// maxEdits bounds the fine diff; beyond it Splices gives the one Span.
const maxEdits = 2000

// Span returns the single splice turning a into b: the part between their
// common prefix and the common suffix that does not overlap it. When a
// equals b, Del is 0 and Ins empty.
func Span(a, b string) Splice {
	ar, br := []rune(a), []rune(b)
	pre, suf := common(ar, br)
	return Splice{Pos: pre, Del: len(ar) - pre - suf, Ins: string(br[pre : len(br)-suf])}
}

// common returns the lengths of the common prefix and of the common suffix
// that does not overlap it.
func common(a, b []rune) (pre, suf int) {
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	return pre, suf
}

// Splices returns the splices turning a into b, in descending position
// order so they can be applied one after another. Unlike Span, edits at
// both ends of a text stay separate. Texts that differ in more than a few
// thousand places get the one Span.
func Splices(a, b string) []Splice {
	ar, br := []rune(a), []rune(b)
	pre, suf := common(ar, br)
	x, y := ar[pre:len(ar)-suf], br[pre:len(br)-suf]
	if len(x) == 0 && len(y) == 0 {
		return nil
	}
	whole := []Splice{{pre, len(x), string(y)}}
	if len(x) == 0 || len(y) == 0 {
		return whole
	}
	ops, ok := myers(x, y)
	if !ok {
		return whole
	}
	// ops are in ascending order; merge adjacent deletes and inserts.
	var out []Splice
	for _, op := range ops {
		op.Pos += pre
		if n := len(out); n > 0 && out[n-1].Pos+out[n-1].Del == op.Pos {
			out[n-1].Del += op.Del
			out[n-1].Ins += op.Ins
			continue
		}
		out = append(out, op)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// myers is Myers' O(ND) diff; it returns single-rune edits in ascending
// position of a, or false when the texts differ by more than maxEdits.
func myers(a, b []rune) ([]Splice, bool) {
	n, m := len(a), len(b)
	maxD := min(n+m, maxEdits)
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	found := -1
	for d := 0; d <= maxD && found < 0; d++ {
		snap := make([]int, 2*d+1)
		for k := -d; k <= d; k += 2 {
			var xx int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				xx = v[off+k+1]
			} else {
				xx = v[off+k-1] + 1
			}
			yy := xx - k
			for xx < n && yy < m && a[xx] == b[yy] {
				xx++
				yy++
			}
			v[off+k] = xx
			if xx >= n && yy >= m {
				found = d
			}
		}
		for k := -d; k <= d; k++ {
			snap[k+d] = v[off+k]
		}
		trace = append(trace, snap)
	}
	if found < 0 {
		return nil, false
	}
	var rev []Splice
	xx, yy := n, m
	for d := found; d > 0; d-- {
		prev := trace[d-1]
		get := func(k int) int { return prev[k+d-1] }
		k := xx - yy
		var pk int
		if k == -d || (k != d && get(k-1) < get(k+1)) {
			pk = k + 1 // came by an insertion
		} else {
			pk = k - 1 // came by a deletion
		}
		px := get(pk)
		py := px - pk
		for xx > px && yy > py {
			xx--
			yy--
		}
		if pk == k+1 {
			rev = append(rev, Splice{Pos: px, Ins: string(b[py])})
		} else {
			rev = append(rev, Splice{Pos: px, Del: 1})
		}
		xx, yy = px, py
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev, true
}
