package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/export"
	"github.com/coplan/coplan/internal/atomicfile"
)

// History commands: the plan's history and editing sessions, past
// versions, restoring, comparing, named drafts and meetings.

func historyFlags(fs *flag.FlagSet) {
	fs.Bool("sessions", false, "group into editing sessions, each summed up in words")
	fs.String("member", "", "only this member (name, peer ID or prefix)")
	fs.String("org", "", "only members of this organisation")
	fs.String("side", "", "only this side: government or civil-society")
	fs.String("commitment", "", "only edits of this commitment (number or ID)")
	fs.String("since", "", "only edits at or after this date or time")
	fs.String("until", "", "only edits before this date or time (a date alone: up to its end)")
	fs.Bool("json", false, "print JSON")
}

// versionHelp says what VERSION may be, for flags and usage.
const versionHelp = "now, release:LABEL, draft:LABEL, meeting:ID[:start|:end], a label, a date or time (the latest version this device held then) or change hashes"

func atFlag(fs *flag.FlagSet) { fs.String("at", "", "the version: "+versionHelp) }

// showAt prints the plan as it was at a version.
func showAt(e *Env, p *doc.Plan, ref string, asJSON bool) error {
	v, err := p.ResolveVersion(ref)
	if err != nil {
		return err
	}
	old, err := p.AtVersion(v)
	if err != nil {
		return err
	}
	view := newShowView(old) // the conflicts open then, as a copy saved then shows them
	if asJSON {
		return writeJSON(e, view)
	}
	fmt.Fprintf(e.Stdout, "Version: %s, %s (read-only)\n\n", v, v.Time.Local().Format("2006-01-02 15:04"))
	printPlan(e, view.Content)
	return nil
}

// historyFilter reads the filter flags; the commitment resolves in p.
func historyFilter(p *doc.Plan, fs *flag.FlagSet) (doc.HistoryFilter, error) {
	f := doc.HistoryFilter{Member: str(fs, "member"), Org: str(fs, "org")}
	if s := str(fs, "side"); s != "" {
		side, err := doc.ParseSide(s)
		if err != nil {
			return f, err
		}
		f.Side = side
	}
	if c := str(fs, "commitment"); c != "" {
		id, err := p.ResolveCommitment(c)
		if err != nil {
			return f, err
		}
		f.Commitment = id
	}
	if s := str(fs, "since"); s != "" {
		t, _, err := doc.ParseTime(s)
		if err != nil {
			return f, fmt.Errorf("--since: %w", err)
		}
		f.Since = t
	}
	if s := str(fs, "until"); s != "" {
		t, dateOnly, err := doc.ParseTime(s)
		if err != nil {
			return f, fmt.Errorf("--until: %w", err)
		}
		if dateOnly {
			t = t.AddDate(0, 0, 1)
		}
		f.Until = t
	}
	return f, nil
}

func runHistory(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	return e.read(args[0], func(p *doc.Plan) error {
		f, err := historyFilter(p, fs)
		if err != nil {
			return err
		}
		asJSON := str(fs, "json") == "true"
		if str(fs, "sessions") == "true" {
			ss, err := p.Sessions(f)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(e, nonNil(ss))
			}
			for _, s := range ss {
				fmt.Fprintf(e.Stdout, "%s  %s%s\n", s.Start.Local().Format("2006-01-02"), s.Summary, unverified(s.Verified))
			}
			return nil
		}
		h, err := p.HistoryOf(f)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(e, nonNil(h))
		}
		for _, c := range h {
			who := c.Author
			if who == "" {
				who = "unknown"
			}
			if c.Org != "" {
				who += " (" + c.Org + ")"
			}
			fmt.Fprintf(e.Stdout, "%s  %-32s %s%s\n", c.Time.Local().Format("2006-01-02 15:04"), who, c.Message, unverified(c.Verified))
		}
		return nil
	})
}

// unverified marks what history cannot vouch is its author's.
func unverified(ok bool) string {
	if ok {
		return ""
	}
	return "  [unverified]"
}

