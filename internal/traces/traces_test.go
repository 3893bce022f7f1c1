package traces

import (
	"testing"
	"unicode/utf8"
)

// Replaying a sequential trace on a plain rune slice must give endContent:
// this checks the loader, independent of any CRDT.
func TestSequentialReplayOnRunes(t *testing.T) {
	tr := LoadOrSkip(t, "sveltecomponent.json.gz")
	doc := []rune(tr.StartContent)
	n := 0
	for _, tx := range tr.Txns {
		for _, p := range tx.Patches {
			doc = append(doc[:p.Pos], append([]rune(p.Ins), doc[p.Pos+p.Del:]...)...)
			n++
		}
	}
	if got := string(doc); got != tr.EndContent {
		t.Fatalf("replay of %d patches gives %d runes, want %d", n, utf8.RuneCountInString(got), utf8.RuneCountInString(tr.EndContent))
	}
	if n < 19000 {
		t.Fatalf("only %d patches loaded", n)
	}
}
