package store

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Mark is a point in the plan's history as this Store has read it: a
// snapshot saved from a copy of the caller's document taken at the same
// moment (with nothing the Store has not written) holds exactly what the
// Store had read and appended by then.
type Mark struct {
	snapID  fileID
	gen     uint64
	epoch   epochID
	offset  int64
	records uint64
}

// Mark returns the point the caller's document has reached. Take it and
// the copy to save under the same lock as the caller's appends.
func (s *Store) Mark() Mark {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.markLocked()
}

func (s *Store) markLocked() Mark {
	m := Mark{snapID: s.snapID, gen: s.maxGen, epoch: s.epoch, offset: s.offset, records: s.snapRecords + uint64(s.vCount)}
	if s.forceReset {
		m.snapID.exists, m.snapID.ino = true, ^uint64(0) // matches no file: stale
	}
	return m
}

// Compact replaces the snapshot with saved, which must hold everything this
// Store has read or appended; records in the log past that point (other
// processes' appends) carry over into the new log.
func (s *Store) Compact(saved []byte) error { return s.CompactFrom(s.Mark(), saved) }

// CompactFrom starts a new generation: saved, a snapshot holding exactly
// what the Store had at m, and a log holding the records appended after m.
// It may run alongside Append: it writes the snapshot without blocking
// them and takes the lock only to rename the files into place. The current
// generation becomes the fallback (snapshot.prev, log.prev); if it is not
// whole, the fallback stays the older one with every log that follows it.
// It returns ErrStale when another process compacted after m: follow with
// ReadNew, then take a new mark.
func (s *Store) CompactFrom(m Mark, saved []byte) error {
	if len(saved) == 0 {
		return fmt.Errorf("compact %s: empty snapshot", s.path(snapName))
	}
	s.mu.Lock()
	if err := s.checkWrite(); err != nil {
		s.mu.Unlock()
		return err
	}
	if m.snapID != s.snapID {
		s.mu.Unlock()
		return fmt.Errorf("compact %s: snapshot replaced since the mark: %w", s.path(snapName), ErrStale)
	}
	epoch, err := newEpoch()
	if err != nil {
		s.mu.Unlock()
		return err
	}
	hdr := snapHeaderInfo{gen: max(s.maxGen, m.gen) + 1, logEpoch: epoch, baseEpoch: m.epoch, baseEnd: m.offset,
		baseSnap: idHash(m.snapID), records: m.records}
	s.inflight.Add(1)
	defer s.inflight.Done()
	s.mu.Unlock()

	// The slow part, outside every lock: write, fsync and read back.
	data := encodeSnapshot(hdr, saved)
	tmp, err := writeTemp(s.dir, snapName, data)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			os.Remove(tmp)
		}
	}()
	if back, err := os.ReadFile(tmp); err != nil {
		return fmt.Errorf("compact %s: read back: %w", s.path(snapName), err)
	} else if _, _, err := parseSnapshot(back); err != nil {
		return fmt.Errorf("compact %s: the new snapshot does not read back: %v: %w", s.path(snapName), err, ErrCorrupt)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return err
	}
	if err := s.lock(lockExclusive); err != nil {
		return err
	}
	defer s.unlock()
	if err := s.rotate(m, tmp, hdr, saved); err != nil {
		return err
	}
	done = true
	return nil
}

