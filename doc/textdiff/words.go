package textdiff

import (
	"strings"
	"unicode"
)

// Op says what a chunk of a word diff is.
type Op int

const (
	Equal  Op = iota // in both texts
	Delete           // only in the old text
	Insert           // only in the new text
)

// Chunk is a run of a word diff: text that is in both texts, or only in
// one of them.
type Chunk struct {
	Op   Op     `json:"op"`
	Text string `json:"text"`
}

// maxTokenEdits bounds one token-level diff; a larger one is taken
// paragraph by paragraph, and a paragraph still larger is shown as
// replaced whole.
const maxTokenEdits = 2000

// Words diffs two texts word by word, as a reader compares them: words,
// runs of spaces and single punctuation marks are the units, so a changed
// word shows whole and a changed comma alone. Joining the chunks that are
// not Insert gives a; those not Delete give b.
func Words(a, b string) []Chunk {
	if a == b {
		if a == "" {
			return nil
		}
		return []Chunk{{Equal, a}}
	}
	ta, tb := tokens(a), tokens(b)
	in := interner{}
	x, y := in.ids(ta), in.ids(tb)
	var out chunks
	diffIDs(x, y, ta, tb, &out, true)
	return out.list
}

// tokens splits a text into words, runs of white space, and other
// characters one by one. A word keeps apostrophes and hyphens inside it.
func tokens(s string) []string {
	var out []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		j := i + 1
		switch r := rs[i]; {
		case isWord(r):
			for j < len(rs) && (isWord(rs[j]) || (isJoiner(rs[j]) && j+1 < len(rs) && isWord(rs[j+1]))) {
				j++
			}
		case unicode.IsSpace(r):
			for j < len(rs) && unicode.IsSpace(rs[j]) && (rs[j-1] != '\n' || rs[j] != '\n') {
				j++
			}
		}
		out = append(out, string(rs[i:j]))
		i = j
	}
	return out
}

func isWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isJoiner(r rune) bool { return r == '\'' || r == '’' || r == '-' }

type interner map[string]int32

func (in interner) ids(ts []string) []int32 {
	out := make([]int32, len(ts))
	for i, t := range ts {
		id, ok := in[t]
		if !ok {
			id = int32(len(in))
			in[t] = id
		}
		out[i] = id
	}
	return out
}

// chunks collects a diff, merging neighbours of one kind.
type chunks struct{ list []Chunk }

func (c *chunks) add(op Op, ts []string) {
	if len(ts) == 0 {
		return
	}
	s := strings.Join(ts, "")
	if n := len(c.list); n > 0 && c.list[n-1].Op == op {
		c.list[n-1].Text += s
		return
	}
	c.list = append(c.list, Chunk{op, s})
}

// diffIDs diffs token IDs x and y (whose texts are tx and ty) into out.
// With byParagraph, a diff too large for one pass is taken paragraph by
// paragraph.
func diffIDs(x, y []int32, tx, ty []string, out *chunks, byParagraph bool) {
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	out.add(Equal, tx[:pre])
	mx, my := x[pre:len(x)-suf], y[pre:len(y)-suf]
	mtx, mty := tx[pre:len(tx)-suf], ty[pre:len(ty)-suf]
	switch {
	case len(mx) == 0:
		out.add(Insert, mty)
	case len(my) == 0:
		out.add(Delete, mtx)
	default:
		if ops, ok := myersIDs(mx, my); ok {
			i, j := 0, 0
			for _, op := range ops {
				switch op {
				case Equal:
					out.add(Equal, mtx[i:i+1])
					i, j = i+1, j+1
				case Delete:
					out.add(Delete, mtx[i:i+1])
					i++
				case Insert:
					out.add(Insert, mty[j:j+1])
					j++
				}
			}
		} else if byParagraph {
			byParagraphs(mtx, mty, out)
		} else {
			out.add(Delete, mtx)
			out.add(Insert, mty)
		}
	}
	out.add(Equal, tx[len(tx)-suf:])
}

// byParagraphs diffs the paragraphs of two token lists as units, then the
// words of each paragraph replaced by another.
func byParagraphs(tx, ty []string, out *chunks) {
	px, py := paragraphs(tx), paragraphs(ty)
	in := interner{}
	key := func(ps [][]string) []int32 {
		ks := make([]string, len(ps))
		for i, p := range ps {
			ks[i] = strings.Join(p, "")
		}
		return in.ids(ks)
	}
	ops, ok := myersIDs(key(px), key(py))
	if !ok {
		out.add(Delete, tx)
		out.add(Insert, ty)
		return
	}
	i, j := 0, 0
	var dels, inss [][]string
	flush := func() {
		a, b := flat(dels), flat(inss)
		w := interner{}
		diffIDs(w.ids(a), w.ids(b), a, b, out, false)
		dels, inss = nil, nil
	}
	for _, op := range ops {
		switch op {
		case Equal:
			flush()
			out.add(Equal, px[i])
			i, j = i+1, j+1
		case Delete:
			dels = append(dels, px[i])
			i++
		case Insert:
			inss = append(inss, py[j])
			j++
		}
	}
	flush()
}

// paragraphs splits tokens after each token holding a line break.
func paragraphs(ts []string) [][]string {
	var out [][]string
	start := 0
	for i, t := range ts {
		if strings.ContainsRune(t, '\n') {
			out = append(out, ts[start:i+1])
			start = i + 1
		}
	}
	if start < len(ts) {
		out = append(out, ts[start:])
	}
	return out
}

func flat(ps [][]string) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p...)
	}
	return out
}

// myersIDs is Myers' O(ND) diff over token IDs, giving one op per token,
// or false when the lists differ by more than maxTokenEdits.
func myersIDs(a, b []int32) ([]Op, bool) {
	n, m := len(a), len(b)
	maxD := min(n+m, maxTokenEdits)
	off := maxD + 1
	v := make([]int32, 2*maxD+3)
	var trace [][]int32
	found := -1
	for d := 0; d <= maxD && found < 0; d++ {
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = int(v[off+k+1])
			} else {
				x = int(v[off+k-1]) + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = int32(x)
			if x >= n && y >= m {
				found = d
			}
		}
		trace = append(trace, append([]int32(nil), v[off-d:off+d+1]...))
	}
	if found < 0 {
		return nil, false
	}
	var rev []Op
	x, y := n, m
	for d := found; d > 0; d-- {
		prev := trace[d-1]
		get := func(k int) int { return int(prev[k+d-1]) }
		k := x - y
		var pk int
		if k == -d || (k != d && get(k-1) < get(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := get(pk)
		py := px - pk
		for x > px && y > py {
			rev = append(rev, Equal)
			x--
			y--
		}
		if pk == k+1 {
			rev = append(rev, Insert)
		} else {
			rev = append(rev, Delete)
		}
		x, y = px, py
	}
	for x > 0 && y > 0 {
		rev = append(rev, Equal)
		x--
		y--
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev, true
}
