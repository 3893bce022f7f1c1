package editor

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

type splice struct {
	pos, del int
	ins      string
}

// harness is an editor in a test window with a plain string model that
// every reported splice is applied to.
type harness struct {
	t       *testing.T
	e       *Editor
	w       fyne.Window
	model   []rune
	splices []splice
}

func newHarness(t *testing.T, text string, size fyne.Size) *harness {
	t.Helper()
	test.NewTempApp(t)
	e := New()
	e.SetText(text)
	w := test.NewTempWindow(t, e)
	w.Resize(size)
	h := &harness{t: t, e: e, w: w, model: []rune(text)}
	e.OnSplice = func(pos, del int, ins string) {
		h.splices = append(h.splices, splice{pos, del, ins})
		h.model = slices.Concat(h.model[:pos], []rune(ins), h.model[pos+del:])
	}
	return h
}

// focusAt gives the editor focus with the cursor at rune offset off.
func (h *harness) focusAt(off int) {
	h.t.Helper()
	h.e.SetCursorOffset(off)
	h.e.FocusEditor()
	if h.e.CursorOffset() != off {
		h.t.Fatalf("cursor at %d, want %d", h.e.CursorOffset(), off)
	}
}

// focused returns the paragraph entry with keyboard focus.
func (h *harness) focused() *paraEntry {
	h.t.Helper()
	ent, ok := h.w.Canvas().Focused().(*paraEntry)
	if !ok || ent != h.e.focused {
		h.t.Fatalf("focus is on %T, not the editor's entry", h.w.Canvas().Focused())
	}
	return ent
}

func (h *harness) typ(s string) {
	h.t.Helper()
	for _, r := range s {
		h.focused().TypedRune(r)
	}
}

func (h *harness) key(name fyne.KeyName) {
	h.t.Helper()
	h.focused().TypedKey(&fyne.KeyEvent{Name: name})
}

// selectRight selects n runes to the right of the cursor with shift+Right.
func (h *harness) selectRight(n int) {
	h.t.Helper()
	ent := h.focused()
	ent.KeyDown(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	for range n {
		ent.TypedKey(&fyne.KeyEvent{Name: fyne.KeyRight})
	}
	ent.KeyUp(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
}

func (h *harness) shortcut(s fyne.Shortcut) {
	h.t.Helper()
	h.focused().TypedShortcut(s)
}

// check asserts the model built from splices equals the editor's text and
// the editor's bookkeeping is sound.
func (h *harness) check() {
	h.t.Helper()
	if got := h.e.Text(); got != string(h.model) {
		h.t.Fatalf("text %q, splices give %q", got, string(h.model))
	}
	if err := h.e.checkInvariants(); err != nil {
		h.t.Fatal(err)
	}
}

type clipboard struct{ content string }

func (c *clipboard) Content() string     { return c.content }
func (c *clipboard) SetContent(s string) { c.content = s }

var wide = fyne.NewSize(600, 300)

func TestTypingReportsSplices(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		at    int
		typed string
		want  string
		spl   []splice
	}{
		{"empty", "", 0, "ab", "ab", []splice{{0, 0, "a"}, {1, 0, "b"}}},
		{"second paragraph", "one\ntwo three\nfour", 8, "X", "one\ntwo Xthree\nfour", []splice{{8, 0, "X"}}},
		{"end of text", "one\ntwo", 7, "!?", "one\ntwo!?", []splice{{7, 0, "!"}, {8, 0, "?"}}},
		{"runes not bytes", "héllo\n日本語", 8, "ü", "héllo\n日本ü語", []splice{{8, 0, "ü"}}},
		{"position in a run of equal letters", "aaa", 1, "a", "aaaa", []splice{{1, 0, "a"}}},
		{"space", "ab", 1, " ", "a b", []splice{{1, 0, " "}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.text, wide)
			h.focusAt(tt.at)
			h.typ(tt.typed)
			h.check()
			if h.e.Text() != tt.want {
				t.Errorf("text %q, want %q", h.e.Text(), tt.want)
			}
			if !slices.Equal(h.splices, tt.spl) {
				t.Errorf("splices %v, want %v", h.splices, tt.spl)
			}
			if got, want := h.e.CursorOffset(), tt.at+len([]rune(tt.typed)); got != want {
				t.Errorf("cursor %d, want %d", got, want)
			}
		})
	}
}

