package sync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/coplan/coplan/sync/wire"
)

func TestParseShortCode(t *testing.T) {
	cases := []struct {
		name, in string
		want     string   // canonical form; "" when an error is wanted
		fixed    []string // corrections reported
		errHas   string
	}{
		{"canonical", "7-penguin-pretzel", "7-penguin-pretzel", nil, ""},
		{"spaces and capitals", "  7 Penguin PRETZEL ", "7-penguin-pretzel", nil, ""},
		{"mixed separators", "42—penguin_pretzel.", "42-penguin-pretzel", nil, ""},
		{"number stuck to a word", "7penguin pretzel", "7-penguin-pretzel", nil, ""},
		{"spaces dropped", "7penguinpretzel", "7-penguin-pretzel", nil, ""},
		{"spaces dropped, a typo", "7penguinpretzal", "7-penguin-pretzel", []string{"pretzal→pretzel"}, ""},
		{"two letters swapped", "7-pengiun-pretzel", "7-penguin-pretzel", []string{"pengiun→penguin"}, ""},
		{"a typo in each word", "7-pengiun-pretzal", "7-penguin-pretzel", []string{"pengiun→penguin", "pretzal→pretzel"}, ""},
		{"too far from any word", "7-pxngiun-pretzel", "", nil, `"pxngiun" is not one of the words`},
		{"one letter wrong", "7-penguin-pretzal", "7-penguin-pretzel", []string{"pretzal→pretzel"}, ""},
		{"one letter missing", "7-pengin-pretzel", "7-penguin-pretzel", []string{"pengin→penguin"}, ""},
		{"one letter extra", "7-penguinn-pretzel", "7-penguin-pretzel", []string{"penguinn→penguin"}, ""},
		{"first letters", "7 peng pret", "7-penguin-pretzel", []string{"peng→penguin", "pret→pretzel"}, ""},
		{"two letters only are not enough", "7 pe pretzel", "", nil, `"pe" is not one of the words`},
		{"empty", "   ", "", nil, "the code is empty"},
		{"no number", "penguin-pretzel", "", nil, "no number at the start"},
		{"one word", "7-penguin", "", nil, "that code has 1 word; a Coplan code looks like 7-penguin-pretzel"},
		{"three words", "7-penguin-pretzel-sushi", "", nil, "that code has 3 words"},
		{"number last", "penguin-pretzel-7", "", nil, "the number goes first"},
		{"two numbers", "7-8-penguin-pretzel", "", nil, "the number goes first, and only once"},
		{"zero", "0-penguin-pretzel", "", nil, "1 to 99, not 0"},
		{"too big", "100-penguin-pretzel", "", nil, "1 to 99, not 100"},
		{"unknown word", "7-penguin-parliament", "", nil, `"parliament" is not one of the words`},
		{"accented letters are not list words", "7-pingüin-pretzel", "", nil, "not one of the words"},
		{"a piece of a full code", "0e3kq-7abcd-xyz12", "", nil, "part of a long invite code"},
		{"a piece of a full code, spaced", "0E3KQ 7ABCD", "", nil, "part of a long invite code"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseShortCode(tc.in)
			if tc.want == "" {
				if err == nil || !errors.Is(err, ErrShortCode) || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("ParseShortCode(%q) = %v, %v; want an ErrShortCode saying %q", tc.in, c, err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseShortCode(%q): %v", tc.in, err)
			}
			if c.String() != tc.want || strings.Join(c.Corrected, ",") != strings.Join(tc.fixed, ",") {
				t.Fatalf("ParseShortCode(%q) = %s corrected %v; want %s corrected %v", tc.in, c, c.Corrected, tc.want, tc.fixed)
			}
		})
	}
}

// The parser's typo tolerance is safe only because no two list words are
// within two edits of each other, and prefixes of three letters are
// unique; this checks the list still has those properties.
func TestShortCodeWordList(t *testing.T) {
	words, set := wordIndex()
	if len(words) != 1295 || len(set) != 1295 {
		t.Fatalf("%d words (%d distinct), want EFF's short list 2.0 less yo-yo: 1295", len(words), len(set))
	}
	prefixes := map[string]string{}
	for i, a := range words {
		if p, ok := prefixes[a[:3]]; ok {
			t.Fatalf("%q and %q share their first three letters", p, a)
		}
		prefixes[a[:3]] = a
		for _, b := range words[i+1:] {
			if d := editDistance(a, b); d < 3 {
				t.Fatalf("%q and %q are %d edits apart", a, b, d)
			}
		}
	}
	for range 50 {
		c, err := NewShortCode(7)
		must(t, err)
		back, err := ParseShortCode(strings.ToUpper(strings.ReplaceAll(c.String(), "-", " ")))
		if err != nil || back.String() != c.String() {
			t.Fatalf("drawn code %s reads back as %s, %v", c, back, err)
		}
	}
}