// rotate renames the new generation into place. Caller holds the
// exclusive lock. At every step the files on disk hold every acknowledged
// record for a reader that takes the newest whole snapshot and the logs of
// its generation or later (load.go).
func (s *Store) rotate(m Mark, tmp string, hdr snapHeaderInfo, saved []byte) error {
	sp, lp, psp, plp := s.path(snapName), s.path(logName), s.path(prevSnapName), s.path(prevLogName)
	stale := func(why string) error { return fmt.Errorf("compact %s: %s: %w", sp, why, ErrStale) }
	if id, err := statID(sp); err != nil {
		return err
	} else if id != m.snapID {
		return stale("snapshot replaced since the mark")
	}
	// The records appended after the mark carry over.
	lf, err := readLog(lp)
	if err != nil {
		return err
	}
	var tail []record
	if lf.exists {
		_, torn := lf.fr.trailing(lf.size)
		if !lf.headerOK() || !(lf.fr.clean() || torn && len(lf.fr.damages) == 1) {
			return stale("the log needs a repair first")
		}
		if m.epoch != (epochID{}) && (lf.hdr.epoch != m.epoch || lf.fr.end < m.offset) {
			return stale("the log was replaced since the mark")
		}
		for _, r := range lf.fr.recs {
			if m.epoch == (epochID{}) || r.off >= m.offset {
				tail = append(tail, r)
			}
		}
	}

	// The fallback: the newest whole snapshot and every log after it.
	cur, err := readSnap(sp, false)
	if err != nil {
		return err
	}
	prev, err := readSnap(psp, false)
	if err != nil {
		return err
	}
	plog, err := readLog(plp)
	if err != nil {
		return err
	}
	var base *snapFile
	switch {
	case cur.ok() && !s.rejected[cur.id]:
		base = &cur
	case prev.ok() && !s.rejected[prev.id]:
		base = &prev
	}
	baseGen := uint64(0)
	if base != nil {
		baseGen = base.hdr.gen
	}
	plogFollows := plog.exists && (!plog.headerOK() || plog.hdr.gen >= baseGen || base == nil)
	liveFollows := !lf.exists || lf.hdr.gen >= baseGen || cur.hdr.legacy
	simple := base == &cur && !plogFollows && liveFollows
	fresh := !cur.exists && !prev.exists && !plog.exists

	newLog := encodeLogHeader(hdr.logEpoch, hdr.gen)
	newOffs := make([]int64, len(tail))
	for i, r := range tail {
		newOffs[i] = int64(len(newLog))
		newLog = append(newLog, encodeFrame(uint64(i+1), r.data)...)
	}
	ltmp, err := writeTemp(s.dir, logName, newLog)
	if err != nil {
		return err
	}
	defer os.Remove(ltmp) // gone by then when all went well

	s.dropLogFile() // renamed below; Windows would refuse while it is open
	var kept []string
	switch {
	case simple:
		if lf.exists {
			if err := renameSync(lp, plp); err != nil {
				return err
			}
		}
		if err := renameSync(sp, psp); err != nil {
			return err
		}
	case fresh:
		// A new plan: the first generation's fallback is a copy of itself.
		ph := hdr
		ph.gen, ph.baseEpoch, ph.baseEnd = hdr.gen-1, epochID{}, 0
		if err := atomicWrite(psp, encodeSnapshot(ph, saved)); err != nil {
			return err
		}
		// The records before the cut are in saved, but a copy of saved
		// is no fallback for saved itself: the log goes with it, as is,
		// so a reader of it can follow.
		if lf.exists {
			if err := renameSync(lp, plp); err != nil {
				return err
			}
		} else {
			pe, err := newEpoch()
			if err != nil {
				return err
			}
			if err := atomicWrite(plp, encodeLogHeader(pe, ph.gen)); err != nil {
				return err
			}
		}
	default:
		// Keep every record after the fallback snapshot in one log.
		pe, err := newEpoch()
		if err != nil {
			return err
		}
		merged := encodeLogHeader(pe, baseGen)
		seq := uint64(0)
		for _, f := range []*logFile{&plog, &lf} {
			if !f.exists || f == &plog && !plogFollows {
				continue
			}
			for _, r := range f.fr.recs {
				seq++
				merged = append(merged, encodeFrame(seq, r.data)...)
			}
		}
		if err := atomicWrite(plp, merged); err != nil {
			return err
		}
		switch base {
		case &cur:
			if err := renameSync(sp, psp); err != nil {
				return err
			}
		case &prev:
			if cur.exists {
				k, err := moveAside(sp)
				if err != nil {
					return err
				}
				kept = append(kept, k)
			}
		default:
			for _, p := range []string{sp, psp} {
				if _, err := os.Lstat(p); err == nil {
					k, err := moveAside(p)
					if err != nil {
						return err
					}
					kept = append(kept, k)
				}
			}
		}
	}
	if err := renameSync(ltmp, lp); err != nil {
		return err
	}
	if err := renameSync(tmp, sp); err != nil {
		return err
	}
	// Everything this Store wrote is now in fsynced files: records before
	// the mark in the snapshot, the rest in the new log.
	s.markSyncedLocked(s.fl.wrote, time.Now())
	s.writeAck(ack{epoch: hdr.logEpoch, seq: uint64(len(tail)), end: int64(len(newLog))})
	if len(kept) > 0 {
		s.pending = s.pending.add("%s: the snapshot could not be used; set aside as %v, and the plan compacted afresh", s.dir, kept)
		s.pending.Kept = append(s.pending.Kept, kept...)
	}

	// This Store's read position moves to the same record in the new log;
	// what it had not read before the cut is in the new snapshot, so it is
	// handed over with the next ReadNew.
	if s.loaded && !s.forceReset && lf.exists && s.epoch == lf.hdr.epoch {
		for _, r := range lf.fr.recs {
			if r.off >= s.offset && (m.epoch != (epochID{}) && r.off < m.offset) && !s.skip[r.off] {
				s.stash = append(s.stash, r.data)
			}
		}
		newOff := int64(len(newLog))
		skip := map[int64]bool{}
		for i, r := range tail {
			if r.off >= s.offset && newOff == int64(len(newLog)) {
				newOff = newOffs[i]
			}
			if s.skip[r.off] {
				skip[newOffs[i]] = true
			}
		}
		s.offset, s.skip = newOff, skip
	} else if s.loaded && !(s.epoch == epochID{} && s.offset == 0) {
		s.forceReset = true
	} else {
		s.offset = headerSize
	}
	s.loaded = true
	s.epoch, s.version = hdr.logEpoch, 2
	id, err := statID(sp)
	if err != nil {
		return err
	}
	s.snapID, s.snapGen, s.snapRecords, s.snapBytes, s.lastSnap = id, hdr.gen, hdr.records, int64(len(saved)), snapName
	s.maxGen = max(s.maxGen, hdr.gen)
	s.vEpoch, s.vGen, s.vVersion, s.vEnd, s.vCount, s.vSeq = hdr.logEpoch, hdr.gen, 2, int64(len(newLog)), len(tail), uint64(len(tail))
	s.cleanTemps()
	return nil
}

