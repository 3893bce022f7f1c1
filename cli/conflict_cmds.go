package cli

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/coplan/coplan/doc"
)

// Conflicts on short fields: shown by `coplan show`, listed by
// `coplan show --json`, ended by `coplan resolve`.

// showView is `coplan show --json`: the plan's content and its open
// conflicts (always a list, empty when there are none).
type showView struct {
	doc.Content
	Conflicts []doc.Conflict `json:"conflicts"`
	// Refused are the signed statements that count for nothing.
	Refused []doc.RefusedStatement `json:"refused,omitempty"`
}

func newShowView(p *doc.Plan) showView {
	v := showView{Content: p.Content(), Conflicts: p.Conflicts(), Refused: p.RefusedStatements()}
	if v.Conflicts == nil {
		v.Conflicts = []doc.Conflict{}
	}
	return v
}

// printConflicts prints one line per open conflict with the command that
// ends it; planRef is how the user named the plan.
func printConflicts(w io.Writer, planRef string, cs []doc.Conflict) {
	for _, c := range cs {
		var vals []string
		for _, v := range c.Values {
			vals = append(vals, fmt.Sprintf("%q set by %s", v.Value, v.SetByWords()))
		}
		cmd := strings.Join(slices.DeleteFunc([]string{"coplan resolve", planRef, itemFlags(c.Item), "--field", c.Field, "--keep VALUE"},
			func(s string) bool { return s == "" }), " ")
		fmt.Fprintf(w, "Conflict: %s %s: %s — keep one with: %s\n", c.Item.Name, c.Label, strings.Join(vals, " / "), cmd)
	}
}

// itemFlags are the resolve flags naming an item ("" for the plan itself).
func itemFlags(it doc.ConflictItem) string {
	switch it.Kind {
	case "commitment":
		return "--commitment " + strings.TrimPrefix(it.Name, "commitment ")
	case "milestone":
		var c, m int
		if _, err := fmt.Sscanf(it.Name, "commitment %d milestone %d", &c, &m); err == nil {
			return fmt.Sprintf("--commitment %d --milestone %d", c, m)
		}
		return "--commitment " + it.ID + " --milestone " + it.Milestone
	case "timeline":
		return "--timeline " + it.ID
	case "note":
		return "--note " + it.ID
	}
	return ""
}

func resolveFlags(fs *flag.FlagSet) {
	fs.String("commitment", "", "the commitment (number, ID or ID prefix)")
	fs.String("milestone", "", "a milestone of the commitment (number, ID or ID prefix)")
	fs.String("timeline", "", "a timeline entry (ID or ID prefix)")
	fs.String("note", "", "meeting notes (ID or ID prefix)")
	fs.String("field", "", "the field in conflict, as coplan show names it")
	fs.String("keep", "", "the value to keep: one of the conflict's values (or the start of one)")
}

func runResolve(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	field, keep := str(fs, "field"), str(fs, "keep")
	if field == "" {
		return usageErr("--field is required")
	}
	if !isSet(fs, "keep") { // --keep "" keeps an emptied field

		return usageErr("--keep is required")
	}
	com, ms, tl, nt := str(fs, "commitment"), str(fs, "milestone"), str(fs, "timeline"), str(fs, "note")
	if n := btoi(com != "") + btoi(tl != "") + btoi(nt != ""); n > 1 || (ms != "" && com == "") {
		return usageErr("name one item: --commitment N [--milestone M], --timeline ENTRY or --note NOTES (none for the plan's own fields)")
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		ref := "plan"
		switch {
		case ms != "":
			cid, mid, err := resolveMilestone(p, com, ms)
			if err != nil {
				return err
			}
			ref = "milestone/" + cid + "/" + mid
		case com != "":
			cid, err := p.ResolveCommitment(com)
			if err != nil {
				return err
			}
			ref = "commitment/" + cid
		case tl != "":
			id, err := p.ResolveItem("timeline", tl)
			if err != nil {
				return err
			}
			ref = "timeline/" + id
		case nt != "":
			id, err := p.ResolveItem("notes", nt)
			if err != nil {
				return err
			}
			ref = "note/" + id
		}
		c, ok := findConflict(p.Conflicts(), ref, field)
		if !ok {
			// Let doc say why: no such field, or no conflict on it.
			return p.ResolveConflict(ref, field, keep)
		}
		val, err := pickValue(c, keep)
		if err != nil {
			return err
		}
		if err := p.ResolveConflict(ref, field, val); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "Kept %q as %s %s.\n", val, c.Item.Name, c.Label)
		return nil
	})
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func findConflict(cs []doc.Conflict, ref, field string) (doc.Conflict, bool) {
	for _, c := range cs {
		if c.Item.Ref == ref && c.Field == field {
			return c, true
		}
	}
	return doc.Conflict{}, false
}

// pickValue finds keep among a conflict's values: the value itself, or
// the only one it starts (ignoring case), so a long value need not be
// typed whole.
func pickValue(c doc.Conflict, keep string) (string, error) {
	var starts []string
	for _, v := range c.Values {
		if v.Value == keep {
			return keep, nil
		}
		if keep != "" && strings.HasPrefix(strings.ToLower(v.Value), strings.ToLower(keep)) {
			starts = append(starts, v.Value)
		}
	}
	if len(starts) == 1 {
		return starts[0], nil
	}
	var have []string
	for _, v := range c.Values {
		have = append(have, fmt.Sprintf("%q", v.Value))
	}
	if len(starts) > 1 {
		return "", fmt.Errorf("%w: %q starts several values of %s %s (%s)", doc.ErrAmbiguous, keep, c.Item.Name, c.Label, strings.Join(have, ", "))
	}
	return "", fmt.Errorf("%w: %q is not one of the values of %s %s (%s)", doc.ErrInvalid, keep, c.Item.Name, c.Label, strings.Join(have, ", "))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
