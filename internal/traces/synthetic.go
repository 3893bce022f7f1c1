package traces

import (
	"math/rand/v2"
	"strings"
)

// synthWords is the vocabulary of Synthetic: words a plan's drafters type.
var synthWords = strings.Fields(`the a of to and in for on with by that is are be will
government open data public access information citizens civil society
commitment milestone transparency accountability participation agency
ministry budget procurement contracts beneficial ownership register
report publish portal consultation forum review implement monitor
local national plan action reform policy law regulation standard
deliver assess progress baseline target indicator evidence`)

// Synthetic generates a sequential keystroke trace of about edits patches,
// reproducibly from seed: words typed one letter at a time, typos corrected
// with backspace, and now and then the cursor moved elsewhere in the text
// to revise it (a drafter reworking a long description). EndContent is
// the text it leaves.
func Synthetic(seed uint64, edits int) *Trace {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	// A gap buffer: the text before the cursor, and the text after it
	// reversed, so a keystroke costs the same however long the text is.
	var pre, post []rune
	t := &Trace{Kind: "sequential", NumAgents: 1}
	n := 0
	add := func(p Patch) {
		t.Txns = append(t.Txns, Txn{Patches: []Patch{p}})
		n++
	}
	forward := func() { // the cursor one rune to the right
		pre, post = append(pre, post[len(post)-1]), post[:len(post)-1]
	}
	moveTo := func(c int) {
		for len(pre) > c {
			pre, post = pre[:len(pre)-1], append(post, pre[len(pre)-1])
		}
		for len(pre) < c {
			forward()
		}
	}
	typeRune := func(r rune) {
		add(Patch{Pos: len(pre), Ins: string(r)})
		pre = append(pre, r)
	}
	backspace := func() {
		if len(pre) == 0 {
			return
		}
		add(Patch{Pos: len(pre) - 1, Del: 1})
		pre = pre[:len(pre)-1]
	}
	for n < edits {
		switch x := rng.IntN(100); {
		case x < 3 && len(pre)+len(post) > 0:
			// Move somewhere else to revise: to a word boundary.
			moveTo(rng.IntN(len(pre) + len(post) + 1))
			for len(post) > 0 && post[len(post)-1] != ' ' {
				forward()
			}
		case x < 5 && len(pre) > 0:
			// Delete a few words backwards.
			for k := rng.IntN(12) + 1; k > 0 && len(pre) > 0; k-- {
				backspace()
			}
		default:
			w := []rune(synthWords[rng.IntN(len(synthWords))])
			if rng.IntN(10) == 0 {
				// A typo: type part of the word wrong, notice, correct it.
				k := rng.IntN(len(w)) + 1
				for i := 0; i < k; i++ {
					typeRune(rune('a' + rng.IntN(26)))
				}
				for i := 0; i < k; i++ {
					backspace()
				}
			}
			for _, r := range w {
				typeRune(r)
			}
			switch y := rng.IntN(40); {
			case y == 0:
				typeRune('.')
				typeRune('\n')
			case y < 3:
				typeRune(',')
				typeRune(' ')
			default:
				typeRune(' ')
			}
		}
	}
	moveTo(len(pre) + len(post))
	t.EndContent = string(pre)
	return t
}