// nonNil makes an empty list print as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func runDraft(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 2); err != nil {
		return err
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		m, err := p.SaveDraft(args[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "Saved draft %q (version %s); open it with --at %q\n", m.Label, strings.Join(shortHashes(m.Heads), "+"), "draft:"+m.Label)
		return nil
	})
}

func runVersions(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	return e.read(args[0], func(p *doc.Plan) error {
		vs, err := p.NamedVersions()
		if err != nil {
			return err
		}
		if str(fs, "json") == "true" {
			return writeJSON(e, nonNil(vs))
		}
		if len(vs) == 0 {
			fmt.Fprintln(e.Stdout, "No named versions yet: name one with coplan draft PLAN LABEL.")
		}
		for _, v := range vs {
			fmt.Fprintf(e.Stdout, "%s  %-40s --at %s\n", v.Time.Local().Format("2006-01-02 15:04"), v.String(), v.Ref)
		}
		// Marks the rules refused: shown, so a forgery is seen, not hidden.
		for _, r := range p.RefusedMarks() {
			what := map[doc.MarkKind]string{doc.MarkDraft: "named draft", doc.MarkMeetingStart: "meeting start", doc.MarkMeetingEnd: "meeting end"}[r.Kind]
			if r.Label != "" {
				what += " “" + r.Label + "”"
			}
			by := r.By
			if m, ok := p.Member(r.By); ok && m.Name != "" {
				by = m.Name
			}
			fmt.Fprintf(e.Stdout, "Refused, counts for nothing: %s claimed by %s: %s\n", what, orUnknown(by), r.Reason)
		}
		return nil
	})
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown device"
	}
	return s
}

func shortHashes(hs []string) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h[:min(8, len(h))]
	}
	return out
}

func runRestore(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	ref := str(fs, "at")
	if ref == "" {
		return usageErr("--at VERSION is required")
	}
	var which []string
	for _, f := range []string{"commitment", "milestone", "timeline", "note"} {
		if str(fs, f) != "" {
			which = append(which, f)
		}
	}
	field := str(fs, "field")
	if len(which) > 1 || (len(which) == 0 && field != "vision") {
		return usageErr("say what to restore: one of --commitment, --milestone, --timeline, --note (or --field vision)")
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		v, err := p.ResolveVersion(ref)
		if err != nil {
			return err
		}
		old, err := p.AtVersion(v)
		if err != nil {
			return err
		}
		before, err := p.ChangeCount()
		if err != nil {
			return err
		}
		done := func(err error) error { return restored(e, p, v, before, err) }
		if len(which) == 0 {
			return done(p.RestoreText(doc.VisionText(), v))
		}
		switch which[0] {
		case "commitment":
			id, err := old.ResolveCommitment(str(fs, "commitment"))
			if err != nil {
				return fmt.Errorf("at %s: %w", v, err)
			}
			if field == "" {
				err = p.RestoreCommitment(id, v)
			} else {
				err = p.RestoreCommitmentField(id, field, v)
			}
			return done(err)
		case "milestone":
			cid, mid, err := findMilestone(old, str(fs, "milestone"))
			if err != nil {
				return fmt.Errorf("at %s: %w", v, err)
			}
			switch field {
			case "":
				err = p.RestoreMilestone(cid, mid, v)
			case "title", "deliverable":
				err = p.RestoreText(doc.MilestoneText(cid, mid, field), v)
			default:
				return usageErr("--field with --milestone is title or deliverable")
			}
			return done(err)
		case "timeline":
			id, err := old.ResolveItem("timeline", str(fs, "timeline"))
			if err != nil {
				return fmt.Errorf("at %s: %w", v, err)
			}
			return done(p.RestoreTimeline(id, v))
		}
		id, err := old.ResolveItem("notes", str(fs, "note"))
		if err != nil {
			return fmt.Errorf("at %s: %w", v, err)
		}
		switch field {
		case "":
			err = p.RestoreNote(id, v)
		case "body":
			err = p.RestoreText(doc.NoteBody(id), v)
		default:
			return usageErr("--field with --note is body")
		}
		return done(err)
	})
}

