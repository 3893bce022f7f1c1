package app

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// plainField binds a one-line Entry to a plain (non-Text) document value,
// written whole on each change.
type plainField struct {
	entry *widget.Entry
	last  string // the document value last shown
	quiet bool
	set   func(string) error
	onErr func(error)
}

func newPlainField(placeholder string, set func(string) error, onErr func(error)) *plainField {
	f := &plainField{entry: widget.NewEntry(), set: set, onErr: onErr}
	f.entry.SetPlaceHolder(placeholder)
	f.entry.OnChanged = func(s string) {
		if f.quiet {
			return
		}
		if err := f.set(s); err != nil {
			f.onErr(err)
			return
		}
		f.last = strings.TrimSpace(s)
	}
	return f
}

// load shows the document's value unless it is what was last shown, so a
// refresh never fights the person typing.
func (f *plainField) load(v string) {
	if v == f.last && f.entry.Text != "" {
		return
	}
	f.last = v
	if strings.TrimSpace(f.entry.Text) == v {
		return
	}
	setEntryKeepCursor(f.entry, v, &f.quiet)
}

// dateField is a date Entry that writes only valid dates, says why a date
// is refused, and flags dates outside the plan period.
type dateField struct {
	entry  *widget.Entry
	msg    *widget.Label
	last   string
	quiet  bool
	set    func(string) error
	check  func(string) error // extra rule, e.g. end after start
	period func() doc.Info
}

func newDateField(set func(string) error, period func() doc.Info) *dateField {
	f := &dateField{entry: widget.NewEntry(), msg: widget.NewLabel(""), set: set, period: period}
	f.entry.SetPlaceHolder("YYYY-MM-DD")
	f.msg.Wrapping = fyne.TextWrapWord
	f.msg.SizeName = theme.SizeNameCaptionText
	f.msg.Hide()
	f.entry.OnChanged = f.changed
	return f
}

// parseStrictDate accepts only full calendar dates, so a half-typed year is
// never widened and written.
func parseStrictDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	t, err := time.Parse(doc.DateLayout, s)
	if err != nil {
		return "", fmt.Errorf("%q is not a date: write it as YYYY-MM-DD, e.g. 2026-03-31", s)
	}
	return t.Format(doc.DateLayout), nil
}

func (f *dateField) changed(s string) {
	if f.quiet {
		return
	}
	d, err := parseStrictDate(s)
	if err == nil && f.check != nil {
		err = f.check(d)
	}
	if err == nil {
		err = f.set(d)
	}
	if err != nil {
		f.showMsg(err.Error(), widget.DangerImportance)
		return
	}
	f.last = d
	f.flag()
}

// Err is the message shown under the field, "" when it is fine.
func (f *dateField) Err() string {
	if !f.msg.Visible() || f.msg.Importance != widget.DangerImportance {
		return ""
	}
	return f.msg.Text
}

func (f *dateField) showMsg(s string, imp widget.Importance) {
	f.msg.Importance = imp
	f.msg.SetText(s)
	f.msg.Show()
}

// flag warns when the saved date lies outside the plan period.
func (f *dateField) flag() {
	if w := outsidePeriod(f.last, f.period()); w != "" {
		f.showMsg(w, widget.WarningImportance)
		return
	}
	f.msg.Hide()
}

func outsidePeriod(d string, info doc.Info) string {
	if d == "" {
		return ""
	}
	if (info.PeriodStart != "" && d < info.PeriodStart) || (info.PeriodEnd != "" && d > info.PeriodEnd) {
		return fmt.Sprintf("Outside the plan period (%s to %s)", info.PeriodStart, info.PeriodEnd)
	}
	return ""
}

func (f *dateField) load(v string) {
	if v == f.last && (f.entry.Text != "" || v == "") {
		if f.Err() == "" {
			f.flag()
		}
		return
	}
	f.last = v
	setEntryKeepCursor(f.entry, v, &f.quiet)
	f.flag()
}

// spanCheck refuses an end date before the start date.
func spanCheck(start func() string, isEnd bool) func(string) error {
	return func(d string) error {
		other := start()
		if d == "" || other == "" {
			return nil
		}
		if isEnd && d < other {
			return fmt.Errorf("ends (%s) before it starts (%s)", d, other)
		}
		if !isEnd && d > other {
			return fmt.Errorf("starts (%s) after it ends (%s)", d, other)
		}
		return nil
	}
}
