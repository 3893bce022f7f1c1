// Package export renders a plan's content for people: Markdown here, and the
// publication formats of a signed release. It reads doc.Content only.
package export

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/coplan/coplan/doc"
)

// Markdown renders the plan as a Markdown document in the OGP template's
// order. Output depends only on the content, so it is deterministic.
func Markdown(c doc.Content) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n", c.Title)
	var meta []string
	if c.Country != "" {
		meta = append(meta, "**Country:** "+c.Country)
	}
	if c.PeriodStart != "" || c.PeriodEnd != "" {
		meta = append(meta, fmt.Sprintf("**Period:** %s to %s", c.PeriodStart, c.PeriodEnd))
	}
	if len(meta) > 0 {
		b.WriteString(strings.Join(meta, "  \n") + "\n\n")
	}
	if strings.TrimSpace(c.Vision) != "" {
		fmt.Fprintf(&b, "## Introduction and vision\n\n%s\n\n", strings.TrimSpace(c.Vision))
	}
	if len(c.Commitments) > 0 {
		b.WriteString("## Commitments\n\n")
	}
	for _, cm := range c.Commitments {
		fmt.Fprintf(&b, "### %d. %s\n\n", cm.Number, cm.Title)
		rows := [][2]string{
			{"Status", string(cm.State)},
			{"Proposed by", originText(cm.Origin)},
			{"Dates", dates(cm.Start, cm.End)},
			{"Lead implementing agency", cm.Lead},
			{"Supporting actors", cm.Support},
			{"OGP values", valuesText(cm.Values)},
			{"Themes", strings.Join(cm.Themes, ", ")},
			{"Contact", cm.Contact},
		}
		b.WriteString("| | |\n|---|---|\n")
		for _, r := range rows {
			if r[1] != "" {
				fmt.Fprintf(&b, "| %s | %s |\n", r[0], cell(r[1]))
			}
		}
		b.WriteString("\n")
		for _, s := range [][2]string{
			{"Problem", cm.Problem},
			{"What is the commitment?", cm.Description},
			{"How will it help solve the problem?", cm.Contribution},
			{"Additional information", cm.Additional},
			{"Reasoned response", cm.Response},
		} {
			if strings.TrimSpace(s[1]) != "" {
				fmt.Fprintf(&b, "#### %s\n\n%s\n\n", s[0], strings.TrimSpace(s[1]))
			}
		}
		if len(cm.Milestones) > 0 {
			b.WriteString("#### Milestones\n\n| # | Milestone | Deliverable | Start | End | Progress |\n|---|---|---|---|---|---|\n")
			for i, m := range cm.Milestones {
				fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s |\n", i+1, cell(m.Title), cell(m.Deliverable), m.Start, m.End, m.Progress)
			}
			b.WriteString("\n")
		}
	}
	if len(c.Timeline) > 0 {
		b.WriteString("## Timeline\n\n")
		for _, t := range c.Timeline {
			fmt.Fprintf(&b, "- **%s** %s", t.Date, t.Title)
			if t.Note != "" {
				fmt.Fprintf(&b, ": %s", t.Note)
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	if len(c.Notes) > 0 {
		b.WriteString("## Meeting notes\n\n")
		for _, n := range c.Notes {
			fmt.Fprintf(&b, "### %s (%s)\n\n", n.Title, n.Date)
			if n.Attendees != "" {
				fmt.Fprintf(&b, "*Attendees:* %s\n\n", n.Attendees)
			}
			if strings.TrimSpace(n.Body) != "" {
				fmt.Fprintf(&b, "%s\n\n", strings.TrimSpace(n.Body))
			}
		}
	}
	return b.Bytes()
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", "<br>")
}

func dates(start, end string) string {
	if start == "" && end == "" {
		return ""
	}
	return start + " – " + end
}

func originText(o doc.Origin) string {
	side := map[doc.Side]string{doc.Government: "Government", doc.CivilSociety: "Civil society"}[o.Side]
	parts := []string{}
	for _, s := range []string{side, o.Org} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

func valuesText(v doc.Values) string {
	var out []string
	if v.Transparency {
		out = append(out, "Transparency")
	}
	if v.Participation {
		out = append(out, "Civic participation")
	}
	if v.Accountability {
		out = append(out, "Public accountability")
	}
	if v.Technology {
		out = append(out, "Technology and innovation")
	}
	return strings.Join(out, ", ")
}