func TestTypingIntoWrappedParagraphs(t *testing.T) {
	text := strings.Repeat("open contracting data ", 12) + "\n" + strings.Repeat("civil society ", 10)
	h := newHarness(t, text, fyne.NewSize(220, 400))
	if rows := len(h.e.paras[0].rows); rows < 4 {
		t.Fatalf("paragraph wraps to %d rows, want several", rows)
	}
	// Type words at places across the rows, so that words move between rows.
	for i, at := range []int{0, 30, 95, 200, len([]rune(text))} {
		h.focusAt(at)
		h.typ("lorem ipsum ")
		h.check()
		if got, want := h.e.CursorOffset(), at+12; got != want {
			t.Fatalf("edit %d: cursor %d, want %d", i, got, want)
		}
		h.key(fyne.KeyBackspace)
		h.key(fyne.KeyBackspace)
		h.check()
	}
	// The entry shows the rows broken with '\n' but copies paragraph text.
	h.focusAt(0)
	ent := h.focused()
	if !strings.Contains(ent.Text, "\n") {
		t.Fatalf("entry text %q has no row breaks", ent.Text)
	}
	h.selectRight(60)
	var cb clipboard
	h.shortcut(&fyne.ShortcutCopy{Clipboard: &cb})
	if want := string(h.model[:60]); cb.content != want {
		t.Errorf("copied %q, want %q", cb.content, want)
	}
}

func TestParagraphKeys(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		at         int
		key        fyne.KeyName
		want       string
		spl        []splice
		wantCursor int
	}{
		{"enter splits", "one two", 3, fyne.KeyReturn, "one\n two", []splice{{3, 0, "\n"}}, 4},
		{"enter at end", "one two", 7, fyne.KeyReturn, "one two\n", []splice{{7, 0, "\n"}}, 8},
		{"enter at start", "one\ntwo", 4, fyne.KeyEnter, "one\n\ntwo", []splice{{4, 0, "\n"}}, 5},
		{"backspace at start joins", "one\ntwo", 4, fyne.KeyBackspace, "onetwo", []splice{{3, 1, ""}}, 3},
		{"delete at end joins", "one\ntwo\nthree", 7, fyne.KeyDelete, "one\ntwothree", []splice{{7, 1, ""}}, 7},
		{"backspace at start of text", "one\ntwo", 0, fyne.KeyBackspace, "one\ntwo", nil, 0},
		{"delete at end of text", "one\ntwo", 7, fyne.KeyDelete, "one\ntwo", nil, 7},
		{"backspace in paragraph", "one\ntwo", 6, fyne.KeyBackspace, "one\nto", []splice{{5, 1, ""}}, 5},
		{"backspace joins empty paragraph", "one\n\ntwo", 5, fyne.KeyBackspace, "one\ntwo", []splice{{4, 1, ""}}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.text, wide)
			h.focusAt(tt.at)
			h.key(tt.key)
			h.check()
			if h.e.Text() != tt.want {
				t.Errorf("text %q, want %q", h.e.Text(), tt.want)
			}
			if !slices.Equal(h.splices, tt.spl) {
				t.Errorf("splices %v, want %v", h.splices, tt.spl)
			}
			if got := h.e.CursorOffset(); got != tt.wantCursor {
				t.Errorf("cursor %d, want %d", got, tt.wantCursor)
			}
			// Focus follows the cursor: the next character lands there.
			h.typ("#")
			h.check()
			want := []rune(tt.want)
			want = slices.Concat(want[:tt.wantCursor], []rune("#"), want[tt.wantCursor:])
			if h.e.Text() != string(want) {
				t.Errorf("after typing: %q, want %q", h.e.Text(), string(want))
			}
		})
	}
}

