package release

import (
	"fmt"
	"strings"

	"github.com/coplan/coplan/doc"
)

// What a readiness problem is about.
const (
	MissingPeriod      = "period"
	MissingCommitments = "commitments"
	MissingDecision    = "decision"
	MissingResponse    = "response"
	MissingLead        = "lead"
	MissingValues      = "values"
	MissingMilestones  = "milestones"
	MissingDates       = "dates"
)

// Problem is one thing missing before the plan can be signed.
type Problem struct {
	Commitment   int    `json:"commitment"` // its number; 0 for the plan itself
	CommitmentID string `json:"commitmentId"`
	Title        string `json:"title"`
	Missing      string `json:"missing"` // one of the Missing* names
	Detail       string `json:"detail"`
}

func (p Problem) String() string {
	if p.Commitment == 0 {
		return "Plan: " + p.Detail
	}
	return fmt.Sprintf("Commitment %d “%s”: %s", p.Commitment, p.Title, p.Detail)
}

// NotReadyError carries the readiness problems that blocked a signing.
type NotReadyError struct{ Problems []Problem }

func (e *NotReadyError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = "  " + p.String()
	}
	return fmt.Sprintf("%v: %d item(s) missing:\n%s", ErrNotReady, len(e.Problems), strings.Join(lines, "\n"))
}

func (e *NotReadyError) Unwrap() error { return ErrNotReady }

// Check lists, per commitment, what is missing before sign-off: a decision
// (adopted or not adopted); for a proposal not adopted, the reasoned
// response OGP's co-creation standard requires; for one adopted, a lead
// implementing agency, at least one OGP value, and milestones whose start
// and end dates lie inside the plan period. An empty list means ready.
func Check(c doc.Content) []Problem {
	var out []Problem
	if c.PeriodStart == "" || c.PeriodEnd == "" {
		out = append(out, Problem{Missing: MissingPeriod, Detail: "no plan period (start and end dates)"})
	}
	if len(c.Commitments) == 0 {
		out = append(out, Problem{Missing: MissingCommitments, Detail: "no commitments"})
	}
	inPeriod := func(d string) bool {
		return (c.PeriodStart == "" || d >= c.PeriodStart) && (c.PeriodEnd == "" || d <= c.PeriodEnd)
	}
	for _, cm := range c.Commitments {
		add := func(missing, format string, a ...any) {
			out = append(out, Problem{Commitment: cm.Number, CommitmentID: cm.ID, Title: cm.Title, Missing: missing, Detail: fmt.Sprintf(format, a...)})
		}
		switch cm.State {
		case doc.NotAdopted:
			if strings.TrimSpace(cm.Response) == "" {
				who := "proposal"
				if cm.Origin.Side == doc.CivilSociety {
					who = "civil-society proposal"
				}
				add(MissingResponse, "%s not adopted without a reasoned response", who)
			}
			continue // not implemented, so no agency, values or milestones are needed
		case doc.Adopted:
		default:
			add(MissingDecision, "no decision yet: %s; adopt it, or mark it not adopted with a reasoned response", undecided(cm.State))
		}
		if strings.TrimSpace(cm.Lead) == "" {
			add(MissingLead, "no lead implementing agency")
		}
		if !cm.Values.Any() {
			add(MissingValues, "no OGP value (transparency, participation, accountability, technology)")
		}
		for _, f := range [][2]string{{"starts", cm.Start}, {"ends", cm.End}} {
			if f[1] != "" && !inPeriod(f[1]) {
				add(MissingDates, "%s %s, outside the plan period %s to %s", f[0], f[1], c.PeriodStart, c.PeriodEnd)
			}
		}
		if len(cm.Milestones) == 0 {
			add(MissingMilestones, "no milestones")
		}
		for i, m := range cm.Milestones {
			name := fmt.Sprintf("milestone %d.%d “%s”", cm.Number, i+1, m.Title)
			switch {
			case m.Start == "" && m.End == "":
				add(MissingDates, "%s has no start or end date", name)
			case m.Start == "":
				add(MissingDates, "%s has no start date", name)
			case m.End == "":
				add(MissingDates, "%s has no end date", name)
			case m.End < m.Start:
				add(MissingDates, "%s ends (%s) before it starts (%s)", name, m.End, m.Start)
			}
			for _, f := range [][2]string{{"starts", m.Start}, {"ends", m.End}} {
				if f[1] != "" && !inPeriod(f[1]) {
					add(MissingDates, "%s %s %s, outside the plan period %s to %s", name, f[0], f[1], c.PeriodStart, c.PeriodEnd)
				}
			}
		}
	}
	return out
}

// undecided says in words where a commitment without a decision stands.
func undecided(s doc.State) string {
	switch s {
	case doc.Proposal:
		return "it is still a proposal"
	case doc.Discussion:
		return "it is still under discussion"
	case doc.Agreed:
		return "it is agreed but not yet adopted"
	case "":
		return "it has no state"
	}
	return "it is " + string(s)
}
