package app

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// openInvite opens the Invite dialog on the fixture with a short code.
func openInvite(t *testing.T, f *fixture) *inviteView {
	t.Helper()
	f.sync.words = "7-penguin-pretzel"
	v := f.ui.invite()
	if v == nil {
		t.Fatal("no Invite dialog")
	}
	runHop(t) // the short code is open
	return v
}

// lines is the text of a wrapped label line by line, as drawn.
func lines(l *widget.Label) []string {
	var out []string
	walk(l, func(o fyne.CanvasObject) {
		if tx, ok := o.(*canvas.Text); ok && tx.Text != "" {
			out = append(out, tx.Text)
		}
	})
	return out
}

func TestInviteDialogShowsCodes(t *testing.T) {
	f := newFixture(t)
	v := openInvite(t, f)
	defer v.d.Hide()
	if v.short.Text != "7-penguin-pretzel" {
		t.Errorf("short code %q", v.short.Text)
	}
	if v.short.TextSize < 2*theme.TextSize() {
		t.Errorf("short code drawn at %v points: too small to read out", v.short.TextSize)
	}
	if !v.copyShort.Visible() || v.copyShort.Disabled() {
		t.Error("the short code cannot be copied")
	}
	top := f.ui.win.Canvas().Overlays().Top()
	for _, want := range []string{"10 minutes", "for one person", "Join with an invite code", "same network", "Waiting for them to join", "Joining from elsewhere?"} {
		if !hasLabel(top, want) {
			t.Errorf("the dialog does not say %q", want)
		}
	}
	if dialogSays(f.ui.win, "let them scan") {
		t.Error("the dialog still promises a scan Join cannot do")
	}

	// The full code: every group drawn whole, none cut at a line end,
	// and the box tall enough for all its lines.
	drawn := lines(v.full)
	if len(drawn) < 2 {
		t.Fatalf("full code on %d lines: %q", len(drawn), drawn)
	}
	if got, want := strings.Join(drawn, " "), strings.ReplaceAll(fakeFullCode, "-", " "); strings.Join(strings.Fields(got), " ") != want {
		t.Errorf("full code drawn as\n%q\nwant\n%q", got, want)
	}
	for _, ln := range drawn {
		for _, g := range strings.Fields(ln) {
			if !strings.Contains(fakeFullCode, g) || len(g) != 5 && !strings.HasSuffix(fakeFullCode, g) {
				t.Errorf("group %q cut at a line end", g)
			}
		}
	}
	if v.full.Size().Height < v.full.MinSize().Height {
		t.Errorf("full code box %v, needs %v: cut off", v.full.Size(), v.full.MinSize())
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(v.full)
	if win := f.ui.win.Canvas().Size(); pos.Y+v.full.Size().Height > win.Height {
		t.Errorf("full code box ends at %v, below the window (%v)", pos.Y+v.full.Size().Height, win.Height)
	}
	if v.qr == nil {
		t.Fatal("no QR code")
	}
	if s := v.qr.Image.Bounds().Dx(); s > (57+8)*4 {
		t.Errorf("QR image %d px: more than 57 modules", s)
	}
}

func TestInviteStatus(t *testing.T) {
	for _, tc := range []struct {
		name   string
		result InviteResult
		want   string
	}{
		{"joined", InviteResult{Member: doc.Member{Name: "Tim Jones", Org: "Open Knowledge", Side: doc.CivilSociety}}, "Tim Jones (Open Knowledge) joined"},
		{"expired", InviteResult{Err: fmt.Errorf("%w: %w", ErrCodeExpired, errors.New("the code has expired; ask for a new code"))}, "has expired"},
		{"wrong tries", InviteResult{Err: fmt.Errorf("%w: %w", ErrCodeDead, errors.New("too many wrong attempts"))}, "closed after too many wrong tries"},
		{"other", InviteResult{Err: errors.New("network gone")}, "stopped working: network gone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			v := openInvite(t, f)
			defer v.d.Hide()
			if !strings.Contains(v.status.Text, "Waiting") {
				t.Fatalf("status %q before the end", v.status.Text)
			}
			f.sync.wordsDone <- tc.result
			close(f.sync.wordsDone)
			runHop(t)
			if !strings.Contains(v.status.Text, tc.want) {
				t.Errorf("status %q, want %q", v.status.Text, tc.want)
			}
			if !v.copyShort.Disabled() {
				t.Error("a spent code can still be copied")
			}
		})
	}
}