func TestPasteAndCut(t *testing.T) {
	t.Run("multi-line paste", func(t *testing.T) {
		h := newHarness(t, "xy\nz", wide)
		h.focusAt(1)
		h.shortcut(&fyne.ShortcutPaste{Clipboard: &clipboard{"a\nb\r\nc"}})
		h.check()
		if want := "xa\nb\ncy\nz"; h.e.Text() != want {
			t.Errorf("text %q, want %q", h.e.Text(), want)
		}
		if want := []splice{{1, 0, "a\nb\nc"}}; !slices.Equal(h.splices, want) {
			t.Errorf("splices %v, want %v", h.splices, want)
		}
		if got := h.e.CursorOffset(); got != 6 {
			t.Errorf("cursor %d, want 6", got)
		}
		h.typ("!")
		h.check()
		if want := "xa\nb\nc!y\nz"; h.e.Text() != want {
			t.Errorf("typed after paste: %q, want %q", h.e.Text(), want)
		}
	})
	t.Run("paste over a selection", func(t *testing.T) {
		h := newHarness(t, "one two three", wide)
		h.focusAt(4)
		h.selectRight(3)
		h.shortcut(&fyne.ShortcutPaste{Clipboard: &clipboard{"2\n2"}})
		h.check()
		if want := "one 2\n2 three"; h.e.Text() != want {
			t.Errorf("text %q, want %q", h.e.Text(), want)
		}
		if want := []splice{{4, 3, "2\n2"}}; !slices.Equal(h.splices, want) {
			t.Errorf("splices %v, want %v", h.splices, want)
		}
	})
	t.Run("cut", func(t *testing.T) {
		h := newHarness(t, "first\none two three", wide)
		h.focusAt(10)
		h.selectRight(4)
		var cb clipboard
		h.shortcut(&fyne.ShortcutCut{Clipboard: &cb})
		h.check()
		if cb.content != "two " {
			t.Errorf("clipboard %q, want %q", cb.content, "two ")
		}
		if want := []splice{{10, 4, ""}}; !slices.Equal(h.splices, want) {
			t.Errorf("splices %v, want %v", h.splices, want)
		}
	})
	t.Run("typing replaces a selection", func(t *testing.T) {
		h := newHarness(t, "first\none two three", wide)
		h.focusAt(10)
		h.selectRight(3)
		h.typ("2")
		h.check()
		if want := []splice{{10, 3, "2"}}; !slices.Equal(h.splices, want) {
			t.Errorf("splices %v, want %v", h.splices, want)
		}
	})
}

func TestApplySpliceKeepsCursor(t *testing.T) {
	const text = "alpha beta\ngamma delta\nepsilon"
	const at = 17 // before "delta"
	tests := []struct {
		name       string
		pos, del   int
		ins        string
		wantCursor int
	}{
		{"insert in earlier paragraph", 0, 0, "XX", 19},
		{"delete in earlier paragraph", 0, 6, "", 11},
		{"split earlier paragraph", 5, 0, "\n", 18},
		{"join with earlier paragraph", 10, 1, "", 16},
		{"insert before cursor", 11, 0, "Z", 18},
		{"insert at cursor", 17, 0, "Q", 17},
		{"insert after cursor", 20, 0, "Q", 17},
		{"new paragraph before cursor", 12, 0, "a\nb\n", 21},
		{"delete across cursor", 15, 4, "", 15},
		{"replace across cursor", 15, 4, "++", 17},
		{"delete cursor's paragraph", 11, 12, "", 11},
		{"edit later paragraph", 25, 2, "EE", 17},
		{"append", 30, 0, "\nzeta", 17},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, text, wide)
			h.focusAt(at)
			h.e.ApplySplice(tt.pos, tt.del, tt.ins)
			h.model = slices.Concat(h.model[:tt.pos], []rune(tt.ins), h.model[tt.pos+tt.del:])
			h.check()
			if len(h.splices) != 0 {
				t.Errorf("remote splice reported as local: %v", h.splices)
			}
			if got := h.e.CursorOffset(); got != tt.wantCursor {
				t.Errorf("cursor %d, want %d", got, tt.wantCursor)
			}
			h.typ("#") // focus kept: typing goes on at the cursor
			h.check()
			if h.model[tt.wantCursor] != '#' {
				t.Errorf("typed at the wrong place: %q", string(h.model))
			}
		})
	}
}

