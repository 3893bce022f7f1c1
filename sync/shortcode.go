package sync

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	gosync "sync"
	"unicode"

	"github.com/sethvargo/go-diceware/diceware"

	"github.com/coplan/coplan/sync/wire"
)

// A short code is what a person reads aloud at a meeting: a number and two
// words, "7-penguin-pretzel". The number (the nameplate, 1 to 99) is not
// secret: it names the mDNS service the inviter announces, so the joiner
// finds the right laptop. The two words are the secret, from EFF's short
// wordlist 2.0 (1,296 words, each with its own first three letters and at
// least three edits from any other), so 1,295² ≈ 1.7 million codes (yo-yo
// is left out: its dash reads as a separator). A guess costs an online
// attempt and a code allows three, so a stranger's chance is about 2 in a
// million.

// ShortCodeExample is the shape shown in messages.
const ShortCodeExample = "7-penguin-pretzel"

// ShortCodeWords is how many words a short code has.
const ShortCodeWords = 2

// ErrShortCode is a short code that does not parse; its message says what
// is wrong in words a person can act on.
var ErrShortCode = errors.New("not a Coplan code")

// ShortCode is a parsed short code.
type ShortCode struct {
	Nameplate int
	Words     [ShortCodeWords]string
	// Corrected lists the typed words that were read as another (a typo
	// one letter away, or the first letters of a word), as "typed→word".
	Corrected []string
}

// String is the code's canonical form, the one keyed into the PAKE.
func (c ShortCode) String() string {
	return strconv.Itoa(c.Nameplate) + "-" + strings.Join(c.Words[:], "-")
}

var wordIndex = gosync.OnceValues(func() ([]string, map[string]bool) {
	wl := diceware.WordListEffSmall()
	var words []string
	set := map[string]bool{}
	// The list is indexed by four dice, 1111 to 6666.
	for i := range 6 * 6 * 6 * 6 {
		idx := 0
		for d, v := 0, i; d < 4; d, v = d+1, v/6 {
			idx = idx*10 + v%6 + 1
		}
		w := wl.WordAt(idx)
		if w == "" || strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") != "" {
			continue
		}
		words = append(words, w)
		set[w] = true
	}
	return words, set
})

// NewShortCode draws a code with the given nameplate.
func NewShortCode(nameplate int) (ShortCode, error) {
	if nameplate < 1 || nameplate > wire.MaxNameplate {
		return ShortCode{}, fmt.Errorf("%w: the number must be 1 to %d", ErrShortCode, wire.MaxNameplate)
	}
	words, _ := wordIndex()
	c := ShortCode{Nameplate: nameplate}
	for i := range c.Words {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(words))))
		if err != nil {
			return ShortCode{}, err
		}
		c.Words[i] = words[k.Int64()]
	}
	return c, nil
}

// randomNameplate draws a nameplate that is not in taken.
func randomNameplate(taken func(int) bool) (int, error) {
	for range 200 {
		k, err := rand.Int(rand.Reader, big.NewInt(wire.MaxNameplate))
		if err != nil {
			return 0, err
		}
		if n := int(k.Int64()) + 1; !taken(n) {
			return n, nil
		}
	}
	return 0, errors.New("no free code number: too many codes open")
}

// LooksShort says whether typed text is meant as a short code rather than
// a full invite code, which is hundreds of characters long.
func LooksShort(s string) bool { return len(strings.TrimSpace(s)) <= 64 }

