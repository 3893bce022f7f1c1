package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/coplan/coplan/internal/atomicfile"
)

// Append durably appends one chunk: Write, then Sync. When it returns
// the record is fsynced and acknowledged (log.ack), so a later reader can
// tell this record, if it is ever cut short, from a torn append that never
// returned. Empty chunks are not written.
func (s *Store) Append(chunk []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t0 := time.Now()
	defer func() { s.appendTime += time.Since(t0) }()
	if err := s.writeLocked(chunk, false); err != nil {
		return err
	}
	return s.waitSyncedLocked(s.fl.wrote)
}

// Write appends one chunk with one write call and returns without waiting
// for the disk: the record survives a crash of the process (the kernel
// holds it), and the flusher makes it durable within about one fsync;
// Sync waits for that. Empty chunks are not written.
func (s *Store) Write(chunk []byte) error { return s.write(chunk, true) }

// WriteHeld writes one chunk as Write does, without waking the flusher:
// for a caller that calls Sync right after (an explicit commit), which
// then runs the fsync itself.
func (s *Store) WriteHeld(chunk []byte) error { return s.write(chunk, false) }

func (s *Store) write(chunk []byte, flush bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t0 := time.Now()
	defer func() { s.appendTime += time.Since(t0) }()
	return s.writeLocked(chunk, flush)
}

// writeLocked writes chunk; flush wakes the flusher to sync it (Append
// syncs it itself).
func (s *Store) writeLocked(chunk []byte, flush bool) error {
	if len(chunk) == 0 {
		return nil
	}
	p := s.path(logName)
	if len(chunk) > maxFrame {
		return fmt.Errorf("append to log %s: chunk of %d bytes exceeds the limit", p, len(chunk))
	}
	if err := s.checkWrite(); err != nil {
		return err
	}
	if s.fl.err != nil {
		return fmt.Errorf("append to log %s: %w", p, s.fl.err)
	}
	if err := s.lock(lockExclusive); err != nil {
		return err
	}
	defer s.unlock()

	f, err := s.openForAppend()
	if err != nil {
		return err
	}
	at, seq := s.vEnd, s.vSeq+1
	rec := encodeFrame(seq, chunk)
	if _, err := f.WriteAt(rec, at); err != nil {
		_ = f.Truncate(at) // never leave a torn record behind a live writer
		if !keepFilesOpen {
			f.Close()
		}
		return fmt.Errorf("append to log %s: %w", p, err)
	}
	s.appends++
	s.appendBytes += int64(len(rec))
	end := at + int64(len(rec))
	s.vEnd, s.vCount, s.vSeq = end, s.vCount+1, seq
	a := ack{epoch: s.vEpoch, seq: seq, end: end}
	if keepFilesOpen {
		s.logF = f
		s.noteWriteLocked(a, time.Now(), flush)
	} else {
		// The file is closed between appends here: sync it first.
		s.noteWriteLocked(a, time.Now(), false)
		s.syncDroppedLocked(f)
		f.Close()
		if s.fl.err != nil {
			return s.fl.err
		}
		s.writeAck(a)
	}
	s.followOwnWriteLocked(at, end)
	return nil
}

// followOwnWriteLocked moves the read position past a record this Store
// just wrote at..end, so ReadNew does not hand it back.
func (s *Store) followOwnWriteLocked(at, end int64) {
	if !s.loaded || s.forceReset {
		return
	}
	if s.offset == 0 && s.epoch == (epochID{}) && s.vGen == s.snapGen {
		// The log is new since we read and continues our snapshot
		// (no compaction came between): its header is nothing to return.
		s.epoch, s.offset, s.version = s.vEpoch, headerSize, 2
	}
	if s.epoch == s.vEpoch {
		if s.offset == at {
			s.offset = end
		} else if s.offset < at {
			if s.skip == nil {
				s.skip = map[int64]bool{}
			}
			s.skip[at] = true
		}
	}
}

// writeAck names the last durable record in log.ack, best effort.
func (s *Store) writeAck(a ack) {
	if s.ackF == nil {
		f, err := os.OpenFile(s.path(ackName), os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return
		}
		s.ackF = f
	}
	_, _ = s.ackF.WriteAt(encodeAck(a), 0)
}

// dropLogFile forgets the log kept open between appends, after an fsync
// when records written through it are not yet durable.
func (s *Store) dropLogFile() {
	if s.logF != nil {
		s.syncDroppedLocked(s.logF)
		if s.logF == s.fl.inFlight {
			s.fl.orphan = true // the flusher closes it once its fsync returns
		} else {
			s.logF.Close()
		}
		s.logF, s.logFI = nil, nil
	}
}