func TestRemoteSpliceBetweenKeystrokes(t *testing.T) {
	h := newHarness(t, "The forum meets.\nMilestones follow.", wide)
	h.focusAt(9) // after "The forum"
	h.typ(" now")
	remote := "Our "
	h.e.ApplySplice(0, 0, remote)
	h.model = slices.Concat([]rune(remote), h.model)
	h.typ(" and")
	h.check()
	if want := "Our The forum now and meets.\nMilestones follow."; h.e.Text() != want {
		t.Errorf("text %q, want %q", h.e.Text(), want)
	}
	// A splice in the typed word's paragraph, after the cursor, leaves it.
	h.e.ApplySplice(len([]rune(h.e.Text())), 0, " Twice.")
	h.model = append(h.model, []rune(" Twice.")...)
	h.typ("!")
	h.check()
	if want := "Our The forum now and! meets.\nMilestones follow. Twice."; h.e.Text() != want {
		t.Errorf("text %q, want %q", h.e.Text(), want)
	}
}

func TestApplySpliceKeepsSelection(t *testing.T) {
	for _, wrapped := range []bool{false, true} {
		size := wide
		if wrapped {
			size = fyne.NewSize(120, 400)
		}
		h := newHarness(t, "alpha beta\ngamma delta epsilon zeta", size)
		h.focusAt(17)
		h.selectRight(13) // "delta epsilon"
		if got := h.focused().SelectedText(); strings.ReplaceAll(got, "\n", " ") != "delta epsilon" {
			t.Fatalf("selected %q", got)
		}
		h.e.ApplySplice(0, 0, "A\nB ")
		h.e.ApplySplice(36, 0, "X") // after the selection
		ent := h.focused()
		sel, ok := ent.selectedText()
		if !ok || sel != "delta epsilon" {
			t.Errorf("wrapped %v: selection %q after remote splices", wrapped, sel)
		}
		if got := h.e.CursorOffset(); got != 17+4+13 {
			t.Errorf("wrapped %v: cursor %d, want %d", wrapped, got, 34)
		}
	}
}

func TestReconcile(t *testing.T) {
	tests := []struct {
		name, old, new string
		pos, del       int
		ins            string
		cursor, want   int // cursor before and after
	}{
		{"insert word", "the cat sat", "the black cat sat", 4, 0, "black ", 8, 14},
		{"delete word", "the black cat sat", "the cat sat", 4, 6, "", 14, 8},
		{"replace", "abc def ghi", "abc XYZ ghi", 4, 3, "XYZ", 2, 2},
		{"same", "abc", "abc", 3, 0, "", 1, 1},
		{"runes", "日本語テキスト", "日本のテキスト", 2, 1, "の", 7, 7},
		{"new paragraph", "one two", "one\ntwo", 3, 1, "\n", 7, 7},
		{"from empty", "", "hello", 0, 0, "hello", 0, 0},
		{"to empty", "hello", "", 0, 5, "", 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pos, del, ins := diffRunes(tt.old, tt.new)
			if pos != tt.pos || del != tt.del || ins != tt.ins {
				t.Errorf("diff (%d, %d, %q), want (%d, %d, %q)", pos, del, ins, tt.pos, tt.del, tt.ins)
			}
			h := newHarness(t, tt.old, wide)
			h.focusAt(tt.cursor)
			h.e.Reconcile(tt.new)
			if h.e.Text() != tt.new || len(h.splices) != 0 {
				t.Errorf("text %q (splices %v), want %q", h.e.Text(), h.splices, tt.new)
			}
			if got := h.e.CursorOffset(); got != tt.want {
				t.Errorf("cursor %d, want %d", got, tt.want)
			}
		})
	}
}

