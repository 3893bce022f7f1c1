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
	var doc []rune
	cursor := 0
	t := &Trace{Kind: "sequential", NumAgents: 1}
	n := 0
	add := func(p Patch) {
		t.Txns = append(t.Txns, Txn{Patches: []Patch{p}})
		n++
	}
	typeRune := func(r rune) {
		add(Patch{Pos: cursor, Ins: string(r)})
		doc = append(doc[:cursor], append([]rune{r}, doc[cursor:]...)...)
		cursor++
	}
	backspace := func() {
		if cursor == 0 {
			return
		}
		add(Patch{Pos: cursor - 1, Del: 1})
		doc = append(doc[:cursor-1], doc[cursor:]...)
		cursor--
	}
	for n < edits {
		switch x := rng.IntN(100); {
		case x < 3 && len(doc) > 0:
			// Move somewhere else to revise: to a word boundary.
			cursor = rng.IntN(len(doc) + 1)
			for cursor < len(doc) && doc[cursor] != ' ' {
				cursor++
			}
		case x < 5 && cursor > 0:
			// Delete a few words backwards.
			for k := rng.IntN(12) + 1; k > 0 && cursor > 0; k-- {
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
	t.EndContent = string(doc)
	return t
}
