package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/release"
	"github.com/coplan/coplan/internal/atomicfile"
)

// edit opens a plan for writing, runs fn, and commits only if fn succeeded:
// a failed command writes nothing. What fn prints reaches standard output
// only once its change is committed and on disk, so output never claims
// what has not happened, even when the command is killed or its reader
// goes away (SIGPIPE) as it prints.
func (e *Env) edit(ref string, fn func(p *doc.Plan) error) error {
	p, err := e.OpenPlan(ref, true)
	if err != nil {
		return err
	}
	stdout := e.Stdout
	var held bytes.Buffer
	e.Stdout = &held
	err = fn(p)
	e.Stdout = stdout
	if err != nil {
		p.Abandon()
		return err
	}
	if err := p.Close(); err != nil {
		return err
	}
	_, err = stdout.Write(held.Bytes())
	return err
}

// read opens a plan (or .coplan file) for reading.
func (e *Env) read(ref string, fn func(p *doc.Plan) error) error {
	p, err := e.OpenPlan(ref, false)
	if err != nil {
		return err
	}
	defer p.Abandon()
	return fn(p)
}

func nargs(args []string, n int) error {
	if len(args) != n {
		return usageErr("want %d argument(s), got %d", n, len(args))
	}
	return nil
}

func str(fs *flag.FlagSet, name string) string { return fs.Lookup(name).Value.String() }

func runNew(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 0); err != nil {
		return err
	}
	title := str(fs, "title")
	if strings.TrimSpace(title) == "" {
		return usageErr("--title is required")
	}
	start, end, err := parsePeriod(str(fs, "period"))
	if err != nil {
		return err
	}
	author, err := e.Author(true)
	if err != nil {
		return err
	}
	lib, err := e.Library()
	if err != nil {
		return err
	}
	p, err := lib.Create(title, str(fs, "country"), start, end, author)
	if err != nil {
		return err
	}
	if err := p.Close(); err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, p.ID())
	return nil
}

// upgradeNote is what a plan made before signed authority says to its user.
func upgradeNote(id string) string {
	return fmt.Sprintf("plan %s was made before Coplan signed its members and roles, so it is read-only. "+
		"Run coplan upgrade %s to make a signed copy with a new plan ID, with you as its founder; "+
		"the other members then join the upgraded plan by invite.", id, id)
}

func runUpgrade(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	author, err := e.Author(true)
	if err != nil {
		return err
	}
	lib, err := e.Library()
	if err != nil {
		return err
	}
	id, err := lib.Resolve(args[0])
	if err != nil {
		return err
	}
	p, err := lib.Upgrade(id, author)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, p.ID())
	fmt.Fprintf(e.Stderr, "Upgraded plan %s to the signed plan %s, founded by you (%s). The old plan is kept as it was.\n"+
		"The other members do not carry over: invite each of them to the upgraded plan (coplan invite %s).\n",
		id, p.ID(), author.Name, p.ID())
	return p.Close()
}

func runPlanSet(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 3); err != nil {
		return err
	}
	return e.edit(args[0], func(p *doc.Plan) error { return p.SetPlanField(args[1], args[2]) })
}

func runList(e *Env, fs *flag.FlagSet, args []string) error {
	lib, err := e.Library()
	if err != nil {
		return err
	}
	if lib.ReadOnly() != nil {
		fmt.Fprintf(e.Stderr, "coplan: note: the data folder %s is read-only: reading only, edits are off\n", e.DataDir)
	}
	infos, errs := lib.List()
	for _, err := range errs {
		fmt.Fprintln(e.Stderr, "coplan: warning:", err)
	}
	if len(infos) == 0 && len(errs) == 0 {
		fmt.Fprintln(e.Stdout, "No plans yet: create one with coplan new --title T --country C")
	}
	for _, in := range infos {
		fmt.Fprintf(e.Stdout, "%s  %s (%s, %s)\n", in.ID, in.Title, in.Country, period(in))
	}
	return nil
}

