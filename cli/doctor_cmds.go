package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/coplan/coplan/doc"
)

// errDamage makes doctor exit 1 once it has said what it found.
var errDamage = errors.New("damage found (see above)")

// runDoctor looks at a plan's files (coplan check is the sign-off
// readiness check; this is the storage one): exit 0 when healthy, 1 when
// damage was found, saying what was recovered and what was lost.
func runDoctor(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	repair := str(fs, "repair") == "true"
	froms := *fs.Lookup("from").Value.(*listFlag)
	if len(froms) > 0 && !repair {
		return usageErr("--from goes with --repair")
	}
	// Read the copies first: a bad one stops the repair before it starts.
	var copies [][]byte
	for _, f := range froms {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		saved, err := doc.DecodeFile(raw)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		copies = append(copies, saved)
	}
	lib, err := e.Library()
	if err != nil {
		return err
	}
	id, err := lib.Resolve(args[0])
	if err != nil {
		return err
	}
	dg, err := lib.Diagnose(id)
	if err != nil {
		return err
	}
	w := e.Stdout
	fmt.Fprintf(w, "Plan %s in %s\n\nFiles:\n", id, dg.Dir)
	for _, f := range dg.Files {
		what := f.Kind
		switch f.Kind {
		case "snapshot":
			what = fmt.Sprintf("snapshot, generation %d, %s", f.Generation, f.Format)
		case "log":
			what = fmt.Sprintf("log, generation %d, %s, %d records", f.Generation, f.Format, f.Records)
		case "damaged copy":
			what = "damaged copy set aside"
		}
		state := "whole"
		if !f.Whole {
			state = "DAMAGED"
			if f.Kind == "damaged copy" {
				state = "kept"
			}
		}
		fmt.Fprintf(w, "  %-34s %10d bytes  %s: %s\n", f.Name, f.Size, what, state)
		for _, n := range f.Notes {
			fmt.Fprintf(w, "  %-34s %16s  %s\n", "", "", n)
		}
	}
	fmt.Fprintln(w, "\nOpening the plan:")
	switch {
	case dg.OpenErr != nil:
		fmt.Fprintf(w, "  it cannot be opened: %v\n", dg.OpenErr)
	case dg.Report == nil:
		fmt.Fprintf(w, "  nothing to work around; it holds %d changes\n", dg.Changes)
	default:
		for _, m := range dg.Report.Messages {
			fmt.Fprintf(w, "  %s\n", m)
		}
		fmt.Fprintf(w, "  it opens with %d changes\n", dg.Changes)
	}
	fmt.Fprintf(w, "Every readable piece together (%s) holds %d changes", strings.Join(dg.Pieces, ", "), dg.Salvageable)
	if dg.HeldBack > 0 {
		fmt.Fprintf(w, "; %d more cannot be applied: the history they build on is lost", dg.HeldBack)
	}
	fmt.Fprintln(w, ".")
	if !repair {
		if !dg.Damaged() {
			fmt.Fprintln(w, "\nHealthy.")
			return nil
		}
		fmt.Fprintf(w, "\nDamage found. coplan doctor %s --repair rebuilds the plan from every readable piece", args[0])
		if dg.HeldBack > 0 {
			fmt.Fprint(w, "; add --from FILE.coplan with a colleague's copy to bring back what is lost")
		}
		fmt.Fprintln(w, ".")
		return errDamage
	}
	damaged := dg.Damaged()
	after, err := lib.Repair(id, copies, doc.Author{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nRepaired: the plan now holds %d changes (%+d), written as a new generation; nothing was deleted.\n",
		after.After, after.After-dg.Changes)
	if after.HeldBack > 0 {
		fmt.Fprintf(w, "Still lost: %d changes build on history no piece holds; merge a colleague's copy (coplan merge %s FILE) to bring them back.\n",
			after.HeldBack, args[0])
	}
	if damaged || after.HeldBack > 0 {
		return errDamage
	}
	return nil
}
