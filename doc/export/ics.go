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
func ICS(c doc.Content, s *SignOff) []byte { return renderICS(c, s, nil, nil, time.Time{}) }

// EventStamp is what a calendar needs to tell a changed event from an
// unchanged one: how many times the item was edited after it was added
// (SEQUENCE) and when it last was (LAST-MODIFIED).
type EventStamp struct {
	Sequence int
	Modified time.Time
}

// DraftICS renders the timeline of an unsigned version as a calendar to
// subscribe to or import. UIDs come from the items' IDs, so a re-import
// updates events rather than adding them again; stamps (by item ID) give
// each event its SEQUENCE and LAST-MODIFIED, so a calendar takes a moved
// date as an update. DTSTAMP is now, the moment of the export.
func DraftICS(c doc.Content, d DraftMark, stamps map[string]EventStamp, now time.Time) []byte {
	return renderICS(c, nil, &d, stamps, now)
}

func renderICS(c doc.Content, s *SignOff, d *DraftMark, stamps map[string]EventStamp, now time.Time) []byte {
	c = PlanProper(c)
	stamp := draftDate
	if s != nil {
		stamp = s.SignedAt.UTC().Truncate(time.Second)
	}
	if d != nil && !now.IsZero() {
		stamp = now.UTC().Truncate(time.Second)
	}
	cal := ics.NewCalendarFor("Coplan")
	cal.SetProductId("-//Coplan//National Action Plan//EN")
	cal.SetMethod(ics.MethodPublish)
	cal.SetCalscale("GREGORIAN")
	name := c.Title
	if s != nil {
		name += " (version " + s.Version + ")"
	}
	if d != nil {
		name += " (" + draftWords + ", " + d.Version + ")"
		cal.SetXWRCalDesc(d.Line())
	}
	cal.SetXWRCalName(name)
	add := func(id, uid, summary, desc, start, end string) {
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
		if st, ok := stamps[id]; ok {
			ev.SetSequence(st.Sequence)
			if !st.Modified.IsZero() {
				ev.SetLastModifiedAt(st.Modified.UTC().Truncate(time.Second))
			}
		}
	}
	for _, t := range c.Timeline {
		add(t.ID, "timeline-"+t.ID, t.Title, t.Note, t.Date, t.Date)
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
			add(m.ID, "milestone-"+m.ID, strconv.Itoa(cm.Number)+"."+strconv.Itoa(i+1)+" "+m.Title, desc, m.Start, m.End)
		}
	}
	return []byte(cal.Serialize(ics.WithNewLine("\r\n"))) // RFC 5545 lines end in CRLF
}
