package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

var errInspecting = errors.New("opened for inspection")

// OpenReadOnly opens the plan directory dir for reading only, even when it
// could be written: Load then reports damage without repairing it, for a
// diagnosis that changes nothing.
func OpenReadOnly(dir string) (*Store, error) {
	if fi, err := os.Stat(dir); err != nil {
		return nil, err
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a folder", dir)
	}
	s := &Store{dir: dir, readOnly: errInspecting}
	if f, err := os.Open(filepath.Join(dir, lockName)); err == nil {
		s.lockF = f
	}
	return s, nil
}

// FileReport describes one file in a plan folder.
type FileReport struct {
	Name string
	Size int64
	// Kind: snapshot, log, acknowledgement, damaged copy, temporary
	// (a compaction's, not yet renamed in), lock, cache, marker, other.
	Kind       string
	Generation uint64
	Format     string // e.g. "format 2", "legacy"
	Records    int    // readable records (logs and copies of logs)
	Whole      bool   // nothing in it is damaged
	Notes      []string
}

// Inventory lists what is in the plan folder dir and the state of each
// file, reading under a shared lock and changing nothing.
func Inventory(dir string) ([]FileReport, error) {
	s, err := OpenReadOnly(dir)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if err := s.lock(lockShared); err != nil {
		return nil, err
	}
	defer s.unlock()
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	ack, ackOK := readAck(s.path(ackName))
	var out []FileReport
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		name := e.Name()
		fi, err := e.Info()
		if err != nil {
			continue
		}
		fr := FileReport{Name: name, Size: fi.Size(), Whole: true}
		p := filepath.Join(dir, name)
		base := name
		if i := strings.Index(name, ".damaged-"); i >= 0 {
			base = name[:i]
			fr.Kind = "damaged copy"
		}
		if strings.HasPrefix(name, ".") && strings.Contains(name, tempPrefix) {
			fr.Kind, base = "temporary", strings.TrimPrefix(name[:strings.Index(name, tempPrefix)], ".")
			fr.Notes = append(fr.Notes, "left by a compaction that was interrupted or is under way")
		}
		switch base {
		case snapName, prevSnapName:
			if fr.Kind == "" {
				fr.Kind = "snapshot"
			}
			sf, err := readSnap(p, false)
			if err != nil {
				return nil, err
			}
			fr.Generation = sf.hdr.gen
			fr.Format = "format 1"
			if sf.hdr.legacy {
				fr.Format = "legacy (no checksum)"
			}
			if sf.bad != "" {
				fr.Whole = false
				fr.Notes = append(fr.Notes, sf.bad)
			}
		case logName, prevLogName:
			if fr.Kind == "" {
				fr.Kind = "log"
			}
			lf, err := readLog(p)
			if err != nil {
				return nil, err
			}
			if name == logName {
				lf.ack, lf.ackOK = ack, ackOK
			}
			fr.Generation = lf.hdr.gen
			fr.Format = fmt.Sprintf("format %d", lf.version)
			fr.Records = len(lf.fr.recs)
			if !lf.headerOK() || !lf.fr.clean() || name == logName && lf.ackOK && lf.ack.epoch == lf.hdr.epoch && lf.ack.seq > lf.fr.lastSeq() {
				a := assess(&lf, name)
				fr.Whole = a.quiet
				for _, w := range a.what {
					fr.Notes = append(fr.Notes, strings.TrimPrefix(w, name+": "))
				}
				if a.quiet {
					fr.Notes = append(fr.Notes, "ends in a torn append that was never acknowledged")
				}
			}
		case ackName:
			fr.Kind = "acknowledgement"
			if !ackOK {
				fr.Whole = false
				fr.Notes = append(fr.Notes, "unreadable (a cut-short log will look like a torn append)")
			}
		case lockName, openLockName:
			fr.Kind = "lock"
		case "content.json":
			fr.Kind = "cache"
		case "held-back":
			fr.Kind = "marker"
			fr.Notes = append(fr.Notes, "the logs hold changes whose history is lost")
		default:
			if fr.Kind == "" {
				fr.Kind = "other"
			}
		}
		if fr.Kind == "damaged copy" {
			fr.Whole = false
		}
		out = append(out, fr)
	}
	order := map[string]int{snapName: 0, logName: 1, ackName: 2, prevSnapName: 3, prevLogName: 4}
	sort.SliceStable(out, func(i, j int) bool {
		oi, iok := order[out[i].Name]
		oj, jok := order[out[j].Name]
		switch {
		case iok && jok:
			return oi < oj
		case iok != jok:
			return iok
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// Piece is a readable piece of a plan found on disk, and where.
type Piece struct {
	File string
	Data []byte
}

// Salvage reads every piece of the plan in dir that can still be read:
// the payload of every snapshot, current, previous or set aside as
// damaged (the engine decides whether it can use one whose checksum fails),
// and every whole record of every log and damaged copy of a log, found by
// resynchronising past the damage. It changes nothing.
func Salvage(dir string) (snapshots, records []Piece, err error) {
	s, err := OpenReadOnly(dir)
	if err != nil {
		return nil, nil, err
	}
	defer s.Close()
	if err := s.lock(lockShared); err != nil {
		return nil, nil, err
	}
	defer s.unlock()
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range ents {
		name := e.Name()
		base, _, _ := strings.Cut(name, ".damaged-")
		p := filepath.Join(dir, name)
		switch base {
		case snapName, prevSnapName:
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, nil, err
			}
			h, payload, perr := parseSnapshot(b)
			switch {
			case perr == nil:
			case !h.legacy && len(b) > snapHeader:
				payload = b[snapHeader:]
			default:
				payload = b
			}
			if len(payload) > 0 {
				snapshots = append(snapshots, Piece{name, payload})
			}
		case logName, prevLogName:
			lf, err := readLog(p)
			if err != nil {
				return nil, nil, err
			}
			for _, r := range lf.fr.recs {
				records = append(records, Piece{name, r.data})
			}
		}
	}
	return snapshots, records, nil
}
