package traces

import (
	"math/rand/v2"
	"time"
)

// HumanGaps returns a seeded, typist-like gap before each of n
// transactions: most keystrokes 80–250 ms apart, a pause of 0.3–0.9 s
// between words now and then, and a longer think every few sentences. A
// steady 150 ms clock never pauses, so it cannot show what a commit
// policy's pause length costs. The same n gives the same gaps everywhere.
func HumanGaps(n int) []time.Duration {
	r := rand.New(rand.NewPCG(7, 11))
	out := make([]time.Duration, n)
	for i := range out {
		switch x := r.Float64(); {
		case x < 0.82:
			out[i] = time.Duration(80+r.IntN(170)) * time.Millisecond
		case x < 0.97:
			out[i] = time.Duration(300+r.IntN(600)) * time.Millisecond
		default:
			out[i] = time.Duration(2+r.IntN(20)) * time.Second
		}
	}
	return out
}
