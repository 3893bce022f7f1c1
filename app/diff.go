package app

// splice is one edit in code points: delete del at pos, insert ins.
type splice struct {
	pos, del int
	ins      string
}

// maxDiffEdits bounds the fine diff; beyond it one coarse splice is used.
const maxDiffEdits = 2000

// diffSplices returns the splices turning a into b, in descending position
// order so they can be applied one after another. Unlike a single
// prefix/suffix splice, edits at both ends of a text stay separate, so a
// cursor between them is not swallowed.
func diffSplices(a, b string) []splice {
	ar, br := []rune(a), []rune(b)
	pre := 0
	for pre < len(ar) && pre < len(br) && ar[pre] == br[pre] {
		pre++
	}
	suf := 0
	for suf < len(ar)-pre && suf < len(br)-pre && ar[len(ar)-1-suf] == br[len(br)-1-suf] {
		suf++
	}
	x, y := ar[pre:len(ar)-suf], br[pre:len(br)-suf]
	if len(x) == 0 && len(y) == 0 {
		return nil
	}
	if len(x) == 0 || len(y) == 0 {
		return []splice{{pre, len(x), string(y)}}
	}
	ops, ok := myers(x, y)
	if !ok {
		return []splice{{pre, len(x), string(y)}}
	}
	// ops are in ascending order; merge adjacent deletes and inserts.
	var out []splice
	for _, op := range ops {
		op.pos += pre
		if n := len(out); n > 0 && out[n-1].pos+out[n-1].del == op.pos {
			out[n-1].del += op.del
			out[n-1].ins += op.ins
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
// position of a, or false when the texts differ by more than maxDiffEdits.
func myers(a, b []rune) ([]splice, bool) {
	n, m := len(a), len(b)
	maxD := min(n+m, maxDiffEdits)
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
	var rev []splice
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
			rev = append(rev, splice{pos: px, ins: string(b[py])})
		} else {
			rev = append(rev, splice{pos: px, del: 1})
		}
		xx, yy = px, py
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev, true
}
