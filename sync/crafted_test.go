package sync

// The one place a sync test speaks Automerge itself: to play a modified
// client, which makes changes Coplan's own edits refuse to.

import (
	"strings"
	"testing"

	am "github.com/automerge/automerge-go"
)

// craftOversize makes, on top of a saved plan, a change setting a value
// over the 8 MiB limit, and a small change built on it.
func craftOversize(t *testing.T, saved []byte) (huge, after []byte) {
	t.Helper()
	d, err := am.Load(saved)
	must(t, err)
	must(t, d.RootMap().Set("blob", strings.Repeat("x", 9<<20)))
	h1, err := d.Commit("A value no honest client makes")
	must(t, err)
	must(t, d.RootMap().Set("after", "small"))
	h2, err := d.Commit("Built on it")
	must(t, err)
	c1, err := d.Change(h1)
	must(t, err)
	c2, err := d.Change(h2)
	must(t, err)
	return c1.Save(), c2.Save()
}
