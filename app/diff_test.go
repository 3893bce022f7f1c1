package app

import (
	"math/rand"
	"testing"
)

func applySplices(s string, ss []splice) string {
	r := []rune(s)
	for _, sp := range ss {
		r = append(r[:sp.pos], append([]rune(sp.ins), r[sp.pos+sp.del:]...)...)
	}
	return string(r)
}

func TestDiffSplices(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		n    int
	}{
		{"", "", 0},
		{"abc", "abc", 0},
		{"", "xyz", 1},
		{"hello world", "[x] hello world (y)", 2},
		{"hello world", "hello brave world", 1},
		{"año über", "año, über!", 2},
		{"abcdef", "azcdeq", 2},
	} {
		got := diffSplices(tc.a, tc.b)
		if out := applySplices(tc.a, got); out != tc.b {
			t.Errorf("diff(%q, %q) = %v gives %q", tc.a, tc.b, got, out)
		}
		if len(got) != tc.n {
			t.Errorf("diff(%q, %q) = %v, want %d splices", tc.a, tc.b, got, tc.n)
		}
	}
	rng := rand.New(rand.NewSource(1))
	alpha := []rune("ab é\n")
	rnd := func(n int) string {
		r := make([]rune, n)
		for i := range r {
			r[i] = alpha[rng.Intn(len(alpha))]
		}
		return string(r)
	}
	for i := 0; i < 500; i++ {
		a, b := rnd(rng.Intn(40)), rnd(rng.Intn(40))
		if out := applySplices(a, diffSplices(a, b)); out != b {
			t.Fatalf("diff(%q, %q) gives %q", a, b, out)
		}
	}
}
