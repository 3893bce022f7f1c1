package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// subHeading is the title at the top of every screen in the centre pane.
func subHeading(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.TextStyle = fyne.TextStyle{Bold: true}
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// sectionLabel is a bold label: a section or a column heading.
func sectionLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.TextStyle = fyne.TextStyle{Bold: true}
	return l
}

// titleBar is the top of the window: the plan's title (wrapped, never cut
// short) with its country and period under it, and the actions beside.
func titleBar(title, period *widget.Label, actions ...fyne.CanvasObject) fyne.CanvasObject {
	title.TextStyle = fyne.TextStyle{Bold: true}
	title.Wrapping = fyne.TextWrapWord
	title.Truncation = fyne.TextTruncateOff
	period.Importance = widget.LowImportance
	period.SizeName = theme.SizeNameCaptionText
	period.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(nil, nil, nil, container.NewCenter(container.NewHBox(actions...)),
		container.New(&rowLayout{}, title, period))
}

// plural says how many of something there are: "1 commitment", "2
// commitments".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// tabName is a tab's label without the count it may show ("Comments (2)").
func tabName(label string) string {
	name, _, _ := strings.Cut(label, " (")
	return name
}
