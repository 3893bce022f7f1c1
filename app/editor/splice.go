package editor

// diffRunes returns the single splice (rune position, runes deleted,
// inserted text) that turns a into b, taking the longest common prefix and
// then the longest common suffix that does not overlap it.
func diffRunes(a, b string) (pos, del int, ins string) {
	return diffAround(a, b, -1)
}

// diffAround is diffRunes for a local edit that left the cursor at rune
// offset cursor of b (or -1 if unknown). An edit always ends at the cursor
// (typing, paste, backspace, delete, replace), so the suffix is limited to
// what follows the cursor: typing "a" into "a|aa" is reported at 1, not 3,
// which matters when the splice is merged with a colleague's.
func diffAround(a, b string, cursor int) (pos, del int, ins string) {
	ar, br := []rune(a), []rune(b)
	n := min(len(ar), len(br))
	p, s := 0, 0
	if cursor < 0 {
		for p < n && ar[p] == br[p] {
			p++
		}
	}
	maxSuffix := n - p
	if cursor >= 0 {
		maxSuffix = min(maxSuffix, len(br)-cursor)
	}
	for s < maxSuffix && ar[len(ar)-1-s] == br[len(br)-1-s] {
		s++
	}
	for p < n-s && ar[p] == br[p] {
		p++
	}
	return p, len(ar) - p - s, string(br[p : len(br)-s])
}

// shift maps a rune offset across a splice: offsets at or before pos stay
// (so a colleague's text inserted exactly at the cursor lands after it and
// the user's own typing stays contiguous), offsets inside the deleted range
// move to the end of the inserted text, later ones move by the length change.
func shift(off, pos, del, insLen int) int {
	switch {
	case off <= pos:
		return off
	case off < pos+del:
		return pos + insLen
	default:
		return off - del + insLen
	}
}