func TestJoinServiceName(t *testing.T) {
	seen := map[string]int{}
	for np := 1; np <= wire.MaxNameplate; np++ {
		name := JoinServiceName(np)
		if len(name) != len("_cj")+12+len("._udp") || !strings.HasPrefix(name, "_cj") {
			t.Fatalf("service name %q is not a DNS-SD service of 15 characters", name)
		}
		if strings.Contains(name, fmt.Sprint(np)) && np > 9 {
			t.Logf("note: %q happens to contain %d", name, np)
		}
		if prev, dup := seen[name]; dup {
			t.Fatalf("numbers %d and %d share service %s", prev, np, name)
		}
		seen[name] = np
		if name == MDNSServiceName(fmt.Sprint(np)) {
			t.Fatal("join and plan services coincide")
		}
	}
}

// inviterWithCode is a one-member plan on loopback with a short code
// open; tests choose the code.
func inviterWithCode(t *testing.T, code string, ttl time.Duration) (*testPeer, *openCode, <-chan JoinResult) {
	t.Helper()
	a := newGroup(t, "Ana")[0]
	oc, done := openCode_(t, a, code, ttl)
	return a, oc, done
}

// openCode_ opens a chosen code on a's plan and returns its record.
func openCode_(t *testing.T, a *testPeer, code string, ttl time.Duration) (*openCode, <-chan JoinResult) {
	t.Helper()
	sc, err := ParseShortCode(code)
	must(t, err)
	got, done, err := a.n.openShortCode(context.Background(), a.n.plan(a.p.ID()), sc, ttl)
	must(t, err)
	if got != sc.String() {
		t.Fatalf("opened %s, asked for %s", got, sc)
	}
	a.n.codes.mu.Lock()
	defer a.n.codes.mu.Unlock()
	return a.n.codes.codes[sc.Nameplate], done
}

// counts reads an open code's counters.
func counts(n *Node, oc *openCode) (checks, failures int) {
	n.codes.mu.Lock()
	defer n.codes.mu.Unlock()
	return oc.checks, oc.failures
}

func joiner(t *testing.T, name string) *testPeer {
	t.Helper()
	j := newTestPeer(t, name)
	j.startNode(t)
	return j
}

func result(t *testing.T, done <-chan JoinResult) JoinResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("the open code never ended")
	}
	return JoinResult{}
}

// The right code, typed in capitals with spaces, joins; the code then
// works for nobody else.
func TestShortCodeJoin(t *testing.T) {
	a := newGroup(t, "Ana")[0]
	code, done, err := a.n.InviteWords(ctxT(t, time.Minute), a.p.ID(), time.Minute)
	must(t, err)
	if _, err := ParseShortCode(code); err != nil {
		t.Fatalf("InviteWords gave %q, which does not parse: %v", code, err)
	}
	b := joiner(t, "Bo")
	typed := strings.ToUpper(strings.ReplaceAll(code, "-", " "))
	q, err := b.n.JoinWords(ctxT(t, time.Minute), typed, b.author, a.info())
	must(t, err)
	defer q.Close()
	if q.ID() != a.p.ID() || !q.IsMember(b.id.PeerID.String()) || q.Info().Title != a.p.Info().Title {
		t.Fatalf("joined plan %s (%q), member %v; want %s", q.ID(), q.Info().Title, q.IsMember(b.id.PeerID.String()), a.p.ID())
	}
	r := result(t, done)
	if r.Err != nil || r.Member.Name != "Bo" || r.Member.PeerID != b.id.PeerID.String() || r.Member.AddedBy != a.id.PeerID.String() {
		t.Fatalf("inviter's result: %+v", r)
	}
	if _, ok := <-done; ok {
		t.Fatal("done delivered a second result")
	}
	// Single use.
	c := joiner(t, "Cy")
	if _, err := c.n.JoinWords(ctxT(t, time.Minute), code, c.author, a.info()); err == nil {
		t.Fatal("a used code let a second device join")
	} else {
		t.Logf("second device: %v", err)
	}
	if a.p.IsMember(c.id.PeerID.String()) {
		t.Fatal("second device became a member")
	}
}

