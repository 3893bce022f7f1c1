package doc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc/store"
	"github.com/coplan/coplan/internal/atomicfile"
	"github.com/coplan/coplan/internal/logging"
)

// Library is the data folder holding the user's plans, one folder each.
type Library struct {
	dir string
	log *slog.Logger
}

// OpenLibrary opens (creating if needed) a data folder.
func OpenLibrary(dir string) (*Library, error) {
	if err := os.MkdirAll(filepath.Join(dir, "plans"), 0o700); err != nil {
		// A read-only folder that has its plans can still be read.
		if fi, serr := os.Stat(filepath.Join(dir, "plans")); serr != nil || !fi.IsDir() || !IsReadOnlyError(err) {
			return nil, err
		}
	}
	return &Library{dir: dir, log: logging.Discard()}, nil
}

// SetLogger hands the library a logger, which every plan it opens or
// creates afterwards inherits; nil, like never calling it, discards. Plans
// log under internal/logging's level policy: error for an edit that could
// not be saved and for damaged files that cost saved edits, warn for other
// damage worked around and for a compaction or a read of other processes'
// edits that failed and will be tried again, info for a compaction done.
// Call it before opening plans.
func (l *Library) SetLogger(log *slog.Logger) { l.log = logging.Or(log) }

// Dir is the data folder.
func (l *Library) Dir() string { return l.dir }

// ReadOnly returns why the data folder's plans cannot be written (wrapping
// ErrReadOnly), or nil when they can.
func (l *Library) ReadOnly() error { return store.FolderReadOnly(filepath.Join(l.dir, "plans")) }

// IsReadOnlyError reports whether err says a file or folder cannot be
// written: a read-only medium, or no permission.
func IsReadOnlyError(err error) bool { return store.IsReadOnlyError(err) }

func (l *Library) planDir(id string) string { return filepath.Join(l.dir, "plans", id) }

// IDs lists the plans in the folder.
func (l *Library) IDs() ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(l.dir, "plans"))
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// List reads the heading of every plan, from its content cache where the
// cache matches the plan's files (every command that changes a plan
// rewrites it as it closes). A plan that cannot be read is listed with its
// error rather than hiding the others.
func (l *Library) List() ([]Info, []error) {
	ids, err := l.IDs()
	if err != nil {
		return nil, []error{err}
	}
	var out []Info
	var errs []error
	for _, id := range ids {
		if in, ok := l.freshHeading(id); ok {
			out = append(out, in)
			continue
		}
		p, err := l.Open(id, Author{})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, p.Info())
		// Next time from the cache (not on a read-only folder).
		p.mu.Lock()
		if p.roErr == nil {
			_ = p.writeCacheLocked()
		}
		p.mu.Unlock()
		p.Abandon()
	}
	return out, errs
}

// Resolve finds a plan by full ID or unique ID prefix.
func (l *Library) Resolve(ref string) (string, error) {
	ids, err := l.IDs()
	if err != nil {
		return "", err
	}
	found := matchID(ids, ref)
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", fmt.Errorf("%w: no plan %q in %s", ErrNotFound, ref, l.dir)
	}
	return "", fmt.Errorf("%w: %q matches %d plans", ErrAmbiguous, ref, len(found))
}

// Create makes a new plan in the library.
func (l *Library) Create(title, country, periodStart, periodEnd string, author Author) (*Plan, error) {
	p, err := NewPlan(title, country, periodStart, periodEnd, author)
	if err != nil {
		return nil, err
	}
	if err := l.attach(p, nil); err != nil {
		return nil, err
	}
	return p, nil
}

