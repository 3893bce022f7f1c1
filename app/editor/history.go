package editor

import "unicode"

// history is the editor's undo and redo. The entries' own undo cannot
// serve: it is per paragraph and forgotten whenever the editor re-wraps an
// entry's text. Edits are rune splices on the whole text, grouped by word.
type history struct {
	done, undone []edit
	replaying    bool // undo or redo is applying an edit: do not record it
}

// edit is a local splice: at pos, del was replaced by ins.
type edit struct {
	pos      int
	del, ins []rune
}

const maxHistory = 500

// record adds a local edit.
func (h *history) record(pos int, del, ins []rune) {
	if h.replaying {
		return
	}
	h.undone = nil
	if n := len(h.done); n > 0 && h.done[n-1].merge(pos, del, ins) {
		return
	}
	if len(h.done) == maxHistory {
		h.done = append(h.done[:0], h.done[1:]...)
	}
	h.done = append(h.done, edit{pos, del, ins})
}

// merge extends e with a following keystroke of the same kind: typing on
// within a word and its trailing spaces, or deleting on in one direction.
// Line breaks, pastes and replacements stay separate.
func (e *edit) merge(pos int, del, ins []rune) bool {
	switch {
	case len(e.del) == 0 && len(del) == 0 && len(ins) == 1 && len(e.ins) > 0 && pos == e.pos+len(e.ins):
		last := e.ins[len(e.ins)-1]
		if ins[0] == '\n' || last == '\n' || unicode.IsSpace(last) && !unicode.IsSpace(ins[0]) {
			return false
		}
		e.ins = append(e.ins, ins...)
		return true
	case len(e.ins) == 0 && len(ins) == 0 && len(del) == 1 && len(e.del) > 0 && del[0] != '\n' && e.del[0] != '\n':
		switch pos {
		case e.pos - 1: // backspace
			e.del = append([]rune{del[0]}, e.del...)
			e.pos = pos
			return true
		case e.pos: // delete
			e.del = append(e.del, del[0])
			return true
		}
	}
	return false
}

// remote carries the history over a colleague's splice, newest edit
// first: edits clear of it move, and an edit it overlaps cannot be undone,
// nor can anything before that. Redo is dropped.
func (h *history) remote(pos, del, ins int) {
	h.undone = nil
	for i := len(h.done) - 1; i >= 0; i-- {
		e := &h.done[i]
		switch {
		case pos+del <= e.pos: // before the edit: it moves
			e.pos += ins - del
		case pos >= e.pos+len(e.ins): // after it: in the text before the edit it was elsewhere
			pos += len(e.del) - len(e.ins)
		default:
			h.done = append(h.done[:0], h.done[i+1:]...)
			return
		}
	}
}

func (h *history) clear() {
	h.done, h.undone = nil, nil
}

// undo reverts the last local edit as a new local edit.
func (e *Editor) undo() {
	h := &e.hist
	n := len(h.done)
	if n == 0 || e.disabled {
		return
	}
	ed := h.done[n-1]
	if !e.holds(ed.pos, ed.ins) {
		h.clear()
		return
	}
	h.done = h.done[:n-1]
	h.undone = append(h.undone, ed)
	e.replay(ed.pos, len(ed.ins), ed.del)
}

// redo applies the last undone edit again.
func (e *Editor) redo() {
	h := &e.hist
	n := len(h.undone)
	if n == 0 || e.disabled {
		return
	}
	ed := h.undone[n-1]
	if !e.holds(ed.pos, ed.del) {
		h.clear()
		return
	}
	h.undone = h.undone[:n-1]
	h.done = append(h.done, ed)
	e.replay(ed.pos, len(ed.del), ed.ins)
}

// holds reports whether the text has want at pos, as an edit to undo or
// redo expects; if not, the history is out of step and is dropped.
func (e *Editor) holds(pos int, want []rune) bool {
	text := []rune(e.Text())
	return pos >= 0 && pos+len(want) <= len(text) && string(text[pos:pos+len(want)]) == string(want)
}

// replay makes a splice for undo or redo: reported like any local edit,
// with the cursor after the text it puts in.
func (e *Editor) replay(pos, del int, ins []rune) {
	deleted := []rune(e.Text())[pos : pos+del]
	e.hist.replaying = true
	defer func() { e.hist.replaying = false }()
	e.splice(pos, del, string(ins))
	c := pos + len(ins)
	e.setCursor(c, c, true, true)
	e.emit(pos, deleted, string(ins))
}
