package app

import (
	"testing"
)

func TestTmpMin(t *testing.T) {
	f := newFixture(t)
	t.Logf("ws min %v outline %v center %v", f.ui.win.Content().MinSize(), f.ui.ws.outline.list.MinSize(), f.ui.ws.center.MinSize())
	ch, _ := nowChoice(f.plan)
	vv := f.ui.ws.showVersion(ch, f.plan.Content())
	t.Logf("vv min %v center %v", vv.root.MinSize(), vv.pv.center.MinSize())
}