// attach gives an in-memory plan a store in the library and writes it.
func (l *Library) attach(p *Plan, snapshot []byte) error {
	st, err := store.Open(l.planDir(p.id))
	if err != nil {
		return err
	}
	if err := st.ReadOnly(); err != nil {
		st.Close()
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.commitLocked(); err != nil {
		st.Close()
		return err
	}
	if snapshot == nil {
		snapshot = p.d.Save()
	}
	if err := st.Compact(snapshot); err != nil {
		st.Close()
		return err
	}
	p.store = st
	p.log = l.log
	p.watchSyncErrors(st)
	p.saved = p.d.Heads()
	p.dirty = true // for the content cache
	return nil
}

// Exists reports whether the library holds the plan.
func (l *Library) Exists(id string) bool {
	_, err := os.Stat(l.planDir(id))
	return err == nil
}

// Open loads a plan from its folder. Damaged files are set aside and what
// can be recovered is; the returned warning (nil when all was well) says
// what happened.
func (l *Library) Open(id string, author Author) (*Plan, error) {
	p, _, err := l.OpenWithReport(id, author)
	return p, err
}

// RecoveryReport says what opening a plan had to repair; see doc/store.
type RecoveryReport = store.RecoveryReport

// OpenWithReport is Open, also returning what recovery did, if anything.
// Recovery is logged too: at error level when edits that had been saved
// may be lost, at warn level otherwise. A plan in a read-only folder opens
// read-only: reading works, and edits fail with ErrReadOnly.
func (l *Library) OpenWithReport(id string, author Author) (*Plan, *RecoveryReport, error) {
	dir := l.planDir(id)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("%w: no plan %s in %s", ErrNotFound, id, l.dir)
	}
	st, err := store.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	p, rep, err := l.load(st, author)
	if rep != nil {
		lvl := slog.LevelWarn
		if rep.Loud {
			lvl = slog.LevelError
		}
		l.log.Log(context.Background(), lvl, "the plan's files were damaged: "+strings.Join(rep.Messages, "; "), "plan", id)
	}
	if err != nil {
		st.Close()
		return nil, rep, err
	}
	p.store = st
	p.log = l.log
	p.watchSyncErrors(st)
	p.saved = p.d.Heads()
	p.roErr = st.ReadOnly()
	if p.roErr == nil && (p.pending || rep != nil && rep.Fallback) {
		p.mu.Lock()
		err = p.commitLocked() // a migration ran
		if err == nil && rep != nil && rep.Fallback {
			// Make the generation read whole again at once, so the next
			// open needs no fallback; the one read stays the fallback.
			p.compactNowLocked(true)
		}
		p.mu.Unlock()
		if err != nil {
			p.Abandon()
			return nil, rep, err
		}
	}
	return p, rep, nil
}

// load builds the plan from what the store holds. A snapshot the engine
// cannot read is set aside and the store read again, which falls back to
// the previous generation and its logs.
func (l *Library) load(st *store.Store, author Author) (*Plan, *RecoveryReport, error) {
	var rep *RecoveryReport
	for range 3 {
		snap, chunks, r, err := st.Load()
		if err != nil {
			return nil, rep, err
		}
		rep = rep.Merge(r)
		d := am.New()
		if snap != nil {
			if d, err = am.Load(snap); err != nil {
				if _, rerr := st.RejectSnapshot(err); rerr != nil {
					return nil, rep, fmt.Errorf("%s: snapshot: %w: %v (and could not set it aside: %v)", st.Dir(), ErrNotAPlan, err, rerr)
				}
				continue
			}
		}
		bad := 0
		for _, c := range chunks {
			if err := d.LoadIncremental(c); err != nil {
				if len(rawChanges(c)) == 0 {
					bad++ // else counted as held back below
				}
			}
		}
		if bad > 0 {
			rep = rep.Note(true, "%s: %d record(s) in the log could not be read and were skipped", st.Dir(), bad)
		}
		held := 0
		marker := filepath.Join(st.Dir(), heldBackFile)
		_, merr := os.Stat(marker)
		if rep != nil || merr == nil {
			var what []string
			held, what = heldBack(d, chunks)
			if st.ReadOnly() == nil {
				if held > 0 {
					_ = atomicfile.WriteFile(marker, []byte(fmt.Sprintln(held, "changes held back:", strings.Join(what, "; "))), 0o600)
				} else if merr == nil {
					os.Remove(marker)
				}
			}
			if held > 0 {
				rep = rep.Note(true, "%d saved change(s) build on history that is lost and cannot be shown yet (%s); they stay in the log, and merging a colleague's copy (coplan merge, or coplan doctor --repair --from FILE) brings them back",
					held, strings.Join(what, "; "))
			}
		}
		p := newPlan(d, author)
		if err := p.init(); err != nil {
			if errors.Is(err, ErrNewerSchema) {
				return nil, rep, err
			}
			return nil, rep, fmt.Errorf("%s: nothing recoverable: %w", st.Dir(), err)
		}
		// Changes held back live only in the logs: keep them there.
		p.noCompact = held > 0 || bad > 0
		return p, rep, nil
	}
	return nil, rep, fmt.Errorf("%s: %w: no snapshot could be read", st.Dir(), ErrNotAPlan)
}

