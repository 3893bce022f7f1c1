package doc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc/store"
)

// Diagnosis is what a look at a plan's folder found (coplan doctor).
type Diagnosis struct {
	ID, Dir string
	Files   []store.FileReport
	// Report is what opening the plan has to work around; nil when
	// nothing. OpenErr is set when the plan cannot be opened at all.
	Report  *RecoveryReport
	OpenErr error
	// Changes is what an open recovers; Salvageable what every readable
	// piece on disk (and the copies given to Repair) holds together;
	// HeldBack the changes among them whose history is lost.
	Changes, Salvageable, HeldBack int
	// Pieces names the files the salvage read something from.
	Pieces []string
	// After a repair: the changes the plan holds now.
	Repaired bool
	After    int
}

// Damaged reports whether anything is wrong: damage in the files an open
// reads, changes held back, or changes that only a repair would bring
// back. Damaged copies set aside by an earlier recovery that hold nothing
// new are not damage: the plan recovered from them.
func (d *Diagnosis) Damaged() bool {
	if d.OpenErr != nil || d.Report != nil || d.HeldBack > 0 || d.Salvageable > d.Changes {
		return true
	}
	for _, f := range d.Files {
		if !f.Whole && f.Kind != "damaged copy" && f.Kind != "temporary" {
			return true
		}
	}
	return false
}

// Diagnose looks at the plan's folder without changing anything: what is
// on disk, what an open would recover and report, and what every readable
// piece, damaged copies included, holds.
func (l *Library) Diagnose(id string) (*Diagnosis, error) {
	dir := l.planDir(id)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no plan %s in %s", ErrNotFound, id, l.dir)
	}
	files, err := store.Inventory(dir)
	if err != nil {
		return nil, err
	}
	dg := &Diagnosis{ID: id, Dir: dir, Files: files}
	st, err := store.OpenReadOnly(dir)
	if err != nil {
		return nil, err
	}
	p, rep, err := l.load(st, Author{})
	st.Close()
	dg.Report, dg.OpenErr = rep, err
	if p != nil {
		if chs, err := p.d.Changes(); err == nil {
			dg.Changes = len(chs)
		}
	}
	d, pieces, held, err := salvage(dir, nil)
	if err != nil {
		return nil, err
	}
	dg.Pieces, dg.HeldBack = pieces, held
	if chs, err := d.Changes(); err == nil {
		dg.Salvageable = len(chs)
	}
	return dg, nil
}

// Repair rebuilds the plan from every readable piece in its folder (the
// snapshots and logs, and the damaged copies set aside) and from copies,
// the saved bytes of .coplan files of the same plan, and writes the result
// as a new generation. Nothing is deleted: the files it replaces stay as
// the fallback or as damaged copies. The Diagnosis says what was found
// before and what the plan holds after.
func (l *Library) Repair(id string, copies [][]byte, author Author) (*Diagnosis, error) {
	dg, err := l.Diagnose(id)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(dg.Dir)
	if err != nil {
		return dg, err
	}
	defer st.Close()
	if err := st.ReadOnly(); err != nil {
		return dg, err
	}
	// Load repairs the logs in place (keeping copies) and sets the point
	// the new snapshot is cut at.
	if _, _, _, err := st.Load(); err != nil {
		return dg, err
	}
	d, pieces, held, err := salvage(dg.Dir, copies)
	if err != nil {
		return dg, err
	}
	p := newPlan(d, author)
	if err := p.init(); err != nil {
		return dg, fmt.Errorf("%s: nothing recoverable: %w", dg.Dir, err)
	}
	if p.id != id {
		return dg, errOtherPlan(p.id, id)
	}
	if err := st.Compact(d.Save()); err != nil {
		return dg, err
	}
	marker := filepath.Join(dg.Dir, heldBackFile)
	if held == 0 {
		os.Remove(marker)
	}
	chs, err := d.Changes()
	if err != nil {
		return dg, err
	}
	dg.Repaired, dg.After, dg.Pieces, dg.HeldBack = true, len(chs), pieces, held
	return dg, nil
}

// salvage merges every readable piece of the plan in dir, and copies,
// into one document. It returns the files that gave something and the
// changes held back for want of their history.
func salvage(dir string, copies [][]byte) (*am.Doc, []string, int, error) {
	snaps, records, err := store.Salvage(dir)
	if err != nil {
		return nil, nil, 0, err
	}
	var d *am.Doc
	used := map[string]bool{}
	var order []string
	note := func(name string) {
		if !used[name] {
			used[name] = true
			order = append(order, name)
		}
	}
	for i, c := range copies {
		snaps = append(snaps, store.Piece{File: fmt.Sprintf("copy %d", i+1), Data: c})
	}
	for _, sp := range snaps {
		x, err := am.Load(sp.Data)
		if err != nil {
			continue
		}
		if d == nil {
			d = x
		} else if _, err := d.Merge(x); err != nil {
			continue
		}
		note(sp.File)
	}
	if d == nil {
		d = am.New()
	}
	// An empty document refuses a change whose history it lacks; once it
	// holds something it queues it instead, so a second pass takes what
	// the first could not.
	done := make([]bool, len(records))
	for range 2 {
		for i, r := range records {
			if !done[i] && d.LoadIncremental(r.Data) == nil {
				done[i] = true
				note(r.File)
			}
		}
	}
	chunks := make([][]byte, len(records))
	for i, r := range records {
		chunks[i] = r.Data
	}
	held, _ := heldBack(d, chunks)
	return d, order, held, nil
}