func atomicWrite(p string, data []byte) error {
	tmp, err := writeTemp(filepath.Dir(p), filepath.Base(p), data)
	if err != nil {
		return err
	}
	if err := renameSync(tmp, p); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// tempMaxAge is how old a compaction's temporary file must be before it is
// taken for a crashed compaction's and removed.
const tempMaxAge = time.Hour

// cleanTemps removes temporary files that crashed compactions left.
// Caller holds the exclusive lock.
func (s *Store) cleanTemps() {
	for _, name := range []string{snapName, logName, prevSnapName, prevLogName} {
		m, _ := filepath.Glob(filepath.Join(s.dir, "."+name+tempPrefix+"*"))
		for _, p := range m {
			if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > tempMaxAge {
				os.Remove(p)
			}
		}
	}
}

// RefreshFallback makes the fallback a copy of the newest snapshot once
// that has been reopened successfully: read back from disk, whole, and
// accepted by verify (the caller's engine, loading it). Until then the
// previous generation stays (issue 11); after, a copy of the newest
// guards against damage to its file as well, at the size of one snapshot
// instead of an older one plus every record since. It does nothing,
// returning false, when the snapshot is not the one this Store wrote or
// read last (another process compacted meanwhile) or its log is not of
// its generation.
func (s *Store) RefreshFallback(verify func(saved []byte) error) (bool, error) {
	s.mu.Lock()
	err := s.checkWrite()
	want := s.snapID
	s.mu.Unlock()
	if err != nil {
		return false, err
	}
	sp := s.path(snapName)
	sf, err := readSnap(sp, false)
	if err != nil {
		return false, err
	}
	if !sf.ok() || sf.id != want || sf.hdr.gen == 0 || sf.hdr.legacy {
		return false, nil
	}
	// The slow part, outside the locks: another process may append meanwhile.
	if err := verify(sf.payload); err != nil {
		return false, fmt.Errorf("reopen %s: %w", sp, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkWrite(); err != nil {
		return false, err
	}
	if err := s.lock(lockExclusive); err != nil {
		return false, err
	}
	defer s.unlock()
	if id, err := statID(sp); err != nil || id != want {
		return false, err
	}
	exists, h, err := readLogHeader(s.path(logName))
	if err != nil || exists && (h.version != 2 || h.gen != sf.hdr.gen) {
		return false, err
	}
	// As a new plan's first compaction does: the copy is a generation
	// older and holds no log position, so a reader of it takes every
	// record of the live log after it. Written snapshot first: a crash
	// between leaves the copy with the older log, which only repeats
	// records the copy holds.
	ph := sf.hdr
	ph.gen, ph.baseEpoch, ph.baseEnd = sf.hdr.gen-1, epochID{}, 0
	if err := atomicWrite(s.path(prevSnapName), encodeSnapshot(ph, sf.payload)); err != nil {
		return false, err
	}
	pe, err := newEpoch()
	if err != nil {
		return true, err
	}
	if err := atomicWrite(s.path(prevLogName), encodeLogHeader(pe, ph.gen)); err != nil {
		return true, err
	}
	return true, nil
}
