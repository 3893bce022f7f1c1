// Package store keeps one plan's bytes on disk as a snapshot plus an
// append-only log of checksummed records, shared safely between processes
// that hold the same folder open. It stores opaque bytes and knows nothing
// of the plan schema or the engine that produced them.
//
// A plan folder holds:
//
//	snapshot         the last compacted state, replaced atomically
//	log              "CPLNLOG1", an 8-byte epoch, then records of
//	                 big-endian length, CRC-32C, payload
//	lock             taken shared to read, exclusive to write
//	open.lock        taken by TryLockExclusive (one window per plan)
//	*.damaged-<ns>   damaged files set aside by recovery, never deleted
package store

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/coplan/coplan/internal/atomicfile"
)

// Storage errors; callers match them with errors.Is.
var (
	ErrCorrupt       = errors.New("corrupt plan file")
	ErrStale         = errors.New("plan log has changes this window has not read yet")
	ErrOpenElsewhere = errors.New("plan is open in another Coplan window")
)

const (
	logMagic    = "CPLNLOG1"
	headerSize  = 16 // magic + epoch
	frameHeader = 8  // length + crc
	maxFrame    = 256 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// RecoveryReport says what Load had to do to a damaged log. Nothing is
// deleted: every damaged file is kept aside under the names in Kept.
type RecoveryReport struct {
	Kept         []string // paths of the damaged copies
	DroppedBytes int64
	Messages     []string
}

func (r *RecoveryReport) merge(o *RecoveryReport) *RecoveryReport {
	if o == nil {
		return r
	}
	if r == nil {
		return o
	}
	r.Kept = append(r.Kept, o.Kept...)
	r.DroppedBytes += o.DroppedBytes
	r.Messages = append(r.Messages, o.Messages...)
	return r
}

// Store is the on-disk form of one plan: a snapshot plus an append-only log
// of incremental chunks, shared safely between processes with file locks.
type Store struct {
	dir string

	mu     sync.Mutex // file locks are per open file, not per goroutine
	lockF  *os.File
	openF  *os.File // held by TryLockExclusive
	closed bool

	// Read position: what the caller has been given.
	loaded     bool
	snapID     fileID
	epoch      [8]byte // zero: no log seen
	offset     int64   // 0: no log seen
	skip       map[int64]bool
	forceReset bool

	// Validated prefix of the log (may run ahead of offset via Append).
	vEpoch [8]byte
	vEnd   int64
	vCount int

	pending *RecoveryReport
}

// fileID tells a replaced snapshot from the one we read. dev and ino come
// from the platform (fileid_*.go): device and inode, or volume and file index.
type fileID struct {
	exists   bool
	dev, ino uint64
	size     int64
	mtime    int64
}

type record struct {
	off  int64
	data []byte
}

// logScan is the parsed state of the log file.
type logScan struct {
	exists    bool
	size      int64
	epoch     [8]byte
	badHeader bool
	recs      []record
	end       int64  // just past the last good record
	damage    string // empty when clean
	torn      bool   // damage is a short final record: an unacknowledged append
}

// Open opens the plan directory dir, creating it and its lock file if
// missing. It reads no data.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create plan folder %s: %w", dir, err)
	}
	p := filepath.Join(dir, "lock")
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", p, err)
	}
	return &Store{dir: dir, lockF: f}, nil
}

// Dir is the plan directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) snapPath() string { return filepath.Join(s.dir, "snapshot") }
func (s *Store) logPath() string  { return filepath.Join(s.dir, "log") }

func (s *Store) check() error {
	if s.closed {
		return fmt.Errorf("plan store %s: %w", s.dir, os.ErrClosed)
	}
	return nil
}

// How lockFile (lock_*.go) takes a lock.
type lockMode int

const (
	lockShared lockMode = iota
	lockExclusive
	lockTryExclusive // fails with errLocked rather than wait
)

// errLocked is lockFile's answer when lockTryExclusive would have to wait.
var errLocked = errors.New("locked by another holder")

func (s *Store) lock(mode lockMode) error {
	if err := lockFile(s.lockF, mode); err != nil {
		return fmt.Errorf("lock %s: %w", s.lockF.Name(), err)
	}
	return nil
}

func (s *Store) unlock() { _ = unlockFile(s.lockF) }

// Load reads the snapshot (nil if none) and every log record in order, and
// remembers how far it read for ReadNew. A damaged log is copied aside and
// cut back to its last good record; rep is non-nil when acknowledged data
// may have been lost (a torn final record from a crash mid-append is not).
func (s *Store) Load() (snapshot []byte, chunks [][]byte, rep *RecoveryReport, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return nil, nil, nil, err
	}
	snapshot, chunks, err = s.resetRead()
	if err != nil {
		return nil, nil, nil, err
	}
	rep, s.pending = s.pending, nil
	return snapshot, chunks, rep, nil
}