func TestArrowsCrossParagraphs(t *testing.T) {
	h := newHarness(t, "abcdef\nabcdef\n\nabcdef", wide)
	steps := []struct {
		key  fyne.KeyName
		want int
	}{
		{fyne.KeyDown, 10},   // same column in the next paragraph
		{fyne.KeyDown, 14},   // empty paragraph
		{fyne.KeyDown, 15},   // its column 0 is the nearest
		{fyne.KeyUp, 14},     // back up
		{fyne.KeyUp, 7},      // column 0 of the paragraph above
		{fyne.KeyLeft, 6},    // end of the paragraph before
		{fyne.KeyRight, 7},   // and back
		{fyne.KeyUp, 0},      // first paragraph
		{fyne.KeyUp, 0},      // top: stays
		{fyne.KeyRight, 1},   // within a paragraph as usual
		{fyne.KeyEnd, 6},     // end of the row
		{fyne.KeyRight, 7},   // into the next paragraph
		{fyne.KeyEnd, 13},    // end of the row
		{fyne.KeyDelete, 13}, // joins with the empty paragraph
	}
	h.focusAt(3)
	for i, s := range steps {
		h.key(s.key)
		if got := h.e.CursorOffset(); got != s.want {
			t.Fatalf("step %d (%s): cursor %d, want %d", i, s.key, got, s.want)
		}
		h.check()
	}
}

func TestArrowsKeepColumnAcrossWrappedParagraphs(t *testing.T) {
	long := strings.Repeat("word ", 40)
	h := newHarness(t, long+"\n"+long, fyne.NewSize(200, 600))
	first := h.e.paras[0]
	last := first.rows[len(first.rows)-1]
	h.focusAt(last.begin + 2) // last row of the first paragraph
	h.key(fyne.KeyDown)
	// Rows of both paragraphs start "word word", so the column is kept.
	if got, want := h.e.CursorOffset(), first.n+1+2; got != want {
		t.Fatalf("cursor %d, want %d", got, want)
	}
	h.key(fyne.KeyUp)
	if got := h.e.CursorOffset(); got != last.begin+2 {
		t.Errorf("back up: cursor %d, want %d", got, last.begin+2)
	}
}

func TestFocusLostOnlyWhenLeaving(t *testing.T) {
	h := newHarness(t, "one\ntwo\nthree", wide)
	lost := 0
	h.e.OnFocusLost = func() { lost++ }
	h.focusAt(1)
	h.key(fyne.KeyDown)
	h.key(fyne.KeyReturn)
	h.key(fyne.KeyBackspace)
	h.e.ApplySplice(0, 4, "")
	if lost != 0 {
		t.Fatalf("focus lost %d times while moving inside the editor", lost)
	}
	h.w.Canvas().Unfocus()
	if lost != 1 {
		t.Fatalf("focus lost %d times after leaving, want 1", lost)
	}
	if h.e.focused != nil {
		t.Error("editor still thinks it has focus")
	}
}

func TestPlaceholderDisableAndOnChanged(t *testing.T) {
	h := newHarness(t, "", wide)
	h.e.SetPlaceHolder("Describe the commitment")
	if got := h.e.paras[0].ent.PlaceHolder; got != "Describe the commitment" {
		t.Errorf("placeholder %q", got)
	}
	var changes []string
	h.e.OnChanged = func(s string) { changes = append(changes, s) }
	h.focusAt(0)
	h.typ("a")
	h.key(fyne.KeyReturn)
	if got := h.e.paras[0].ent.PlaceHolder; got != "" {
		t.Errorf("placeholder %q shown on a text of two paragraphs", got)
	}
	h.e.ApplySplice(0, 0, "b")
	h.model = slices.Concat([]rune("b"), h.model)
	if want := []string{"a", "a\n", "ba\n"}; !slices.Equal(changes, want) {
		t.Errorf("OnChanged %q, want %q", changes, want)
	}

	h.e.Disable()
	if !h.e.Disabled() {
		t.Fatal("not disabled")
	}
	ent := h.e.paras[0].ent
	ent.TypedRune('x')
	ent.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	if h.e.Text() != "ba\n" || len(h.splices) != 2 {
		t.Errorf("disabled editor changed: %q %v", h.e.Text(), h.splices)
	}
	h.e.Enable()
	h.focusAt(2)
	h.typ("c")
	h.check()
	if h.e.Text() != "bac\n" {
		t.Errorf("enabled editor: %q", h.e.Text())
	}
}