func runShow(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	return e.read(args[0], func(p *doc.Plan) error {
		if at := str(fs, "at"); at != "" {
			return showAt(e, p, at, str(fs, "json") == "true")
		}
		v := newShowView(p)
		if str(fs, "json") == "true" {
			return writeJSON(e, v)
		}
		printPlan(e, v.Content)
		for _, st := range release.Statuses(p) {
			state := "the plan is unchanged since"
			if st.Changed {
				state = "the plan has changed since"
			}
			by := "?"
			if st.Manifest != nil {
				by = st.Manifest.Signer.Name
			}
			fmt.Fprintf(e.Stdout, "\nRelease %s signed %s by %s: %s.\n", st.Record.Label,
				st.Record.SignedAt.Local().Format("2006-01-02"), by, state)
		}
		printRefused(e.Stdout, v.Refused)
		if len(v.Conflicts) > 0 {
			ref := args[0]
			if isFileRef(ref) {
				ref = p.ID() // resolving edits the plan in the data folder
			}
			fmt.Fprintln(e.Stdout)
			printConflicts(e.Stdout, ref, v.Conflicts)
		}
		return nil
	})
}

func runCommitmentAdd(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	nc := doc.NewCommitment{Title: str(fs, "title"), Org: str(fs, "org"), Lead: str(fs, "lead")}
	if strings.TrimSpace(nc.Title) == "" {
		return usageErr("--title is required")
	}
	if s := str(fs, "side"); s != "" {
		side, err := doc.ParseSide(s)
		if err != nil {
			return err
		}
		nc.Side = side
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		id, err := p.AddCommitment(nc)
		if err == nil {
			fmt.Fprintln(e.Stdout, id)
		}
		return err
	})
}

func runCommitmentSet(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 4); err != nil {
		return err
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		id, err := p.ResolveCommitment(args[1])
		if err != nil {
			return err
		}
		return setCommitmentField(p, id, args[2], args[3])
	})
}

func runCommitmentRm(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 2); err != nil {
		return err
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		id, err := p.ResolveCommitment(args[1])
		if err != nil {
			return err
		}
		return p.RemoveCommitment(id)
	})
}

func runCommitmentMove(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 3); err != nil {
		return err
	}
	pos, err := strconv.Atoi(args[2])
	if err != nil || pos < 1 {
		return fmt.Errorf("%w: position %q (want 1, 2, ...)", doc.ErrInvalid, args[2])
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		id, err := p.ResolveCommitment(args[1])
		if err != nil {
			return err
		}
		return p.MoveCommitment(id, pos-1)
	})
}

func runMilestoneAdd(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 2); err != nil {
		return err
	}
	if strings.TrimSpace(str(fs, "title")) == "" {
		return usageErr("--title is required")
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		cid, err := p.ResolveCommitment(args[1])
		if err != nil {
			return err
		}
		mid, err := p.AddMilestone(cid, str(fs, "title"))
		if err != nil {
			return err
		}
		for _, f := range []string{"start", "end", "deliverable"} {
			if v := str(fs, f); v != "" {
				if err := p.SetMilestoneField(cid, mid, f, v); err != nil {
					return err
				}
			}
		}
		fmt.Fprintln(e.Stdout, mid)
		return nil
	})
}

func runMilestoneSet(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 5); err != nil {
		return err
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		cid, mid, err := resolveMilestone(p, args[1], args[2])
		if err != nil {
			return err
		}
		return p.SetMilestoneField(cid, mid, args[3], args[4])
	})
}

func runMilestoneRm(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 3); err != nil {
		return err
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		cid, mid, err := resolveMilestone(p, args[1], args[2])
		if err != nil {
			return err
		}
		return p.RemoveMilestone(cid, mid)
	})
}

func runTimelineAdd(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	if str(fs, "title") == "" || str(fs, "date") == "" {
		return usageErr("--title and --date are required")
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		id, err := p.AddTimeline(str(fs, "title"), str(fs, "date"), str(fs, "note"))
		if err == nil {
			fmt.Fprintln(e.Stdout, id)
		}
		return err
	})
}

func runTimelineSet(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 4); err != nil {
		return err
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		id, err := p.ResolveItem("timeline", args[1])
		if err != nil {
			return err
		}
		return p.SetTimelineField(id, args[2], args[3])
	})
}