// heldBackFile, in a plan's folder, says that its logs hold changes the
// plan could not apply for want of the history they build on, so every
// open looks for them again (and compaction keeps them) until a merge
// brings that history back.
const heldBackFile = "held-back"

// heldBack counts the changes in chunks that d does not hold (for want of
// the changes they build on), and names a few of them.
func heldBack(d *am.Doc, chunks [][]byte) (int, []string) {
	n := 0
	var what []string
	seen := map[am.ChangeHash]bool{}
	for _, c := range chunks {
		for _, rc := range rawChanges(c) {
			if seen[rc.hash] {
				continue
			}
			seen[rc.hash] = true
			if _, err := d.Change(rc.hash); err == nil {
				continue
			}
			n++
			if len(what) < 5 {
				words, _, _ := strings.Cut(rc.msg, "\n") // the words, without the trailer history reads
				what = append(what, fmt.Sprintf("%q of %s", words, rc.at.UTC().Format("2006-01-02 15:04")))
			}
		}
	}
	if n > len(what) {
		what = append(what, fmt.Sprintf("and %d more", n-len(what)))
	}
	return n, what
}

// Import adds a .coplan file to the library; if the plan is already there
// the file is merged into it. It reports whether the plan was new.
func (l *Library) Import(path string, author Author) (*Plan, bool, MergeReport, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, MergeReport{}, err
	}
	saved, err := DecodeFile(data)
	if err != nil {
		return nil, false, MergeReport{}, fmt.Errorf("%s: %w", path, err)
	}
	in, err := LoadPlan(saved, author)
	if err != nil {
		return nil, false, MergeReport{}, fmt.Errorf("%s: %w", path, err)
	}
	if l.Exists(in.id) {
		p, err := l.Open(in.id, author)
		if err != nil {
			return nil, false, MergeReport{}, err
		}
		rep, err := p.Merge(saved)
		if err != nil {
			p.Close()
			return nil, false, rep, err
		}
		return p, false, rep, nil
	}
	if err := l.attach(in, saved); err != nil {
		return nil, false, MergeReport{}, err
	}
	n, _ := in.ChangeCount()
	return in, true, MergeReport{Changes: n}, nil
}

// Adopt stores a plan received whole from a peer (the bytes of Plan.Save).
// When the library already holds the plan, the copy is merged into it.
func (l *Library) Adopt(saved []byte, author Author) (*Plan, error) {
	in, err := LoadPlan(saved, author)
	if err != nil {
		return nil, err
	}
	if !ValidPlanID(in.id) {
		return nil, fmt.Errorf("%w: malformed plan ID %q", ErrNotAPlan, in.id)
	}
	if l.Exists(in.id) {
		p, err := l.Open(in.id, author)
		if err != nil {
			return nil, err
		}
		if _, err := p.Merge(saved); err != nil {
			p.Close()
			return nil, err
		}
		return p, nil
	}
	if err := l.attach(in, saved); err != nil {
		return nil, err
	}
	return in, nil
}

// Remove deletes a plan folder.
func (l *Library) Remove(id string) error {
	return os.RemoveAll(l.planDir(id))
}
