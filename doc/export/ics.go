package export

import (
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/coplan/coplan/doc"
)

// ICS renders the plan's timeline as a calendar: each timeline entry is an
// all-day event on its date, and each milestone of an adopted commitment an
// all-day event spanning its start and end. UIDs come from the plan's and
// items' IDs and DTSTAMP is the signing time, so the file is deterministic
// and a calendar that re-imports a later release updates the same events.
func ICS(c doc.Content, s *SignOff) []byte {
	c = PlanProper(c)
	stamp := draftDate
	if s != nil {
		stamp = s.SignedAt.UTC().Truncate(time.Second)
	}
	cal := ics.NewCalendarFor("Coplan")
	cal.SetProductId("-//Coplan//National Action Plan//EN")
	cal.SetMethod(ics.MethodPublish)
	cal.SetCalscale("GREGORIAN")
	name := c.Title
	if s != nil {
		name += " (version " + s.Version + ")"
	}
	cal.SetXWRCalName(name)
	add := func(uid, summary, desc, start, end string) {
		st, err := time.Parse(doc.DateLayout, start)
		if err != nil {
			return
		}
		en, err := time.Parse(doc.DateLayout, end)
		if err != nil || en.Before(st) {
			en = st
		}
		ev := cal.AddEvent(uid + "@" + c.ID + ".coplan")
		ev.SetDtStampTime(stamp)
		ev.SetAllDayStartAt(st)
		ev.SetAllDayEndAt(en.AddDate(0, 0, 1)) // DTEND of an all-day event is exclusive
		ev.SetSummary(summary)
		if strings.TrimSpace(desc) != "" {
			ev.SetDescription(strings.TrimSpace(desc))
		}
	}
	for _, t := range c.Timeline {
		add("timeline-"+t.ID, t.Title, t.Note, t.Date, t.Date)
	}
	for _, cm := range c.Commitments {
		if cm.State == doc.NotAdopted {
			continue
		}
		for i, m := range cm.Milestones {
			desc := "Commitment " + strconv.Itoa(cm.Number) + ": " + cm.Title
			if m.Deliverable != "" {
				desc += "\nDeliverable: " + m.Deliverable
			}
			add("milestone-"+m.ID, strconv.Itoa(cm.Number)+"."+strconv.Itoa(i+1)+" "+m.Title, desc, m.Start, m.End)
		}
	}
	return []byte(cal.Serialize(ics.WithNewLine("\r\n"))) // RFC 5545 lines end in CRLF
}
