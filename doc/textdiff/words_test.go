package textdiff

import (
	"math/rand"
	"strings"
	"testing"
	"time"
)

// sides rebuilds the old and new texts from a word diff.
func sides(cs []Chunk) (string, string) {
	var a, b strings.Builder
	for _, c := range cs {
		if c.Op != Insert {
			a.WriteString(c.Text)
		}
		if c.Op != Delete {
			b.WriteString(c.Text)
		}
	}
	return a.String(), b.String()
}

// render writes a diff as [-deleted-]{+inserted+}.
func render(cs []Chunk) string {
	var b strings.Builder
	for _, c := range cs {
		switch c.Op {
		case Equal:
			b.WriteString(c.Text)
		case Delete:
			b.WriteString("[-" + c.Text + "-]")
		case Insert:
			b.WriteString("{+" + c.Text + "+}")
		}
	}
	return b.String()
}

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		name, a, b, want string
	}{
		{"same", "Publish contracts.", "Publish contracts.", "Publish contracts."},
		{"empty", "", "", ""},
		{"all new", "", "Publish contracts.", "{+Publish contracts.+}"},
		{"all gone", "Publish contracts.", "", "[-Publish contracts.-]"},
		{"a word added", "Publish every contract.", "Publish every public contract.", "Publish every {+public +}contract."},
		{"a word changed whole", "Publish every contract.", "Publish each contract.", "Publish [-every-]{+each+} contract."},
		{"punctuation alone", "Publish contracts, quickly.", "Publish contracts; quickly.", "Publish contracts[-,-]{+;+} quickly."},
		{"words keep hyphens and apostrophes", "the government's self-assessment", "the council's self-assessment",
			"the [-government's-]{+council's+} self-assessment"},
		{"accents are letters", "Cynllun ŵyr", "Cynllun wyr", "Cynllun [-ŵyr-]{+wyr+}"},
		{"paragraphs", "One.\n\nTwo.\n\nThree.", "One.\n\nTwo and a half.\n\nThree.", "One.\n\nTwo{+ and a half+}.\n\nThree."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := Words(tc.a, tc.b)
			if got := render(cs); got != tc.want {
				t.Fatalf("Words(%q, %q) = %s, want %s", tc.a, tc.b, got, tc.want)
			}
			if a, b := sides(cs); a != tc.a || b != tc.b {
				t.Fatalf("the diff does not rebuild its texts: %q %q", a, b)
			}
			for i := 1; i < len(cs); i++ {
				if cs[i].Op == cs[i-1].Op {
					t.Fatalf("neighbouring chunks of one kind: %+v", cs)
				}
			}
		})
	}
}

// randomText is n words of a small vocabulary in paragraphs.
func randomText(r *rand.Rand, n int) string {
	words := []string{"open", "data", "contract", "budget", "ŵyr", "register", "public", ",", ".", "self-assessment"}
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(words[r.Intn(len(words))])
		if r.Intn(12) == 0 {
			b.WriteString("\n\n")
		} else {
			b.WriteString(" ")
		}
	}
	return b.String()
}

// Random texts, near and far apart (far ones take the paragraph path and
// the whole-replacement path), always rebuild both sides.
func TestWordsRebuildBothSides(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 200; i++ {
		a := randomText(r, r.Intn(300))
		b := a
		switch i % 3 {
		case 0: // a few edits
			rs := []rune(b)
			for j := 0; j < 1+r.Intn(5) && len(rs) > 0; j++ {
				p := r.Intn(len(rs))
				rs = append(rs[:p], append([]rune(" new words "), rs[p+r.Intn(len(rs)-p):]...)...)
			}
			b = string(rs)
		case 1: // unrelated
			b = randomText(r, r.Intn(300))
		case 2: // unrelated and long: beyond one token pass
			if i < 30 {
				a, b = randomText(r, 3000), randomText(r, 3000)
			}
		}
		cs := Words(a, b)
		if ga, gb := sides(cs); ga != a || gb != b {
			t.Fatalf("case %d: the diff does not rebuild its texts", i)
		}
	}
}

// A 2,000-word text rewritten throughout diffs fast.
func TestWordsLargeIsQuick(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	a := randomText(r, 2000)
	ws := strings.Fields(a)
	for i := range ws {
		if i%7 == 0 {
			ws[i] = "changed"
		}
	}
	b := strings.Join(ws, " ")
	t0 := time.Now()
	cs := Words(a, b)
	if d := time.Since(t0); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
	if ga, gb := sides(cs); ga != a || gb != b {
		t.Fatal("the diff does not rebuild its texts")
	}
	ins := 0
	for _, c := range cs {
		if c.Op == Insert {
			ins += strings.Count(c.Text, "changed")
		}
	}
	if want := strings.Count(b, "changed"); ins < want*9/10 {
		t.Fatalf("%d of %d changed words shown as insertions: the diff replaced too much", ins, want)
	}
}

func FuzzWords(f *testing.F) {
	f.Add("Publish every contract.", "Publish each public contract!")
	f.Add("", "x")
	f.Add("a\n\nb", "a\n\nc\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		cs := Words(a, b)
		ga, gb := sides(cs)
		wa, wb := string([]rune(a)), string([]rune(b)) // invalid UTF-8 comes back as U+FFFD
		if a == b {
			wa, wb = a, b
		}
		if ga != wa || gb != wb {
			t.Fatalf("sides %q %q from %q %q", ga, gb, a, b)
		}
	})
}
