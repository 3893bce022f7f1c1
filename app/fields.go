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

// dateField is a date Entry that writes only valid dates and says why a
// date is refused. Milestone and commitment dates must lie inside the plan
// period and are flagged when they do not; process dates (timeline,
// meeting notes) are not: consultation comes before the period.
type dateField struct {
	entry    *widget.Entry
	msg      *widget.Label
	last     string
	quiet    bool
	set      func(string) error
	check    func(string) error // extra rule, e.g. end after start
	period   func() doc.Info
	inPeriod bool
	name     string // names the field in messages shown away from it
}

// newDateField is a date that belongs inside the plan period.
func newDateField(set func(string) error, period func() doc.Info) *dateField {
	f := &dateField{entry: widget.NewEntry(), msg: widget.NewLabel(""), set: set, period: period, inPeriod: true}
	f.entry.SetPlaceHolder("YYYY-MM-DD")
	f.msg.Wrapping = fyne.TextWrapWord
	f.msg.SizeName = theme.SizeNameCaptionText
	f.msg.Hide()
	f.entry.OnChanged = f.changed
	return f
}

// newProcessDateField is a date of the process, before, during or after
// the plan period.
func newProcessDateField(set func(string) error, period func() doc.Info) *dateField {
	f := newDateField(set, period)
	f.inPeriod = false
	return f
}

// parseStrictDate accepts only full calendar dates, so a half-typed year is
// never widened and written; example is a date to show how.
func parseStrictDate(s, example string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	t, err := time.Parse(doc.DateLayout, s)
	if err != nil {
		return "", fmt.Errorf("not a date (write YYYY-MM-DD, e.g. %s)", example)
	}
	return t.Format(doc.DateLayout), nil
}

// exampleDate is a date inside the plan period (the end of its middle
// month), or today when the plan has no period.
func exampleDate(info doc.Info) string {
	start, err1 := time.Parse(doc.DateLayout, info.PeriodStart)
	end, err2 := time.Parse(doc.DateLayout, info.PeriodEnd)
	switch {
	case err1 == nil && err2 == nil && !end.Before(start):
		mid := start.Add(end.Sub(start) / 2)
		eom := time.Date(mid.Year(), mid.Month()+1, 0, 0, 0, 0, 0, time.UTC)
		if eom.After(end) {
			eom = end
		}
		return eom.Format(doc.DateLayout)
	case err1 == nil:
		return info.PeriodStart
	}
	return now().Format(doc.DateLayout)
}

func (f *dateField) changed(s string) {
	if f.quiet {
		return
	}
	d, err := parseStrictDate(s, exampleDate(f.period()))
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
	if f.name != "" {
		s = f.name + ": " + strings.ToLower(s[:1]) + s[1:]
	} else if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	f.msg.SetText(s)
	f.msg.Show()
}

// flag warns when the saved date lies outside the plan period, for dates
// that belong inside it.
func (f *dateField) flag() {
	if !f.inPeriod {
		f.msg.Hide()
		return
	}
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
			return fmt.Errorf("before the start (%s)", other)
		}
		if !isEnd && d > other {
			return fmt.Errorf("after the end (%s)", other)
		}
		return nil
	}
}
