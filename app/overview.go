package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// overview edits the plan's heading and its introduction and vision.
type overview struct {
	ws      *workspace
	title   *plainField
	country *plainField
	start   *dateField
	end     *dateField
	vision  *longField
	counts  *widget.Label
	// conflicts marks the title, country and period when set apart.
	conflicts *itemConflicts
}

func newOverview(ws *workspace) *overview { return &overview{ws: ws} }

func (o *overview) buildUI() fyne.CanvasObject {
	p, onErr := o.ws.plan, o.ws.errorf
	set := func(field string) func(string) error {
		return func(v string) error { return p.SetPlanField(field, v) }
	}
	o.title = newPlainField("Plan title", set("title"), onErr)
	o.country = newPlainField("Country or local government", set("country"), onErr)
	noPeriod := func() doc.Info { return doc.Info{} }
	o.start = newDateField(set("periodStart"), noPeriod)
	o.end = newDateField(set("periodEnd"), noPeriod)
	o.start.check = spanCheck(func() string { return o.end.last }, false)
	o.end.check = spanCheck(func() string { return o.start.last }, true)
	o.vision = newLongField(p, doc.VisionText(), "Vision", "Introduction and vision: the plan's ambition, how it was co-created, and how it builds on earlier plans. Markdown is welcome.", onErr, o.ws.ui.log)
	o.counts = widget.NewLabel("")
	o.counts.Importance = widget.LowImportance
	o.conflicts = newItemConflicts(o.ws, "plan", "plan", o.load)
	o.load()

	ic := o.conflicts
	form := widget.NewForm(
		widget.NewFormItem("Title", ic.under(o.title.entry, "title")),
		widget.NewFormItem("Country", ic.under(o.country.entry, "country")),
		widget.NewFormItem("Period", ic.under(container.NewGridWithColumns(2,
			container.NewVBox(o.start.entry, o.start.msg), container.NewVBox(o.end.entry, o.end.msg)), "periodStart", "periodEnd")),
	)
	heading := subHeading("Overview and vision")
	return formOverText(container.NewVBox(heading, form, o.counts), o.vision.buildUI())
}

func (o *overview) load() {
	info := o.ws.plan.Info()
	o.title.load(info.Title)
	o.country.load(info.Country)
	o.start.load(info.PeriodStart)
	o.end.load(info.PeriodEnd)
	sums := o.ws.plan.Summaries()
	by := map[doc.State]int{}
	for _, s := range sums {
		by[s.State]++
	}
	var parts []string
	for _, st := range doc.States {
		if by[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", by[st], strings.ToLower(stateLabel(st))))
		}
	}
	txt := plural(len(sums), "commitment")
	if len(parts) > 0 {
		txt += ": " + strings.Join(parts, ", ")
	}
	o.counts.SetText(txt)
	// Typing a new value into a field in conflict ends the conflict too.
	o.conflicts.load(o.ws.plan.Conflicts())
}

func (o *overview) refresh(remote bool) {
	if remote {
		o.vision.refresh()
	}
	o.load()
}

func (o *overview) close() {}

func (o *overview) longFields() []*longField { return []*longField{o.vision} }
