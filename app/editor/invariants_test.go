package editor

import (
	"fmt"
	"slices"
)

// checkInvariants reports the first broken invariant of the editor's
// paragraph/entry bookkeeping, or nil.
func (e *Editor) checkInvariants() error {
	seen := map[*paraEntry]bool{}
	for i, ent := range e.live {
		if seen[ent] {
			return fmt.Errorf("live[%d] duplicated", i)
		}
		seen[ent] = true
		if ent.para == nil || ent.para.ent != ent {
			return fmt.Errorf("live[%d] not bound both ways", i)
		}
		if i > 0 && e.live[i-1].para.idx >= ent.para.idx {
			return fmt.Errorf("live out of order at %d", i)
		}
		if want := entryText([]rune(ent.para.text), ent.para.rows); ent.Text != want {
			return fmt.Errorf("live[%d] (para %d) shows %q, want %q", i, ent.para.idx, ent.Text, want)
		}
	}
	for i, p := range e.paras {
		if p.idx != i {
			return fmt.Errorf("para %d has idx %d", i, p.idx)
		}
		if p.ent != nil && !seen[p.ent] {
			return fmt.Errorf("para %d has an entry that is not live", i)
		}
		if strings := p.text; slices.Contains([]rune(strings), '\n') {
			return fmt.Errorf("para %d contains a newline", i)
		}
	}
	for i, ent := range e.pool {
		if ent.para != nil || seen[ent] || slices.Index(e.pool, ent) != i {
			return fmt.Errorf("pool[%d] is in use", i)
		}
	}
	if e.selOn {
		if cur, anc := e.cursorAndAnchor(); cur == anc || cur != e.selCursor {
			return fmt.Errorf("own selection %d..%d (painted to %d) is empty or stale", anc, cur, e.selCursor)
		}
		for i, ent := range e.live {
			if ent.SelectedText() != "" {
				return fmt.Errorf("live[%d] shows a selection of its own beside the editor's", i)
			}
		}
	}
	if e.curPara == nil || e.curPara.idx < 0 || e.curPara.idx >= len(e.paras) || e.paras[e.curPara.idx] != e.curPara {
		return fmt.Errorf("cursor paragraph is not in the text")
	}
	return nil
}
