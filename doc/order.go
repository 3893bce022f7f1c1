package doc

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"
)

// Fractional index keys: strings over a base-62 alphabet that sort in byte
// order, so an item moves by rewriting one key and concurrent inserts never
// renumber anyone else's items.
const orderDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func orderDigit(c byte) int { return strings.IndexByte(orderDigits, c) }

// orderBetween returns a key strictly between a and b ("" means open end).
func orderBetween(a, b string) string {
	var out []byte
	for i := 0; ; i++ {
		lo := 0
		if i < len(a) {
			lo = orderDigit(a[i])
		}
		hi := len(orderDigits)
		if b != "" && i < len(b) {
			hi = orderDigit(b[i])
		}
		if hi-lo > 1 {
			return string(append(out, orderDigits[(lo+hi)/2]))
		}
		// No room at this digit: keep a's digit and look further right.
		out = append(out, orderDigits[lo])
		if hi > lo {
			// Past this point b no longer bounds us.
			b = ""
		}
	}
}

// newID returns a short random identifier (12 hex digits): unique enough for
// the items of one plan, short enough to type in the CLI.
func newID() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

var planIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// ValidPlanID reports whether id has the shape of plan IDs (derived from
// the genesis statement: authority.PlanIDOf). A plan received from the
// network names its own folder, so its ID must be checked before it touches
// the disk.
func ValidPlanID(id string) bool { return planIDPattern.MatchString(id) }