func runTimelineRm(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 2); err != nil {
		return err
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		id, err := p.ResolveItem("timeline", args[1])
		if err != nil {
			return err
		}
		return p.RemoveTimeline(id)
	})
}

func runNoteAdd(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		id, err := p.AddNote(str(fs, "date"), str(fs, "title"))
		if err != nil {
			return err
		}
		for _, f := range []string{"attendees", "body"} {
			if v := str(fs, f); v != "" {
				if err := p.SetNoteField(id, f, v); err != nil {
					return err
				}
			}
		}
		fmt.Fprintln(e.Stdout, id)
		return nil
	})
}

func runNoteSet(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 4); err != nil {
		return err
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		id, err := p.ResolveItem("notes", args[1])
		if err != nil {
			return err
		}
		return p.SetNoteField(id, args[2], args[3])
	})
}

func runCommentAdd(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 3); err != nil {
		return err
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		cid, err := p.ResolveCommitment(args[1])
		if err != nil {
			return err
		}
		id, err := p.AddComment(cid, args[2])
		if err == nil {
			fmt.Fprintln(e.Stdout, id)
		}
		return err
	})
}

func runImport(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	author, err := e.Author(false)
	if err != nil {
		return err
	}
	lib, err := e.Library()
	if err != nil {
		return err
	}
	p, isNew, rep, err := lib.Import(args[0], author)
	if err != nil {
		return err
	}
	id, title := p.ID(), p.Info().Title
	if err := p.Close(); err != nil {
		return err
	}
	if isNew {
		fmt.Fprintf(e.Stdout, "%s  imported %q (%d changes)\n", id, title, rep.Changes)
	} else {
		fmt.Fprintf(e.Stdout, "%s  already here; merged: %s\n", id, mergeText(rep))
	}
	return nil
}

func runMerge(e *Env, fs *flag.FlagSet, args []string) error {
	if len(args) < 2 {
		return usageErr("want a plan and at least one file")
	}
	// Read every file first so a bad one aborts before anything is written.
	var datas [][]byte
	for _, f := range args[1:] {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		saved, err := doc.DecodeFile(raw)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		datas = append(datas, saved)
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		for i, d := range datas {
			rep, err := p.Merge(d)
			if err != nil {
				return fmt.Errorf("%s: %w", args[i+1], err)
			}
			fmt.Fprintf(e.Stdout, "%s: %s\n", args[i+1], mergeText(rep))
		}
		if n := len(p.Conflicts()); n > 0 {
			fmt.Fprintf(e.Stdout, "%d open %s on short fields: coplan show %s lists them.\n", n, plural(n, "conflict", "conflicts"), args[0])
		}
		return nil
	})
}

func resolveMilestone(p *doc.Plan, cref, mref string) (string, string, error) {
	cid, err := p.ResolveCommitment(cref)
	if err != nil {
		return "", "", err
	}
	mid, err := p.ResolveMilestone(cid, mref)
	return cid, mid, err
}

func runExport(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	out := str(fs, "o")
	if label := str(fs, "release"); label != "" {
		return exportRelease(e, args[0], label, out)
	}
	if out == "" {
		return usageErr("-o FILE is required")
	}
	format := str(fs, "format")
	if format == "" {
		for ext, f := range exportExts {
			if strings.HasSuffix(strings.ToLower(out), ext) {
				format = f
			}
		}
		if format == "" {
			return usageErr("say --format coplan, json, md, html, pdf or ics")
		}
	}
	if notes := str(fs, "notes"); notes != "" {
		return exportNotes(e, args[0], notes, str(fs, "at"), format, out)
	}
	return e.read(args[0], func(p *doc.Plan) error {
		data, err := exportDraft(p, str(fs, "at"), format)
		if err != nil {
			return err
		}
		if out == "-" {
			if format == "coplan" || format == "pdf" {
				return usageErr("a %s file needs a file name", format)
			}
			_, err := e.Stdout.Write(data)
			return err
		}
		return atomicfile.WriteFile(out, data, 0o644)
	})
}

