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

// The synthetic trace is reproducible, as long as asked, and replays on a
// rune slice to its EndContent.
func TestSynthetic(t *testing.T) {
	a, b := Synthetic(7, 5000), Synthetic(7, 5000)
	if len(a.Txns) < 5000 || len(a.Txns) > 5020 {
		t.Fatalf("%d patches, want about 5000", len(a.Txns))
	}
	if a.EndContent != b.EndContent || len(a.Txns) != len(b.Txns) {
		t.Fatal("same seed, different traces")
	}
	if Synthetic(8, 5000).EndContent == a.EndContent {
		t.Fatal("different seeds, same trace")
	}
	var doc []rune
	dels := 0
	for _, tx := range a.Txns {
		for _, p := range tx.Patches {
			doc = append(doc[:p.Pos], append([]rune(p.Ins), doc[p.Pos+p.Del:]...)...)
			dels += p.Del
		}
	}
	if string(doc) != a.EndContent {
		t.Fatal("replay does not give EndContent")
	}
	if dels < 200 {
		t.Fatalf("only %d deletions: the trace has no corrections", dels)
	}
}
