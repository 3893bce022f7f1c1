package textdiff

import (
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"
)

func apply(s string, ss []Splice) string {
	r := []rune(s)
	for _, sp := range ss {
		r = append(r[:sp.Pos], append([]rune(sp.Ins), r[sp.Pos+sp.Del:]...)...)
	}
	return string(r)
}

func TestSpan(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want Splice
	}{
		{"hello", "hello", Splice{5, 0, ""}},
		{"hello", "help", Splice{3, 2, "p"}},
		{"", "abc", Splice{0, 0, "abc"}},
		{"abc", "", Splice{0, 3, ""}},
		{"αβγ", "αxγ", Splice{1, 1, "x"}},
		{"aaa", "aaaa", Splice{3, 0, "a"}},
		{"Wales 🏴", "Cymru 🏴", Splice{0, 5, "Cymru"}},
	} {
		t.Run(tc.a+"→"+tc.b, func(t *testing.T) {
			if got := Span(tc.a, tc.b); got != tc.want {
				t.Fatalf("Span(%q, %q) = %+v, want %+v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestSplices(t *testing.T) {
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
		t.Run(tc.a+"→"+tc.b, func(t *testing.T) {
			got := Splices(tc.a, tc.b)
			if out := apply(tc.a, got); out != tc.b {
				t.Errorf("Splices(%q, %q) = %v gives %q", tc.a, tc.b, got, out)
			}
			if len(got) != tc.n {
				t.Errorf("Splices(%q, %q) = %v, want %d splices", tc.a, tc.b, got, tc.n)
			}
		})
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
	for range 500 {
		a, b := rnd(rng.Intn(40)), rnd(rng.Intn(40))
		if out := apply(a, Splices(a, b)); out != b {
			t.Fatalf("Splices(%q, %q) gives %q", a, b, out)
		}
	}
}

// Texts too different for the fine diff still get a correct splice.
func TestSplicesBeyondTheBound(t *testing.T) {
	a := "<" + strings.Repeat("a", maxEdits) + ">"
	b := "<" + strings.Repeat("b", maxEdits) + ">"
	got := Splices(a, b)
	if out := apply(a, got); out != b {
		t.Fatalf("Splices over the bound does not give b")
	}
	if len(got) != 1 || got[0] != Span(a, b) {
		t.Fatalf("Splices over the bound = %d splices, want the one Span", len(got))
	}
}

func FuzzSplices(f *testing.F) {
	f.Add("hello world", "[x] hello world (y)")
	f.Add("año über", "año, über!")
	f.Add("", "Ελληνικά")
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) {
			t.Skip()
		}
		if out := apply(a, []Splice{Span(a, b)}); out != b {
			t.Fatalf("Span(%q, %q) gives %q", a, b, out)
		}
		ss := Splices(a, b)
		if out := apply(a, ss); out != b {
			t.Fatalf("Splices(%q, %q) = %v gives %q", a, b, ss, out)
		}
		for i := 1; i < len(ss); i++ {
			if ss[i].Pos+ss[i].Del > ss[i-1].Pos {
				t.Fatalf("Splices(%q, %q) = %v: not in descending order", a, b, ss)
			}
		}
	})
}