// Three wrong codes kill the code: the joiner is told how many attempts
// are left, then that the code is dead, and the inviter hears the same;
// the right code no longer works.
func TestShortCodeWrongAttempts(t *testing.T) {
	a, oc, done := inviterWithCode(t, "12-penguin-pretzel", time.Minute)
	m := joiner(t, "Mallory")
	wrong := []string{"12-penguin-sushi", "12-pretzel-penguin", "12-sushi-sushi"}
	for i, w := range wrong {
		_, err := m.n.JoinWords(ctxT(t, time.Minute), w, m.author, a.info())
		switch left := 2 - i; {
		case left > 0:
			if !errors.Is(err, ErrCodeWrong) || !strings.Contains(err.Error(), plural(left, "attempt")+" left") {
				t.Fatalf("attempt %d: %v; want a wrong code with %d left", i+1, err, left)
			}
		default:
			if !errors.Is(err, ErrCodeDead) {
				t.Fatalf("attempt %d: %v; want the code dead", i+1, err)
			}
		}
		t.Logf("attempt %d (%s): %v", i+1, w, err)
	}
	if r := result(t, done); !errors.Is(r.Err, ErrCodeDead) {
		t.Fatalf("inviter's result: %+v, want the code dead", r)
	}
	if checks, failures := counts(a.n, oc); checks != 3 || failures != 3 {
		t.Fatalf("%d checks, %d failures; want 3 and 3", checks, failures)
	}
	b := joiner(t, "Bo")
	if _, err := b.n.JoinWords(ctxT(t, time.Minute), "12-penguin-pretzel", b.author, a.info()); err == nil {
		t.Fatal("the right code joined after the code died")
	} else {
		t.Logf("right code after death: %v", err)
	}
	if len(a.p.Members()) != 1 {
		t.Fatalf("members: %v", a.p.Members())
	}
}

// Guessers at once check no more guesses than the code allows.
func TestShortCodeConcurrentGuesses(t *testing.T) {
	a, oc, done := inviterWithCode(t, "5-penguin-pretzel", time.Minute)
	var wg gosync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		m := joiner(t, fmt.Sprint("Mallory", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			words, _ := wordIndex()
			_, err := m.n.JoinWords(ctxT(t, time.Minute), fmt.Sprintf("5-%s-%s", words[i], words[i+1]), m.author, a.info())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	wrongs := 0
	for err := range errs {
		if err == nil {
			t.Fatal("a wrong code joined")
		}
		if errors.Is(err, ErrCodeWrong) || errors.Is(err, ErrCodeDead) {
			wrongs++
		}
		t.Logf("guesser: %v", err)
	}
	checks, failures := counts(a.n, oc)
	if checks > ShortCodeAttempts || checks != failures || checks == 0 {
		t.Fatalf("%d guesses checked (%d failed); at most %d allowed", checks, failures, ShortCodeAttempts)
	}
	if checks == ShortCodeAttempts {
		if r := result(t, done); !errors.Is(r.Err, ErrCodeDead) {
			t.Fatalf("after %d failures: %+v", checks, r)
		}
	}
	t.Logf("%d guessers told wrong or dead, %d guesses checked", wrongs, checks)
	if len(a.p.Members()) != 1 {
		t.Fatalf("members: %v", a.p.Members())
	}
}

var _ = peer.ID("")

// Short-code join at a meeting, on loopback: from the code typed to the
// plan open on the joiner (both scrypt runs, the exchange, the full-invite
// join and the snapshot). The budget is 3 s.
func BenchmarkShortCodeJoin(b *testing.B) {
	a := newGroup(b, "Ana")[0]
	var worst time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		code, done, err := a.n.InviteWords(ctxT(b, time.Minute), a.p.ID(), time.Minute)
		must(b, err)
		j := newTestPeer(b, fmt.Sprint("Joe", i))
		j.startNode(b)
		b.StartTimer()
		start := time.Now()
		q, err := j.n.JoinWords(ctxT(b, time.Minute), code, j.author, a.info())
		must(b, err)
		took := time.Since(start)
		b.StopTimer()
		worst = max(worst, took)
		if r := <-done; r.Err != nil {
			b.Fatal(r.Err)
		}
		q.Close()
		j.n.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(worst.Milliseconds()), "worst-ms")
	if worst > 3*time.Second {
		b.Errorf("a short-code join took %s; the budget is 3 s", worst)
	}
}
