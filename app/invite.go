package app

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"rsc.io/qr"

	"github.com/coplan/coplan/doc"
)

// InviteCode is a full invite code: Code as people copy it, QR what its
// QR code carries (the same code in the QR's compact alphabet).
type InviteCode struct {
	Code string
	QR   string
}

// InviteResult is how a short code ended: Member joined, or Err says why
// nobody did.
type InviteResult struct {
	Member doc.Member
	Err    error
}

// How a code failed, as the sync adapter reports it (wrapping the sync
// layer's own error).
var (
	ErrCodeExpired   = errors.New("the code expired")
	ErrCodeDead      = errors.New("the code was closed after too many wrong tries")
	ErrCodeCancelled = errors.New("the code was cancelled")
	ErrCodeGarbled   = errors.New("the invite code is incomplete or mistyped")
)

// ShortInviteTTL is how long a short code from the Invite dialog stays open.
const ShortInviteTTL = 10 * time.Minute

// copiedFor is how long a Copy button says "Copied".
var copiedFor = 2 * time.Second

// showInvite makes a full invite code for the open plan and shows it,
// with a short code to read aloud opening in the background.
func (u *UI) showInvite() { u.invite() }

// invite shows the Invite dialog, or an error and nil.
func (u *UI) invite() *inviteView {
	if u.plan == nil {
		return nil
	}
	if u.cfg.Sync == nil {
		u.showError(errors.New("peer sync is not available in this build"))
		return nil
	}
	if !u.plan.PlanActions().Invite { // the menu item and Ctrl+I stay; the plan's rules decide
		why := "this laptop cannot invite to this plan: it is not a member of it now"
		if u.plan.Settings().AdminsOnlyInvite {
			why = "this laptop cannot invite: an administrator has let only administrators invite"
		}
		u.showError(errors.New(why))
		return nil
	}
	code, err := u.cfg.Sync.Invite(u.plan, InviteTTL)
	if err != nil {
		u.showError(fmt.Errorf("could not make an invite: %w", err))
		return nil
	}
	v := u.newInviteView(code)
	v.d.Show()
	v.openShort(u.cfg.Sync, u.plan.ID())
	return v
}

// inviteView is the Invite dialog: a short code for the room above, the
// full code and its QR code for joining from elsewhere below.
type inviteView struct {
	u      *UI
	d      dialog.Dialog
	ctx    context.Context
	cancel context.CancelFunc

	short     *canvas.Text
	copyShort *widget.Button
	status    *widget.Label
	full      *widget.Label
	copyFull  *widget.Button
	qr        *canvas.Image // nil if the code does not fit a QR code
}

func (u *UI) newInviteView(code InviteCode) *inviteView {
	v := &inviteView{u: u}
	v.ctx, v.cancel = context.WithCancel(context.Background())

	v.short = canvas.NewText("…", theme.Color(theme.ColorNameForeground))
	v.short.TextSize = 3 * theme.TextSize()
	v.short.TextStyle = fyne.TextStyle{Bold: true}
	v.short.Alignment = fyne.TextAlignCenter
	v.copyShort = v.copyButton("Copy code", func() string { return v.short.Text })
	v.copyShort.Disable()
	v.status = widget.NewLabel("Making a short code…")
	v.status.Wrapping = fyne.TextWrapWord
	hint := widget.NewLabel(fmt.Sprintf("Read this code aloud. It is valid for %d minutes, for one person: they type it in Peers > Join with an invite code…, on the same network as you.", int(ShortInviteTTL.Minutes())))
	hint.Wrapping = fyne.TextWrapWord

	// Groups apart by spaces so the box wraps between them, never
	// inside one; Join reads it with or without them.
	v.full = widget.NewLabel(strings.ReplaceAll(code.Code, "-", " "))
	v.full.Wrapping = fyne.TextWrapWord
	v.full.TextStyle = fyne.TextStyle{Monospace: true}
	fullBox := container.NewStack(canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)), v.full)
	v.copyFull = v.copyButton("Copy full code", func() string { return code.Code })
	elsewhere := widget.NewLabelWithStyle("Joining from elsewhere?", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	fullHint := widget.NewLabel(fmt.Sprintf("Send them this code instead; they paste it in Join. It is valid for %d hours and only admits them to this plan. A phone can scan the QR code to copy the code and send it on.", int(InviteTTL.Hours())))
	fullHint.Wrapping = fyne.TextWrapWord

	below := fyne.CanvasObject(fullBox)
	if img, err := qrImage(code.QR); err == nil {
		v.qr = canvas.NewImageFromImage(img)
		v.qr.FillMode = canvas.ImageFillContain
		v.qr.ScaleMode = canvas.ImageScalePixels
		v.qr.SetMinSize(fyne.NewSize(200, 200))
		below = container.NewBorder(nil, nil, container.NewCenter(v.qr), nil, fullBox)
	}
	content := container.NewVBox(
		v.short,
		container.NewCenter(v.copyShort),
		hint,
		v.status,
		widget.NewSeparator(),
		elsewhere,
		fullHint,
		below,
		container.NewHBox(v.copyFull),
	)
	v.d = dialog.NewCustom("Invite a colleague", "Close", content, u.win)
	v.d.SetOnClosed(v.cancel)
	v.d.Resize(fyne.NewSize(680, 0))
	return v
}