func TestLongTextIsVirtualised(t *testing.T) {
	var b strings.Builder
	for i := range 300 {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat("paragraph text ", 1+i%7))
	}
	text := b.String()
	h := newHarness(t, text, fyne.NewSize(500, 400))
	if n := len(h.e.live); n == 0 || n > 40 {
		t.Fatalf("%d live entries for 300 paragraphs", n)
	}
	h.check()

	// The mouse wheel over the text scrolls the editor.
	test.Scroll(h.w.Canvas(), fyne.NewPos(100, 100), 0, -300)
	if h.e.scroll.Offset.Y <= 0 {
		t.Fatal("wheel over the text did not scroll")
	}
	h.check()

	// Focus follows the cursor to the end, far out of view, and typing works.
	h.focusAt(len([]rune(text)))
	h.typ("!")
	h.check()
	last := h.e.paras[len(h.e.paras)-1]
	if last.ent == nil || h.e.scroll.Offset.Y+h.e.scroll.Size().Height < last.y+last.h-h.e.metrics().innerPad {
		t.Error("the end of the text is not in view")
	}
	// Scrolled away, the focused paragraph keeps its entry.
	h.e.scrollTo(0)
	if last.ent == nil || h.focused().para != last {
		t.Fatal("focused paragraph lost its entry when scrolled away")
	}
	h.typ("?")
	h.check()
	if !strings.HasSuffix(h.e.Text(), "!?") {
		t.Errorf("text ends %q", h.e.Text()[len(h.e.Text())-5:])
	}
	if n := len(h.e.live); n > 40 {
		t.Errorf("%d live entries after scrolling", n)
	}
}

func TestMinSizeGrowsWithText(t *testing.T) {
	h := newHarness(t, "one", wide)
	m := h.e.metrics()
	lines := func(n int) float32 { return float32(n)*m.lineH + 2*m.innerPad + 2*m.border }
	if got := h.e.MinSize().Height; got != lines(3) {
		t.Errorf("min height %v, want 3 lines (%v)", got, lines(3))
	}
	h.e.SetText(strings.Repeat("line\n", 30))
	if got := h.e.MinSize().Height; got != lines(12) {
		t.Errorf("min height %v, want 12 lines (%v)", got, lines(12))
	}
	h.e.SetMinRowsVisible(5)
	h.e.SetMaxRowsVisible(5)
	if got := h.e.MinSize().Height; got != lines(5) {
		t.Errorf("min height %v, want 5 lines (%v)", got, lines(5))
	}
}

func TestSetTextKeepsCursorAndFocus(t *testing.T) {
	h := newHarness(t, "one\ntwo", wide)
	h.focusAt(5)
	h.e.SetText("first\nsecond\nthird")
	h.model = []rune(h.e.Text())
	if len(h.splices) != 0 {
		t.Errorf("SetText reported splices %v", h.splices)
	}
	if got := h.e.CursorOffset(); got != 5 {
		t.Errorf("cursor %d, want 5", got)
	}
	h.typ("_")
	h.check()
	if want := "first_\nsecond\nthird"; h.e.Text() != want {
		t.Errorf("text %q, want %q", h.e.Text(), want)
	}
}

func TestResizeRewraps(t *testing.T) {
	text := strings.Repeat(strings.Repeat("budget line ", 15)+"\n", 40)
	h := newHarness(t, text, fyne.NewSize(600, 300))
	h.focusAt(3000)
	for _, width := range []float32{250, 900, 400} {
		h.w.Resize(fyne.NewSize(width, 300))
		h.check()
		for _, ent := range h.e.live {
			checkRows(t, h.e.wrapper(), []rune(ent.para.text), ent.para.rows)
		}
		if got := h.e.CursorOffset(); got != 3000 {
			t.Fatalf("width %v: cursor %d, want 3000", width, got)
		}
		h.typ("x")
		h.key(fyne.KeyBackspace)
		h.check()
	}
}