// openForAppend returns the log open for writing, at a state where s.vEnd
// is its end and s.vSeq its last record: it creates the log if missing,
// rewrites a version-1 log as version 2, and validates (and repairs) any
// part this Store has not yet checked, so a record never lands behind a
// torn one. Caller holds the exclusive lock.
func (s *Store) openForAppend() (*os.File, error) {
	p := s.path(logName)
	if s.logF != nil {
		// The log kept open is still the one at the path, as we left it.
		if fi, err := os.Stat(p); err == nil && os.SameFile(fi, s.logFI) && fi.Size() == s.vEnd && s.vVersion == 2 {
			return s.logF, nil
		}
		s.dropLogFile()
	}
	for range 4 {
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if errors.Is(err, os.ErrNotExist) {
			if err := s.freshLog(nil); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("open log %s: %w", p, err)
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("stat log %s: %w", p, err)
		}
		hdr := make([]byte, min(fi.Size(), headerSize))
		if _, err := f.ReadAt(hdr, 0); err != nil && err != io.EOF {
			f.Close()
			return nil, fmt.Errorf("read log %s: %w", p, err)
		}
		h := parseLogHeader(hdr)
		if h.version == 2 && fi.Size() == s.vEnd && h.epoch == s.vEpoch && s.vVersion == 2 {
			s.logFI = fi
			return f, nil
		}
		f.Close()
		// Unchecked bytes: another process appended, compacted or crashed.
		from := s.vEnd
		if h.version != 2 || h.epoch != s.vEpoch || fi.Size() < s.vEnd || s.vVersion != 2 {
			from = 0
		}
		lf, err := readLogFrom(p, from)
		if err != nil {
			return nil, err
		}
		if !lf.exists {
			continue
		}
		if lf.version == 1 && lf.headerOK() && lf.fr.clean() {
			if err := s.upgradeLog(&lf); err != nil {
				return nil, err
			}
			continue
		}
		if !lf.headerOK() || !lf.fr.clean() || lf.version != 2 {
			if from != 0 {
				if lf, err = readLog(p); err != nil {
					return nil, err
				}
			}
			lf.ack, lf.ackOK = readAck(s.path(ackName))
			st := diskState{log: lf}
			if st.snap, err = readSnap(s.path(snapName), true); err != nil {
				return nil, err
			}
			s.noteGens(&st)
			if err := s.repairLogs(&st); err != nil {
				return nil, err
			}
			s.dropReadPast(st.log)
			s.vEpoch, s.vGen, s.vVersion, s.vEnd, s.vCount, s.vSeq = st.log.hdr.epoch, st.log.hdr.gen, 2, st.log.fr.end, len(st.log.fr.recs), st.log.fr.lastSeq()
			continue
		}
		if from == 0 {
			s.vEpoch, s.vGen, s.vVersion, s.vEnd, s.vCount, s.vSeq = lf.hdr.epoch, lf.hdr.gen, 2, lf.fr.end, len(lf.fr.recs), lf.fr.lastSeq()
		} else {
			s.vEnd, s.vCount, s.vSeq = lf.fr.end, s.vCount+len(lf.fr.recs), max(s.vSeq, lf.fr.lastSeq())
		}
	}
	return nil, fmt.Errorf("append to log %s: log keeps changing under the lock", p)
}

// freshLog writes a new version-2 log holding recs, of the generation the
// current snapshot starts (the log continues it). Caller holds the
// exclusive lock.
func (s *Store) freshLog(recs []record) error {
	gen := s.maxGen
	if sf, err := readSnap(s.path(snapName), true); err == nil && sf.ok() {
		gen = sf.hdr.gen
	} else if sf, err := readSnap(s.path(prevSnapName), true); err == nil && sf.ok() {
		gen = sf.hdr.gen
	}
	epoch, err := newEpoch()
	if err != nil {
		return err
	}
	data := encodeLogHeader(epoch, gen)
	for i, r := range recs {
		data = append(data, encodeFrame(uint64(i+1), r.data)...)
	}
	if err := atomicfile.WriteFile(s.path(logName), data, 0o600); err != nil {
		return err
	}
	s.vEpoch, s.vGen, s.vVersion, s.vEnd, s.vCount, s.vSeq = epoch, gen, 2, int64(len(data)), len(recs), uint64(len(recs))
	s.writeAck(ack{epoch: epoch, seq: uint64(len(recs)), end: int64(len(data))})
	return nil
}

// upgradeLog rewrites a version-1 log as version 2 with the same records.
// A reader that had read all of it keeps its place; any other reads afresh.
func (s *Store) upgradeLog(lf *logFile) error {
	caughtUp := s.loaded && !s.forceReset && s.epoch == lf.hdr.epoch && s.offset == lf.fr.end && len(s.skip) == 0
	if err := s.freshLog(lf.fr.recs); err != nil {
		return err
	}
	if caughtUp {
		s.epoch, s.offset, s.version = s.vEpoch, s.vEnd, 2
	} else if s.offset != 0 {
		s.forceReset = true
	}
	return nil
}

// dropReadPast forgets read state that a repair cut away.
func (s *Store) dropReadPast(lf logFile) {
	if s.epoch != lf.hdr.epoch || s.offset > lf.fr.end {
		if s.offset != 0 {
			s.forceReset = true
		}
		return
	}
	for off := range s.skip {
		if off >= lf.fr.end {
			delete(s.skip, off)
		}
	}
}