// copyButton puts text() on the clipboard and says so for a moment.
func (v *inviteView) copyButton(label string, text func() string) *widget.Button {
	var b *widget.Button
	var gen int
	b = widget.NewButtonWithIcon(label, theme.ContentCopyIcon(), func() {
		v.u.app.Clipboard().SetContent(text())
		b.SetText("Copied")
		b.SetIcon(theme.ConfirmIcon())
		gen++
		mine := gen
		time.AfterFunc(copiedFor, func() {
			onUI(func() {
				if gen == mine { // a later click restarts the moment
					b.SetText(label)
					b.SetIcon(theme.ContentCopyIcon())
				}
			})
		})
	})
	return b
}

// openShort opens a short code off the UI thread (it first listens for a
// clash on the network), shows it, then shows how it ended.
func (v *inviteView) openShort(svc SyncService, planID string) {
	go func() {
		code, done, err := svc.InviteWords(v.ctx, planID, ShortInviteTTL)
		onUI(func() {
			if err != nil {
				v.short.Text = "—"
				v.short.Refresh()
				if v.ctx.Err() == nil {
					v.status.SetText(fmt.Sprintf("No short code (%v): send the code below instead.", err))
				}
				return
			}
			v.short.Text = code
			v.short.Refresh()
			v.copyShort.Enable()
			v.status.SetText("Waiting for them to join…")
		})
		if err != nil {
			return
		}
		r, ok := <-done
		if !ok {
			r.Err = ErrCodeCancelled
		}
		onUI(func() { v.ended(r) })
	}()
}

// ended shows how the short code ended.
func (v *inviteView) ended(r InviteResult) {
	v.copyShort.Disable()
	switch {
	case r.Err == nil:
		who := r.Member.Name
		if r.Member.Org != "" {
			who += " (" + r.Member.Org + ")"
		}
		v.status.SetText(who + " joined the plan.")
		v.status.Importance = widget.SuccessImportance
	case errors.Is(r.Err, ErrCodeCancelled):
		return // the dialog closed
	case errors.Is(r.Err, ErrCodeExpired):
		v.status.SetText("The code has expired. Close this and invite again for a new one.")
		v.status.Importance = widget.WarningImportance
	case errors.Is(r.Err, ErrCodeDead):
		v.status.SetText("The code was closed after too many wrong tries. Close this and invite again for a new one.")
		v.status.Importance = widget.WarningImportance
	default:
		v.status.SetText(fmt.Sprintf("The code stopped working: %v.", r.Err))
		v.status.Importance = widget.WarningImportance
	}
	v.status.Refresh()
}

// qrImage renders code as a QR code with a quiet zone. Level L: a screen
// does not smudge, and fewer modules read from further away.
func qrImage(code string) (image.Image, error) {
	c, err := qr.Encode(code, qr.L)
	if err != nil {
		return nil, err
	}
	// Draw it ourselves: rsc.io/qr's Image ignores its scale and quiet zone.
	const scale, quiet = 4, 4
	side := (c.Size + 2*quiet) * scale
	img := image.NewGray(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if !c.Black(x, y) {
				continue
			}
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					img.SetGray((x+quiet)*scale+dx, (y+quiet)*scale+dy, color.Gray{})
				}
			}
		}
	}
	return img, nil
}