func TestFocusArrivesByTabAndClick(t *testing.T) {
	test.NewTempApp(t)
	before := widget.NewEntry()
	e := New()
	e.SetText("one\ntwo")
	w := test.NewTempWindow(t, container.NewBorder(before, nil, nil, nil, e))
	w.Resize(fyne.NewSize(400, 400))
	lost := 0
	e.OnFocusLost = func() { lost++ }

	w.Canvas().Focus(before)
	test.FocusNext(w.Canvas()) // Tab into the editor
	if ent, ok := w.Canvas().Focused().(*paraEntry); !ok || ent.para.idx != 0 {
		t.Fatalf("Tab focused %T", w.Canvas().Focused())
	}

	// A click below the text puts the cursor at its end.
	w.Canvas().Focus(before)
	if lost != 1 {
		t.Errorf("focus lost %d times, want 1", lost)
	}
	below := fyne.NewPos(100, e.Position().Y+e.Size().Height-20)
	test.TapCanvas(w.Canvas(), below)
	if ent, ok := w.Canvas().Focused().(*paraEntry); !ok || ent != e.focused {
		t.Fatalf("click below the text focused %T", w.Canvas().Focused())
	}
	if got := e.CursorOffset(); got != 7 {
		t.Errorf("cursor %d, want 7", got)
	}
	w.Canvas().Focused().TypedRune('!')
	if e.Text() != "one\ntwo!" {
		t.Errorf("text %q", e.Text())
	}
}

func TestUndoRedo(t *testing.T) {
	h := newHarness(t, "Plan\nEnd", wide)
	h.focusAt(4)
	h.typ(" draft one")
	h.key(fyne.KeyReturn)
	h.typ("x")
	h.key(fyne.KeyBackspace)
	h.key(fyne.KeyBackspace) // joins the new paragraph back
	h.check()
	steps := []struct {
		do     func()
		want   string
		cursor int
	}{
		{h.e.Undo, "Plan draft one\n\nEnd", 15},  // the join
		{h.e.Undo, "Plan draft one\nx\nEnd", 16}, // the backspace
		{h.e.Undo, "Plan draft one\n\nEnd", 15},  // the typed x
		{h.e.Undo, "Plan draft one\nEnd", 14},    // the line break
		{h.e.Undo, "Plan draft \nEnd", 11},       // "one"
		{h.e.Undo, "Plan \nEnd", 5},              // "draft "
		{h.e.Undo, "Plan\nEnd", 4},               // " "
		{h.e.Undo, "Plan\nEnd", 4},               // nothing left
		{h.e.Redo, "Plan \nEnd", 5},
		{h.e.Redo, "Plan draft \nEnd", 11},
	}
	for i, s := range steps {
		s.do()
		h.check() // undo and redo are reported as splices too
		if h.e.Text() != s.want || h.e.CursorOffset() != s.cursor {
			t.Fatalf("step %d: %q cursor %d, want %q cursor %d", i, h.e.Text(), h.e.CursorOffset(), s.want, s.cursor)
		}
	}
	// Ctrl+Z reaches the history through the focused entry, and a new edit
	// drops what could be redone.
	h.shortcut(&fyne.ShortcutUndo{})
	h.typ("Z")
	h.shortcut(&fyne.ShortcutRedo{})
	h.check()
	if want := "Plan Z\nEnd"; h.e.Text() != want {
		t.Errorf("text %q, want %q", h.e.Text(), want)
	}
}

func TestUndoAfterRemoteSplices(t *testing.T) {
	h := newHarness(t, "alpha\nbeta\ngamma", wide)
	h.focusAt(10) // end of "beta"
	h.typ(" two")
	remote := func(pos, del int, ins string) {
		h.e.ApplySplice(pos, del, ins)
		h.model = slices.Concat(h.model[:pos], []rune(ins), h.model[pos+del:])
	}
	remote(0, 0, "pre ")  // before the typed word
	remote(24, 0, " end") // after it
	h.e.Undo()
	h.check()
	if want := "pre alpha\nbeta \ngamma end"; h.e.Text() != want {
		t.Fatalf("text %q, want %q", h.e.Text(), want)
	}
	// A colleague's edit over what was typed makes it impossible to undo.
	h.typ("x")
	remote(14, 2, "")
	h.e.Undo()
	h.check()
	if want := "pre alpha\nbeta\ngamma end"; h.e.Text() != want {
		t.Errorf("text %q, want %q", h.e.Text(), want)
	}
}