// restored reports what a restore did: the words of the change it wrote.
func restored(e *Env, p *doc.Plan, v doc.Version, before int, err error) error {
	if err != nil {
		return err
	}
	log, err := p.ChangeLog()
	if err != nil {
		return err
	}
	if len(log) == before {
		fmt.Fprintf(e.Stdout, "Nothing to restore: it is as it was at %s.\n", v)
		return nil
	}
	fmt.Fprintln(e.Stdout, log[len(log)-1].Message)
	return nil
}

// findMilestone finds a milestone by ID or unique prefix in any commitment.
func findMilestone(p *doc.Plan, ref string) (string, string, error) {
	var cid, mid string
	n := 0
	for _, c := range p.Content().Commitments {
		for _, m := range c.Milestones {
			if m.ID == ref {
				return c.ID, m.ID, nil
			}
			if strings.HasPrefix(m.ID, ref) {
				cid, mid, n = c.ID, m.ID, n+1
			}
		}
	}
	switch n {
	case 0:
		return "", "", fmt.Errorf("%w: milestone %q", doc.ErrNotFound, ref)
	case 1:
		return cid, mid, nil
	}
	return "", "", fmt.Errorf("%w: milestone %q matches %d", doc.ErrAmbiguous, ref, n)
}

func runDiff(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 3); err != nil {
		return err
	}
	out, format := str(fs, "o"), str(fs, "format")
	if format == "" {
		format = "text"
		for ext, f := range map[string]string{".md": "md", ".html": "html", ".htm": "html", ".json": "json"} {
			if strings.HasSuffix(out, ext) {
				format = f
			}
		}
	}
	render := map[string]func(doc.PlanDiff) []byte{"text": export.DiffText, "md": export.DiffMarkdown,
		"markdown": export.DiffMarkdown, "html": export.DiffHTML, "json": func(d doc.PlanDiff) []byte {
			b, _ := json.MarshalIndent(d, "", "  ")
			return append(b, '\n')
		}}[format]
	if render == nil {
		return usageErr("--format %q (want text, md, html or json)", format)
	}
	return e.read(args[0], func(p *doc.Plan) error {
		d, err := p.Diff(args[1], args[2])
		if err != nil {
			return err
		}
		data := render(d)
		if out == "" || out == "-" {
			_, err := e.Stdout.Write(data)
			return err
		}
		return atomicfile.WriteFile(out, data, 0o644)
	})
}

// exportDraft renders the plan at a version (default now) in a format:
// every rendering but the .coplan file itself carries the draft mark.
func exportDraft(p *doc.Plan, ref, format string) ([]byte, error) {
	if format != "coplan" && format != "markdown" && !slices.Contains(export.DraftFormats, format) {
		return nil, fmt.Errorf("%w: format %q (want coplan, json, md, html, pdf or ics)", doc.ErrInvalid, format)
	}
	v, err := p.ResolveVersion(ref)
	if err != nil {
		return nil, err
	}
	at := p
	if v.Kind != doc.VersionNow {
		if at, err = p.AtVersion(v); err != nil {
			return nil, err
		}
	}
	if format == "coplan" {
		saved, err := at.Save()
		if err != nil {
			return nil, err
		}
		return doc.EncodeFile(saved), nil
	}
	return export.RenderDraft(p, v, at.Content(), format, time.Now())
}

// exportNotes publishes one set of meeting notes on their own.
func exportNotes(e *Env, plan, ref, at, format, out string) error {
	return e.read(plan, func(p *doc.Plan) error {
		if at != "" {
			old, err := p.At(at)
			if err != nil {
				return err
			}
			p = old
		}
		id, err := p.ResolveItem("notes", ref)
		if err != nil {
			return err
		}
		var note doc.Note
		for _, n := range p.Notes() {
			if n.ID == id {
				note = n
			}
		}
		var data []byte
		switch format {
		case "md", "markdown":
			data = export.NotesMarkdown(note)
		case "html":
			data = export.NotesHTML(note)
		case "pdf":
			if data, err = export.NotesPDF(note); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: meeting notes as %q (want md, html or pdf)", doc.ErrInvalid, format)
		}
		if out == "-" && format != "pdf" {
			_, err := e.Stdout.Write(data)
			return err
		}
		return atomicfile.WriteFile(out, data, 0o644)
	})
}