// exportExts tell an export's format from its file name.
var exportExts = map[string]string{doc.FileExt: "coplan", ".json": "json", ".md": "md", ".html": "html", ".htm": "html",
	".pdf": "pdf", ".ics": "ics"}

func mergeText(r doc.MergeReport) string {
	if r.Changes == 0 {
		return "nothing new"
	}
	var by []string
	for name, n := range r.ByAuthor {
		by = append(by, fmt.Sprintf("%s %d", name, n))
	}
	sort.Strings(by)
	return fmt.Sprintf("%d changes (%s)", r.Changes, strings.Join(by, ", "))
}

func writeJSON(e *Env, v any) error {
	enc := json.NewEncoder(e.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func parsePeriod(s string) (string, string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		y := time.Now().Year()
		return fmt.Sprint(y), fmt.Sprint(y + 1), nil
	}
	var a, b string
	if x, y, ok := strings.Cut(s, ".."); ok {
		a, b = x, y
	} else if len(s) == 9 && s[4] == '-' {
		a, b = s[:4], s[5:]
	} else if x, y, ok := strings.Cut(s, "/"); ok {
		a, b = x, y
	} else {
		return "", "", fmt.Errorf("%w: period %q (want YYYY-YYYY or YYYY-MM-DD..YYYY-MM-DD)", doc.ErrInvalid, s)
	}
	if _, err := doc.ParseDate(a); err != nil {
		return "", "", fmt.Errorf("period: %w", err)
	}
	if _, err := doc.ParseDate(b); err != nil {
		return "", "", fmt.Errorf("period: %w", err)
	}
	return a, b, nil
}

func period(in doc.Info) string {
	if in.PeriodStart == "" {
		return "no period"
	}
	return in.PeriodStart[:4] + "–" + in.PeriodEnd[:min(4, len(in.PeriodEnd))]
}

func printPlan(e *Env, c doc.Content) {
	w := e.Stdout
	fmt.Fprintf(w, "%s\n%s, %s to %s\nID %s\n", c.Title, c.Country, c.PeriodStart, c.PeriodEnd, c.ID)
	if c.Vision != "" {
		fmt.Fprintf(w, "\nVision:\n  %s\n", strings.ReplaceAll(strings.TrimSpace(c.Vision), "\n", "\n  "))
	}
	fmt.Fprintf(w, "\nCommitments (%d):\n", len(c.Commitments))
	for _, cm := range c.Commitments {
		org := cm.Origin.Org
		if org != "" {
			org = ", " + org
		}
		fmt.Fprintf(w, "  %2d. %s  [%s; %s%s]  %s\n", cm.Number, cm.Title, cm.State, cm.Origin.Side, org, cm.ID)
		if cm.Lead != "" {
			fmt.Fprintf(w, "      lead: %s\n", cm.Lead)
		}
		for i, m := range cm.Milestones {
			fmt.Fprintf(w, "      %d.%d %s (%s – %s) %s\n", cm.Number, i+1, m.Title, m.Start, m.End, m.ID)
		}
	}
	if len(c.Timeline) > 0 {
		fmt.Fprintf(w, "\nTimeline:\n")
		for _, t := range c.Timeline {
			fmt.Fprintf(w, "  %s  %s  %s\n", t.Date, t.Title, t.ID)
		}
	}
	if len(c.Notes) > 0 {
		fmt.Fprintf(w, "\nMeeting notes:\n")
		for _, n := range c.Notes {
			fmt.Fprintf(w, "  %s  %s  %s\n", n.Date, n.Title, n.ID)
		}
	}
	fmt.Fprintf(w, "\nMembers:\n")
	for _, m := range c.Members {
		state := ""
		switch {
		case m.Removed:
			state = " (removed)"
		case m.Status == "vouched":
			state = " (vouched by the inviter, not confirmed)"
		case m.Status == "claimed":
			state = " (the joiner's claim, not confirmed)"
		}
		fmt.Fprintf(w, "  %s, %s (%s)%s\n", m.Name, m.Org, m.Side, state)
	}
}