// resetRead reads everything under a shared lock, retrying under an exclusive one with
// repair if the log is damaged, and sets the read position. Repair reports
// go to s.pending.
func (s *Store) resetRead() ([]byte, [][]byte, error) {
	if err := s.lock(lockShared); err != nil {
		return nil, nil, err
	}
	snap, id, sc, err := s.readAll()
	s.unlock()
	if err != nil {
		return nil, nil, err
	}
	if sc.damage != "" {
		if err := s.lock(lockExclusive); err != nil {
			return nil, nil, err
		}
		snap, id, sc, err = s.readAll()
		if err == nil && sc.damage != "" {
			err = s.repair(&sc)
		}
		s.unlock()
		if err != nil {
			return nil, nil, err
		}
	}
	s.loaded = true
	s.snapID = id
	s.forceReset = false
	s.skip = nil
	s.setPosition(sc)
	s.vEpoch, s.vEnd, s.vCount = sc.epoch, sc.end, len(sc.recs)
	chunks := make([][]byte, len(sc.recs))
	for i, r := range sc.recs {
		chunks[i] = r.data
	}
	return snap, chunks, nil
}

func (s *Store) setPosition(sc logScan) {
	if sc.exists {
		s.epoch, s.offset = sc.epoch, sc.end
	} else {
		s.epoch, s.offset = [8]byte{}, 0
	}
}

func (s *Store) readAll() ([]byte, fileID, logScan, error) {
	snap, id, err := readSnapshot(s.snapPath())
	if err != nil {
		return nil, id, logScan{}, err
	}
	sc, err := scanLog(s.logPath(), 0)
	return snap, id, sc, err
}

func readSnapshot(p string) ([]byte, fileID, error) {
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fileID{}, nil
	}
	if err != nil {
		return nil, fileID{}, fmt.Errorf("open snapshot %s: %w", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fileID{}, fmt.Errorf("stat snapshot %s: %w", p, err)
	}
	b := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fileID{}, fmt.Errorf("read snapshot %s: %w", p, err)
	}
	id, err := idOf(f, fi)
	if err != nil {
		return nil, fileID{}, fmt.Errorf("identify snapshot %s: %w", p, err)
	}
	return b, id, nil
}

// scanLog reads the log header and the records from offset from on.
func scanLog(p string, from int64) (logScan, error) {
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return logScan{}, nil
	}
	if err != nil {
		return logScan{}, fmt.Errorf("open log %s: %w", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return logScan{}, fmt.Errorf("stat log %s: %w", p, err)
	}
	size := fi.Size()
	hdr := make([]byte, min(size, headerSize))
	if _, err := f.ReadAt(hdr, 0); err != nil && err != io.EOF {
		return logScan{}, fmt.Errorf("read log %s: %w", p, err)
	}
	from = max(from, headerSize)
	var tail []byte
	if size > from {
		tail = make([]byte, size-from)
		if _, err := f.ReadAt(tail, from); err != nil && err != io.EOF {
			return logScan{}, fmt.Errorf("read log %s: %w", p, err)
		}
	}
	return parseLog(hdr, tail, from, size), nil
}

// parseLog parses records in tail, which starts at file offset base.
func parseLog(hdr, tail []byte, base, size int64) logScan {
	sc := logScan{exists: true, size: size}
	if len(hdr) < headerSize || string(hdr[:8]) != logMagic {
		sc.badHeader = true
		sc.damage = "bad log header"
		return sc
	}
	copy(sc.epoch[:], hdr[8:16])
	i := 0
	for i < len(tail) {
		off := base + int64(i)
		rest := tail[i:]
		if len(rest) < frameHeader {
			sc.torn = true
			sc.damage = fmt.Sprintf("short record header at offset %d", off)
			break
		}
		n := binary.BigEndian.Uint32(rest)
		sum := binary.BigEndian.Uint32(rest[4:])
		// Append never writes empty records; zeros here are damage, not data.
		if n == 0 {
			sc.damage = fmt.Sprintf("empty record at offset %d", off)
			break
		}
		if n > maxFrame {
			sc.damage = fmt.Sprintf("record length %d at offset %d exceeds the limit", n, off)
			break
		}
		if int64(n) > int64(len(rest)-frameHeader) {
			sc.torn = true
			sc.damage = fmt.Sprintf("short record at offset %d (%d of %d bytes)", off, len(rest)-frameHeader, n)
			break
		}
		payload := rest[frameHeader : frameHeader+int(n) : frameHeader+int(n)]
		if crc32.Checksum(payload, castagnoli) != sum {
			sc.damage = fmt.Sprintf("checksum mismatch in record at offset %d", off)
			break
		}
		sc.recs = append(sc.recs, record{off: off, data: payload})
		i += frameHeader + int(n)
	}
	sc.end = base + int64(i)
	return sc
}

