// Package quietlocale keeps Fyne from printing a three-line error on every
// start, CLI commands included, where the locale is C.UTF-8 (servers,
// containers, CI): Fyne cannot parse "C.UTF-8" as a language. Imported for
// its side effect by main; it must import nothing Fyne needs, so that it is
// initialised before Fyne's lang package.
package quietlocale

import (
	"os"
	"strings"
)

func init() {
	if os.Getenv("LANGUAGE") != "" {
		return
	}
	loc := ""
	for _, env := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = os.Getenv(env); loc != "" {
			break
		}
	}
	// C and POSIX are handled by Fyne; their .UTF-8 forms are not.
	if strings.HasPrefix(loc, "C.") || strings.HasPrefix(loc, "POSIX.") {
		os.Setenv("LANGUAGE", "en")
	}
}