func TestInviteNoShortCode(t *testing.T) {
	f := newFixture(t)
	v := f.ui.invite() // f.sync.words is empty: InviteWords fails
	defer v.d.Hide()
	runHop(t)
	if !strings.Contains(v.status.Text, "No short code (no network)") || !v.copyShort.Disabled() {
		t.Errorf("status %q, copy disabled %v", v.status.Text, v.copyShort.Disabled())
	}
	if !strings.Contains(v.full.Text, "aeqcd") {
		t.Error("the full code is not offered instead")
	}
}

func TestInviteCloseCancelsCode(t *testing.T) {
	f := newFixture(t)
	v := openInvite(t, f)
	ctx := f.sync.wordsCtx
	if ctx.Err() != nil {
		t.Fatal("the code was cancelled while the dialog shows")
	}
	test.Tap(findButton(t, f.ui.win.Canvas().Overlays().Top(), "Close"))
	if ctx.Err() == nil {
		t.Fatal("closing the dialog left the short code open")
	}
	// The code's end after closing changes nothing on screen.
	f.sync.wordsDone <- InviteResult{Err: ErrCodeCancelled}
	close(f.sync.wordsDone)
	runHop(t)
	if !strings.Contains(v.status.Text, "Waiting") {
		t.Errorf("status %q after a cancel", v.status.Text)
	}
}

func TestInviteCopyFeedback(t *testing.T) {
	old := copiedFor
	copiedFor = 20 * time.Millisecond
	defer func() { copiedFor = old }()
	f := newFixture(t)
	v := openInvite(t, f)
	defer v.d.Hide()
	for _, tc := range []struct {
		name  string
		btn   *widget.Button
		want  string
		label string
	}{
		{"short", v.copyShort, "7-penguin-pretzel", "Copy code"},
		{"full", v.copyFull, fakeFullCode, "Copy full code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.app.Clipboard().SetContent("")
			test.Tap(tc.btn)
			if got := f.app.Clipboard().Content(); got != tc.want {
				t.Errorf("clipboard %q, want %q", got, tc.want)
			}
			if tc.btn.Text != "Copied" {
				t.Errorf("button says %q after the click", tc.btn.Text)
			}
			runHop(t) // the moment passes
			if tc.btn.Text != tc.label {
				t.Errorf("button says %q after the moment", tc.btn.Text)
			}
		})
	}
}

// joinWith types code into the Join dialog and clicks Join.
func joinWith(t *testing.T, f *fixture, code string) {
	t.Helper()
	f.ui.joinDialog()
	top := f.ui.win.Canvas().Overlays().Top()
	var entry *widget.Entry
	walk(top, func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && entry == nil {
			entry = e
		}
	})
	if entry == nil {
		t.Fatal("no code entry in the Join dialog")
	}
	entry.SetText(code)
	test.Tap(findButton(t, top, "Join"))
	runHopsUntil(t, func() bool { return f.ui.task == nil })
}

func TestJoinCodes(t *testing.T) {
	notFound := errors.New("no device on this network is offering that code")
	garbled := fmt.Errorf("%w: %w", ErrCodeGarbled, errors.New("not a Coplan invite code: bad plan ID"))
	for _, tc := range []struct {
		name, typed, sent string
		err               error
		say, notSay       string
	}{
		{"short", "  7 penguin pretzel\n", "7 penguin pretzel", notFound, "no device on this network", ""},
		{"full wrapped", strings.ReplaceAll(fakeFullCode, "-", " \n"), strings.ReplaceAll(fakeFullCode, "-", ""), notFound, "no device", ""},
		{"full truncated", fakeFullCode[:150], fakeFullCode[:150], garbled, "incomplete or mistyped", "bad plan ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.sync.joinErr = tc.err
			joinWith(t, f, tc.typed)
			if len(f.sync.codes) != 1 || f.sync.codes[0] != tc.sent {
				t.Fatalf("Join got %q, want %q", f.sync.codes, tc.sent)
			}
			if !dialogSays(f.ui.win, tc.say) {
				t.Errorf("no message saying %q", tc.say)
			}
			if tc.notSay != "" && dialogSays(f.ui.win, tc.notSay) {
				t.Errorf("the message still says %q", tc.notSay)
			}
		})
	}
}