// repair keeps a copy of the damaged log, then cuts the log back to its good
// records (or starts a fresh one if the header is bad). Caller holds the
// exclusive lock;
// sc must come from a full scan.
func (s *Store) repair(sc *logScan) error {
	p := s.logPath()
	fail := func(err error) error {
		return fmt.Errorf("log %s: %s (could not repair: %v): %w", p, sc.damage, err, ErrCorrupt)
	}
	kept, err := copyAside(p)
	if err != nil {
		return fail(err)
	}
	dropped := sc.size - sc.end
	if sc.badHeader {
		if sc.epoch, err = s.writeFreshLog(); err != nil {
			return fail(err)
		}
		sc.end, sc.size, sc.badHeader = headerSize, headerSize, false
	} else {
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return fail(err)
		}
		err = f.Truncate(sc.end)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fail(err)
		}
		sc.size = sc.end
	}
	if !sc.torn {
		s.pending = s.pending.merge(&RecoveryReport{
			Kept:         []string{kept},
			DroppedBytes: dropped,
			Messages: []string{fmt.Sprintf("%s: %s; %d bytes after it were dropped; the damaged file is kept at %s",
				p, sc.damage, dropped, kept)},
		})
	}
	sc.damage, sc.torn = "", false
	return nil
}

// copyAside copies p to p.damaged-<unix-nanos>, durably.
func copyAside(p string) (string, error) {
	src, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer src.Close()
	var dst *os.File
	var name string
	for n := time.Now().UnixNano(); ; n++ {
		name = fmt.Sprintf("%s.damaged-%d", p, n)
		dst, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if !errors.Is(err, os.ErrExist) {
			break
		}
	}
	if err != nil {
		return "", err
	}
	_, err = io.Copy(dst, src)
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = atomicfile.SyncDir(filepath.Dir(p))
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

func (s *Store) writeFreshLog() ([8]byte, error) {
	var epoch [8]byte
	if _, err := rand.Read(epoch[:]); err != nil {
		return epoch, err
	}
	hdr := append([]byte(logMagic), epoch[:]...)
	return epoch, atomicfile.WriteFile(s.logPath(), hdr, 0o600)
}

// Append durably appends one chunk: the record is written with one write call
// and fsynced before Append returns. Empty chunks are not written.
func (s *Store) Append(chunk []byte) error {
	if len(chunk) == 0 {
		return nil
	}
	p := s.logPath()
	if len(chunk) > maxFrame {
		return fmt.Errorf("append to log %s: chunk of %d bytes exceeds the limit", p, len(chunk))
	}
	rec := make([]byte, frameHeader+len(chunk))
	binary.BigEndian.PutUint32(rec, uint32(len(chunk)))
	binary.BigEndian.PutUint32(rec[4:], crc32.Checksum(chunk, castagnoli))
	copy(rec[frameHeader:], chunk)

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return err
	}
	if err := s.lock(lockExclusive); err != nil {
		return err
	}
	defer s.unlock()

	f, epoch, at, err := s.openForAppend()
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.WriteAt(rec, at); err != nil {
		_ = f.Truncate(at) // never leave a torn record behind a live writer
		return fmt.Errorf("append to log %s: %w", p, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync log %s: %w", p, err)
	}
	end := at + int64(len(rec))
	s.vEnd, s.vCount = end, s.vCount+1
	if s.loaded && !s.forceReset {
		if s.offset == 0 && s.epoch == [8]byte{} {
			// The log is new since we read; its header is nothing to return.
			s.epoch, s.offset = epoch, headerSize
		}
		if s.epoch == epoch {
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
	return nil
}

// openForAppend returns the log open for writing and the offset at which to
// append, creating the log if missing and validating (and repairing) any part
// this Store has not yet checked, so a record never lands behind a torn one.
// Caller holds the exclusive lock.
func (s *Store) openForAppend() (*os.File, [8]byte, int64, error) {
	p := s.logPath()
	for range 3 {
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if errors.Is(err, os.ErrNotExist) {
			epoch, err := s.writeFreshLog()
			if err != nil {
				return nil, epoch, 0, err
			}
			s.vEpoch, s.vEnd, s.vCount = epoch, headerSize, 0
			continue
		}
		if err != nil {
			return nil, [8]byte{}, 0, fmt.Errorf("open log %s: %w", p, err)
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, [8]byte{}, 0, fmt.Errorf("stat log %s: %w", p, err)
		}
		hdr := make([]byte, min(fi.Size(), headerSize))
		if _, err := f.ReadAt(hdr, 0); err != nil && err != io.EOF {
			f.Close()
			return nil, [8]byte{}, 0, fmt.Errorf("read log %s: %w", p, err)
		}
		var epoch [8]byte
		if len(hdr) == headerSize {
			copy(epoch[:], hdr[8:])
		}
		if fi.Size() == s.vEnd && epoch == s.vEpoch && string(hdr[:min(8, len(hdr))]) == logMagic {
			return f, epoch, s.vEnd, nil
		}
		f.Close()
		// Unchecked bytes: another process appended, compacted or crashed.
		from := s.vEnd
		if epoch != s.vEpoch || fi.Size() < s.vEnd {
			from = 0
		}
		sc, err := scanLog(p, from)
		if err != nil {
			return nil, epoch, 0, err
		}
		if sc.damage != "" {
			if sc, err = scanLog(p, 0); err != nil {
				return nil, epoch, 0, err
			}
			if err := s.repair(&sc); err != nil {
				return nil, epoch, 0, err
			}
			s.dropReadPast(sc)
			s.vEpoch, s.vEnd, s.vCount = sc.epoch, sc.end, len(sc.recs)
			continue
		}
		if from == 0 {
			s.vEpoch, s.vEnd, s.vCount = sc.epoch, sc.end, len(sc.recs)
		} else {
			s.vEnd, s.vCount = sc.end, s.vCount+len(sc.recs)
		}
	}
	return nil, [8]byte{}, 0, fmt.Errorf("append to log %s: log keeps changing under the lock", p)
}

// dropReadPast forgets read state that a repair cut away.
func (s *Store) dropReadPast(sc logScan) {
	if s.epoch != sc.epoch || s.offset > sc.end {
		if s.offset != 0 {
			s.forceReset = true
		}
		return
	}
	for off := range s.skip {
		if off >= sc.end {
			delete(s.skip, off)
		}
	}
}

// ReadNew returns what other processes wrote since this Store last read or
// wrote. If the snapshot was replaced (another process compacted) or the log
// was rebuilt, reset is true and it returns the snapshot and every record.
func (s *Store) ReadNew() (snapshot []byte, chunks [][]byte, reset bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return nil, nil, false, err
	}
	if !s.loaded || s.forceReset {
		snapshot, chunks, err = s.resetRead()
		return snapshot, chunks, err == nil, err
	}
	if err := s.lock(lockShared); err != nil {
		return nil, nil, false, err
	}
	chunks, needReset, err := s.readTail()
	s.unlock()
	if err != nil {
		return nil, nil, false, err
	}
	if needReset {
		snapshot, chunks, err = s.resetRead()
		return snapshot, chunks, err == nil, err
	}
	return nil, chunks, false, nil
}

// readTail reads records past the read position. Caller holds a lock.
func (s *Store) readTail() (chunks [][]byte, needReset bool, err error) {
	id, err := statID(s.snapPath())
	if err != nil {
		return nil, false, err
	}
	if id != s.snapID {
		return nil, true, nil
	}
	from := s.offset
	if from == 0 {
		from = headerSize
	}
	sc, err := scanLog(s.logPath(), from)
	if err != nil {
		return nil, false, err
	}
	switch {
	case !sc.exists:
		return nil, s.offset != 0, nil
	case sc.damage != "":
		return nil, true, nil
	case s.offset != 0 && (sc.epoch != s.epoch || sc.size < s.offset):
		return nil, true, nil
	}
	for _, r := range sc.recs {
		if s.skip[r.off] {
			delete(s.skip, r.off)
			continue
		}
		chunks = append(chunks, r.data)
	}
	if sc.epoch == s.vEpoch {
		for _, r := range sc.recs {
			if r.off >= s.vEnd {
				s.vCount++
			}
		}
		s.vEnd = max(s.vEnd, sc.end)
	} else {
		s.vEpoch, s.vEnd, s.vCount = sc.epoch, sc.end, len(sc.recs)
	}
	s.epoch, s.offset = sc.epoch, sc.end
	return chunks, false, nil
}

// Compact replaces the snapshot with saved, which must include every change in
// the log this Store has read, and starts an empty log with a new epoch. If
// the log holds records this Store has not read it returns ErrStale: call
// ReadNew, merge, save and try again.
func (s *Store) Compact(saved []byte) error {
	if len(saved) == 0 {
		return fmt.Errorf("compact %s: empty snapshot", s.snapPath())
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

	sp, lp := s.snapPath(), s.logPath()
	id, err := statID(sp)
	if err != nil {
		return err
	}
	if id != s.snapID || s.forceReset {
		return fmt.Errorf("compact %s: snapshot replaced since last read: %w", sp, ErrStale)
	}
	sc, err := scanLog(lp, max(s.offset, headerSize))
	if err != nil {
		return err
	}
	if sc.exists {
		switch {
		case sc.badHeader || s.offset == 0 && sc.size > headerSize:
			return fmt.Errorf("compact %s: log has unread records: %w", lp, ErrStale)
		case s.offset != 0 && (sc.epoch != s.epoch || sc.size != s.offset):
			return fmt.Errorf("compact %s: log has unread records: %w", lp, ErrStale)
		}
	}
	// Snapshot first: a crash before the new log lands leaves the old log,
	// whose changes the new snapshot already holds.
	if err := atomicfile.WriteFile(sp, saved, 0o600); err != nil {
		return err
	}
	if id, err = statID(sp); err != nil {
		return err
	}
	s.snapID = id
	// The old log may still be live if the next step fails.
	s.forceReset = true
	epoch, err := s.writeFreshLog()
	if err != nil {
		return err
	}
	s.forceReset = false
	s.loaded = true
	s.epoch, s.offset, s.skip = epoch, headerSize, nil
	s.vEpoch, s.vEnd, s.vCount = epoch, headerSize, 0
	return nil
}

// QuarantineSnapshot moves a snapshot the caller cannot parse aside to
// snapshot.damaged-<unix-nanos> and returns that path.
func (s *Store) QuarantineSnapshot() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return "", err
	}
	if err := s.lock(lockExclusive); err != nil {
		return "", err
	}
	defer s.unlock()
	sp := s.snapPath()
	var name string
	for n := time.Now().UnixNano(); ; n++ {
		name = fmt.Sprintf("%s.damaged-%d", sp, n)
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			break
		}
	}
	if err := os.Rename(sp, name); err != nil {
		return "", fmt.Errorf("move damaged snapshot %s aside: %w", sp, err)
	}
	if err := atomicfile.SyncDir(s.dir); err != nil {
		return "", fmt.Errorf("sync folder %s: %w", s.dir, err)
	}
	s.snapID = fileID{}
	return name, nil
}