// ParseShortCode reads a code as people type it: any case, words apart by
// spaces, dashes or other punctuation, the number stuck to the first word
// or not. A word one typo away from a list word, or the first three or
// more letters of one, is read as that word (no two list words are that
// close), so a slip does not cost one of the code's few attempts.
func ParseShortCode(s string) (ShortCode, error) {
	if len(s) > 200 {
		return ShortCode{}, fmt.Errorf("%w: %d characters is too long for a short code like %s", ErrShortCode, len(s), ShortCodeExample)
	}
	if looksLikeFullCodePiece(s) {
		return ShortCode{}, fmt.Errorf("%w: that looks like part of a long invite code (those are about 300 characters): paste all of it, or ask for a short code like %s",
			ErrShortCode, ShortCodeExample)
	}
	var digits, words []string
	order := ""
	for _, tok := range tokens(s) {
		if unicode.IsDigit(rune(tok[0])) {
			digits = append(digits, tok)
			order += "n"
		} else {
			words = append(words, tok)
			order += "w"
		}
	}
	if len(words) == 1 {
		// Typed (or pasted through a field that drops spaces) as one run.
		if a, b, ok := splitWords(words[0]); ok {
			words = []string{a, b}
		}
	}
	looks := fmt.Sprintf("a Coplan code looks like %s: a number and %s words", ShortCodeExample, spell(ShortCodeWords))
	switch {
	case len(digits) == 0 && len(words) == 0:
		return ShortCode{}, fmt.Errorf("%w: the code is empty; %s", ErrShortCode, looks)
	case len(digits) == 0:
		return ShortCode{}, fmt.Errorf("%w: that code has no number at the start; %s", ErrShortCode, looks)
	case len(digits) > 1 || order[0] != 'n':
		return ShortCode{}, fmt.Errorf("%w: the number goes first, and only once; %s", ErrShortCode, looks)
	case len(words) != ShortCodeWords:
		return ShortCode{}, fmt.Errorf("%w: that code has %s; %s", ErrShortCode, plural(len(words), "word"), looks)
	}
	np, err := strconv.Atoi(digits[0])
	if err != nil || np < 1 || np > wire.MaxNameplate {
		return ShortCode{}, fmt.Errorf("%w: the number in a code is 1 to %d, not %s", ErrShortCode, wire.MaxNameplate, digits[0])
	}
	c := ShortCode{Nameplate: np}
	for i, typed := range words {
		w, ok := matchWord(typed)
		if !ok {
			return ShortCode{}, fmt.Errorf("%w: %q is not one of the words Coplan codes use; check its spelling (%s)", ErrShortCode, typed, looks)
		}
		if w != typed {
			c.Corrected = append(c.Corrected, typed+"→"+w)
		}
		c.Words[i] = w
	}
	return c, nil
}

// looksLikeFullCodePiece says whether s is groups of five letters and
// digits, mixed, as a long invite code is written.
func looksLikeFullCodePiece(s string) bool {
	groups := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == '-' || unicode.IsSpace(r) })
	mixed := false
	for _, g := range groups {
		if len(g) != 5 || strings.Trim(g, "0123456789abcdefghjkmnpqrstvwxyz") != "" {
			return false
		}
		if strings.ContainsAny(g, "0123456789") && strings.Trim(g, "0123456789") != "" {
			mixed = true
		}
	}
	return len(groups) >= 2 && mixed
}

// tokens splits s into runs of letters and runs of digits, lower-cased;
// everything else separates.
func tokens(s string) []string {
	var out []string
	var cur []rune
	kind := 0 // 1 letters, 2 digits
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range s {
		k := 0
		switch {
		case unicode.IsLetter(r):
			k = 1
		case r >= '0' && r <= '9':
			k = 2
		}
		if k != kind {
			flush()
			kind = k
		}
		if k != 0 {
			cur = append(cur, unicode.ToLower(r))
		}
		if len(out) > 16 {
			break // no code has this many parts; the count is reported
		}
	}
	flush()
	return out
}

// splitWords reads a run of letters as two list words written together,
// if exactly one split does it: exact words first, else with a typo.
func splitWords(run string) (string, string, bool) {
	_, set := wordIndex()
	if set[run] || len(run) > 2*12 {
		return "", "", false
	}
	for _, exact := range []bool{true, false} {
		var found [][2]string
		for i := 3; i <= len(run)-3; i++ {
			a, b := run[:i], run[i:]
			if exact && set[a] && set[b] {
				found = append(found, [2]string{a, b})
			}
			if !exact && len(a) > 3 && len(b) > 3 {
				if _, ok := matchWord(a); ok {
					if _, ok := matchWord(b); ok {
						found = append(found, [2]string{a, b})
					}
				}
			}
		}
		if len(found) == 1 {
			return found[0][0], found[0][1], true
		}
		if len(found) > 1 {
			return "", "", false
		}
	}
	return "", "", false
}

// matchWord finds the list word typed: exactly, by its first three or
// more letters, or one typo away (a letter wrong, missing, extra, or two
// swapped), if only one word is that close.
func matchWord(typed string) (string, bool) {
	words, set := wordIndex()
	if set[typed] {
		return typed, true
	}
	if len(typed) > 12 {
		return "", false
	}
	found := ""
	for _, w := range words {
		if (len(typed) >= 3 && strings.HasPrefix(w, typed)) || typoDistance(typed, w) <= 1 {
			if found != "" && found != w {
				return "", false
			}
			found = w
		}
	}
	return found, found != ""
}

// typoDistance is the optimal string alignment distance between two
// short strings: Levenshtein's edits plus swapping two neighbours.
func typoDistance(a, b string) int { return distance(a, b, true) }

// editDistance is the Levenshtein distance.
func editDistance(a, b string) int { return distance(a, b, false) }

func distance(a, b string, swaps bool) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if swaps && i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func spell(n int) string {
	if n >= 0 && n < 4 {
		return []string{"no", "one", "two", "three"}[n]
	}
	return strconv.Itoa(n)
}
