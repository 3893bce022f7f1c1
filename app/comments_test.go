package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// labelsIn lists the texts of the labels and buttons under o.
func labelsIn(o fyne.CanvasObject) []string {
	var out []string
	walk(o, func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Label:
			out = append(out, v.Text)
		case *widget.Button:
			out = append(out, v.Text)
		}
	})
	return out
}

func TestCommentReplies(t *testing.T) {
	f := newFixture(t)
	ce := f.commitment(t, f.ids[0])
	selectTab(t, ce.tabs, "Comments")
	root := f.plan.CommentsOn(f.ids[0])[0]
	test.Tap(findButton(t, ce.comments.list, "Reply"))
	if ce.comments.reply == nil || f.ui.win.Canvas().Focused() != ce.comments.reply {
		t.Fatal("Reply did not open a reply box with the focus")
	}
	typeFocused(t, f.ui.win.Canvas(), "Yes, the regions agreed.")
	test.Tap(findButtonIn(t, ce.comments.list, "Reply", 1)) // the box's send button
	cs := f.plan.CommentsOn(f.ids[0])
	if len(cs) != 2 || cs[1].Parent != root.ID || cs[1].Body != "Yes, the regions agreed." {
		t.Fatalf("comments %+v", cs)
	}
	if ce.comments.reply != nil {
		t.Error("the reply box stayed open")
	}
	texts := strings.Join(labelsIn(ce.comments.list), "|")
	if !strings.Contains(texts, "Can we include sub-national contracts too?") || !strings.Contains(texts, "Yes, the regions agreed.") {
		t.Errorf("the thread shows %q", texts)
	}
	if !strings.HasPrefix(ce.commentTab.Text, "Comments (1)") {
		t.Errorf("a reply counted as another thread: %q", ce.commentTab.Text)
	}
}

func TestCommentOnPassage(t *testing.T) {
	f := newFixture(t)
	id := f.ids[0]
	ref := doc.CommitmentText(id, "description")
	ce, ed := descriptionEditor(t, f, id, 0)
	text := ed.Text()
	start := len([]rune(text[:strings.Index(text, "open formats")]))
	ed.SetSelection(start, start+len("open formats"))
	test.Tap(findButton(t, f.ui.win.Canvas().Content(), "Comment on selection"))
	if !strings.HasPrefix(ce.tabs.Selected().Text, "Comments") || !ce.comments.onBox.Visible() || !strings.Contains(ce.comments.onLabel.Text, "open formats") {
		t.Fatalf("Comment on selection shows tab %q, box %v %q", ce.tabs.Selected().Text, ce.comments.onBox.Visible(), ce.comments.onLabel.Text)
	}
	typeFocused(t, f.ui.win.Canvas(), "Which formats? CSV and OCDS JSON?")
	ce.comments.send()
	var c doc.Comment
	for _, x := range f.plan.CommentsOn(id) {
		if x.Anchor != nil {
			c = x
		}
	}
	if c.Anchor == nil || c.Anchor.Quote != "open formats" || c.Anchor.Field != "description" || c.Target != id+"/description" {
		t.Fatalf("anchored comment %+v", c)
	}
	if ce.comments.onBox.Visible() {
		t.Error("the next comment is still on the passage")
	}

	// A colleague writes before the passage: its comment follows it, and
	// clicking the quote selects it where it is now.
	saved, _ := f.plan.Save()
	other, _ := doc.LoadPlan(saved, bruno)
	if err := other.Splice(ref, 0, 0, "From 2026: "); err != nil {
		t.Fatal(err)
	}
	theirs, _ := other.Save()
	if _, err := f.plan.Merge(theirs); err != nil {
		t.Fatal(err)
	}
	f.ui.ws.drain()
	test.Tap(findButton(t, ce.comments.list, "On “open formats” in Commitment"))
	if got := ce.tabs.Selected().Text; got != "Commitment" {
		t.Fatalf("clicking the quote shows the %q tab", got)
	}
	now := ed.Text()
	want := len([]rune(now[:strings.Index(now, "open formats")]))
	if from, to := ed.Selection(); from != want || to != want+len("open formats") || ed.SelectedText() != "open formats" {
		t.Errorf("selection %d..%d %q, want the passage at %d", from, to, ed.SelectedText(), want)
	}

	// The passage itself edited away: the comment says so.
	if err := f.plan.SetText(ref, strings.Replace(now, "open formats", "CSV", 1)); err != nil {
		t.Fatal(err)
	}
	f.plan.Commit()
	f.ui.ws.drain()
	selectTab(t, ce.tabs, "Comments")
	if texts := strings.Join(labelsIn(ce.comments.list), "|"); !strings.Contains(texts, "the passage has since been edited") {
		t.Errorf("a lost passage is not told: %q", texts)
	}
}

func TestCommentOnSelectionNeedsASelection(t *testing.T) {
	f := newFixture(t)
	ce, _ := descriptionEditor(t, f, f.ids[1], 3)
	test.Tap(findButton(t, f.ui.win.Canvas().Content(), "Comment on selection"))
	if !dialogSays(f.ui.win, "Select the words you want to comment on") || ce.comments.onBox.Visible() {
		t.Error("Comment on selection without a selection did not say what to do")
	}
}

// findButtonIn finds the nth (from 0) button whose label starts with label.
func findButtonIn(t *testing.T, root fyne.CanvasObject, label string, n int) fyne.Tappable {
	t.Helper()
	var found []fyne.Tappable
	walk(root, func(o fyne.CanvasObject) {
		if b, ok := o.(*widgetButton); ok && strings.HasPrefix(b.Text, label) {
			found = append(found, b)
		}
	})
	if len(found) <= n {
		t.Fatalf("%d %q buttons, want at least %d", len(found), label, n+1)
	}
	return found[n]
}