// TakeRecoveryReport returns, and forgets, what Append or ReadNew repaired in
// a log damaged by another process (Load returns such reports itself).
func (s *Store) TakeRecoveryReport() *RecoveryReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	rep := s.pending
	s.pending = nil
	return rep
}

// Sizes reports the bytes on disk of the snapshot and the log.
func (s *Store) Sizes() (snapshot, log int64, err error) {
	for _, x := range []struct {
		p string
		n *int64
	}{{s.snapPath(), &snapshot}, {s.logPath(), &log}} {
		fi, err := os.Stat(x.p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, 0, fmt.Errorf("stat %s: %w", x.p, err)
		}
		*x.n = fi.Size()
	}
	return snapshot, log, nil
}

// LogRecords is the number of records in the log as of this Store's last
// read or write.
func (s *Store) LogRecords() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.vCount
}

// TryLockExclusive takes the optional whole-plan lock (open.lock) without
// waiting; it returns ErrOpenElsewhere if another process holds it.
func (s *Store) TryLockExclusive() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return err
	}
	if s.openF != nil {
		return nil
	}
	p := filepath.Join(s.dir, "open.lock")
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open %s: %w", p, err)
	}
	if err := lockFile(f, lockTryExclusive); err != nil {
		f.Close()
		if err == errLocked {
			return fmt.Errorf("%s: %w", s.dir, ErrOpenElsewhere)
		}
		return fmt.Errorf("lock %s: %w", p, err)
	}
	s.openF = f
	return nil
}

// Unlock releases the lock taken by TryLockExclusive.
func (s *Store) Unlock() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unlockOpen()
}

func (s *Store) unlockOpen() error {
	if s.openF == nil {
		return nil
	}
	f := s.openF
	s.openF = nil
	err := unlockFile(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Close releases the Store's files and locks.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.unlockOpen()
	if cerr := s.lockF.Close(); err == nil {
		err = cerr
	}
	return err
}
