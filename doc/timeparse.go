package doc

import (
	"fmt"
	"strings"
	"time"
)

// timeLayouts are the ways a person writes a moment, most precise first.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04",
	"2006-01-02 15:04"}

// ParseTime reads a moment as people write it: RFC 3339, or a date with a
// time (2025-11-02 14:20, seconds optional) or a date alone in the local
// zone. dateOnly says no time of day was given: the moment is the start of
// that day.
func ParseTime(s string) (t time.Time, dateOnly bool, err error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, time.Local); err == nil {
			return t, false, nil
		}
	}
	if t, err := time.ParseInLocation(DateLayout, s, time.Local); err == nil {
		return t, true, nil
	}
	return time.Time{}, false, fmt.Errorf("%w: %q is not a date or time (want YYYY-MM-DD, YYYY-MM-DD HH:MM or RFC 3339)", ErrInvalid, s)
}