func runMeetingStart(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	attendees := *fs.Lookup("attendee").Value.(*listFlag)
	return e.edit(args[0], func(p *doc.Plan) error {
		m, err := p.StartMeeting(str(fs, "title"), attendees)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "Started meeting %q (%s) with %s.\nIts notes: %s (coplan note set %s %s body TEXT)\nEnd it with: coplan meeting end %s\n",
			m.Title, m.ID, strings.Join(m.Attendees, ", "), m.Note, args[0], m.Note, args[0])
		return nil
	})
}

func runMeetingEnd(e *Env, fs *flag.FlagSet, args []string) error {
	if len(args) != 1 && len(args) != 2 {
		return usageErr("want PLAN, or PLAN MEETING")
	}
	ref := ""
	if len(args) == 2 {
		ref = args[1]
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		rec, err := p.EndMeeting(ref)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "Ended meeting %q; its record is in notes %s:\n\n%s", rec.Meeting.Title, rec.Meeting.Note, rec.Text)
		return nil
	})
}

func runMeetingList(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	return e.read(args[0], func(p *doc.Plan) error {
		ms := p.Meetings()
		if str(fs, "json") == "true" {
			return writeJSON(e, nonNil(ms))
		}
		if len(ms) == 0 {
			fmt.Fprintln(e.Stdout, "No meetings yet: start one with coplan meeting start PLAN --attendee NAME.")
		}
		for _, m := range ms {
			state := "running"
			if m.Ended() {
				state = "ended " + m.EndedAt.Local().Format("15:04")
			}
			fmt.Fprintf(e.Stdout, "%s  %s (%s)  notes %s  --at meeting:%s\n", m.Started.Local().Format("2006-01-02 15:04"),
				m.Title, state, m.Note, m.ID)
		}
		return nil
	})
}

func runBlame(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	field := str(fs, "field")
	return e.read(args[0], func(p *doc.Plan) error {
		if at := str(fs, "at"); at != "" {
			old, err := p.At(at)
			if err != nil {
				return err
			}
			p = old
		}
		var ref doc.TextRef
		switch {
		case str(fs, "commitment") != "":
			if field == "" {
				return usageErr("--commitment needs --field (for example description)")
			}
			id, err := p.ResolveCommitment(str(fs, "commitment"))
			if err != nil {
				return err
			}
			ref = doc.CommitmentText(id, field)
		case str(fs, "milestone") != "":
			cid, mid, err := findMilestone(p, str(fs, "milestone"))
			if err != nil {
				return err
			}
			if field != "title" && field != "deliverable" {
				return usageErr("--milestone needs --field title or deliverable")
			}
			ref = doc.MilestoneText(cid, mid, field)
		case str(fs, "note") != "":
			id, err := p.ResolveItem("notes", str(fs, "note"))
			if err != nil {
				return err
			}
			ref = doc.NoteBody(id)
		case field == "vision":
			ref = doc.VisionText()
		default:
			return usageErr("say which text: --commitment N --field F, --milestone ID --field F, --note ID or --field vision")
		}
		ps, err := p.Blame(ref)
		if err != nil {
			return err
		}
		if str(fs, "json") == "true" {
			return writeJSON(e, ps)
		}
		if len(ps) == 0 {
			fmt.Fprintf(e.Stdout, "%s is empty.\n", capitalise(p.DescribeText(ref)))
		}
		for _, pa := range ps {
			who := pa.Author
			if who == "" {
				who = "unknown device " + pa.Actor[:min(8, len(pa.Actor))]
			}
			if pa.Org != "" {
				who += " (" + pa.Org + ")"
			}
			span := fmt.Sprintf("characters %d–%d", pa.Start+1, pa.End)
			if pa.End == pa.Start+1 {
				span = fmt.Sprintf("character %d", pa.End)
			}
			fmt.Fprintf(e.Stdout, "%s, %s%s:\n  %s\n", who, span, unverified(pa.Verified), strings.ReplaceAll(pa.Text, "\n", "\n  "))
		}
		return nil
	})
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
