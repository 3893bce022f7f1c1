package doc

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/coplan/coplan/doc/store"
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
		return nil, err
	}
	return &Library{dir: dir, log: logging.Discard()}, nil
}

// SetLogger hands the library a logger, which every plan it opens or
// creates afterwards inherits; nil, like never calling it, discards. Plans
// log under internal/logging's level policy: error for an edit that could
// not be saved, warn for a compaction or a read of other processes' edits
// that failed and will be tried again, info for a compaction done. Call it
// before opening plans.
func (l *Library) SetLogger(log *slog.Logger) { l.log = logging.Or(log) }

// Dir is the data folder.
func (l *Library) Dir() string { return l.dir }

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

// List reads the heading of every plan, from its content cache where it
// has one (written when the app closes a plan). A plan that cannot be read is listed
// with its error rather than hiding the others.
func (l *Library) List() ([]Info, []error) {
	ids, err := l.IDs()
	if err != nil {
		return nil, []error{err}
	}
	var out []Info
	var errs []error
	for _, id := range ids {
		// A cache newer than the plan's files spares a full load.
		if c, ok := l.ContentCache(id); ok && l.cacheFresh(id) {
			out = append(out, Info{ID: c.ID, Title: c.Title, Country: c.Country, PeriodStart: c.PeriodStart, PeriodEnd: c.PeriodEnd})
			continue
		}
		p, err := l.Open(id, Author{})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, p.Info())
		p.Close()
	}
	return out, errs
}

// cacheFresh reports whether the content cache was written after the
// plan's snapshot and log last changed.
func (l *Library) cacheFresh(id string) bool {
	dir := l.planDir(id)
	cache, err := os.Stat(filepath.Join(dir, contentCacheFile))
	if err != nil {
		return false
	}
	for _, f := range []string{"snapshot", "log"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err == nil && st.ModTime().After(cache.ModTime()) {
			return false
		}
	}
	return true
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
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.commitLocked(); err != nil {
		st.Close()
		return err
	}
	if snapshot == nil {
		snapshot = p.d.Save()
	} else {
		p.d.SaveIncremental()
	}
	if err := st.Compact(snapshot); err != nil {
		st.Close()
		return err
	}
	p.store = st
	p.log = l.log
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
func (l *Library) OpenWithReport(id string, author Author) (*Plan, *RecoveryReport, error) {
	dir := l.planDir(id)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("%w: no plan %s in %s", ErrNotFound, id, l.dir)
	}
	st, err := store.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	snap, chunks, rep, err := st.Load()
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	var p *Plan
	if snap != nil {
		p, err = LoadPlan(snap, author)
		if err != nil && !errors.Is(err, ErrNewerSchema) {
			// Keep the damaged snapshot aside and rebuild from the log.
			kept, qerr := st.QuarantineSnapshot()
			if qerr != nil {
				st.Close()
				return nil, nil, fmt.Errorf("%s: %w (and could not set it aside: %v)", filepath.Join(dir, "snapshot"), err, qerr)
			}
			if rep == nil {
				rep = &RecoveryReport{}
			}
			rep.Kept = append(rep.Kept, kept)
			rep.Messages = append(rep.Messages, fmt.Sprintf("snapshot unreadable (%v); kept as %s", err, kept))
			snap, p = nil, nil
		} else if err != nil {
			st.Close()
			return nil, nil, err
		}
	}
	if p == nil {
		p, err = l.fromChunks(chunks, author)
		if err != nil {
			st.Close()
			return nil, rep, fmt.Errorf("%s: %w", dir, err)
		}
	} else {
		for _, c := range chunks {
			if err := p.d.LoadIncremental(c); err != nil {
				st.Close()
				return nil, rep, fmt.Errorf("%s: %w: %v", filepath.Join(dir, "log"), ErrCorrupt, err)
			}
		}
		p.d.SaveIncremental()
	}
	p.store = st
	p.log = l.log
	if p.pending { // a migration ran
		p.mu.Lock()
		err = p.commitLocked()
		p.mu.Unlock()
		if err != nil {
			return nil, rep, err
		}
	}
	return p, rep, nil
}

func (l *Library) fromChunks(chunks [][]byte, author Author) (*Plan, error) {
	if len(chunks) == 0 {
		return nil, fmt.Errorf("%w: nothing recoverable", ErrNotAPlan)
	}
	var all []byte
	for _, c := range chunks {
		all = append(all, c...)
	}
	return LoadPlan(all, author)
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
