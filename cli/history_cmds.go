package cli

import (
	"flag"
	"fmt"

	"github.com/coplan/coplan/doc"
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
