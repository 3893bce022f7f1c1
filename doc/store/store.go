// Package store keeps one plan's bytes on disk as a snapshot plus an
// append-only log of checksummed records, shared safely between processes
// that hold the same folder open. It stores opaque bytes and knows nothing
// of the plan schema or the engine that produced them.
//
// A plan folder holds two generations (format.go has the byte layouts):
//
//	snapshot         the newest compacted state, with its generation
//	log              the records appended since snapshot was cut
//	log.ack          the last record known durable (fsynced)
//	snapshot.prev    the generation before, kept as a fallback
//	log.prev         the records that led from snapshot.prev onwards
//	lock             taken shared to read, exclusive to write
//	open.lock        taken by TryLockExclusive (one window per plan)
//	*.damaged-<ns>   damaged files set aside by recovery, never deleted
//
// Reading takes the newest snapshot that is whole (checksum) and that the
// caller's engine accepts, then every log of its generation or later;
// merging a record twice is harmless, so a log that overlaps a snapshot
// costs time, not correctness. A compaction (CompactFrom) writes the next
// generation beside the current one and renames it into place in an order
// that leaves, after a crash at any instant, a readable set of files that
// holds every acknowledged record; the generation it replaces becomes the
// fallback, and the one before that goes.
//
// Durability (group commit, flush.go): Write puts a record in the log with
// one write call and returns; it then survives any crash of the process
// (the kernel's page cache holds it) but not yet a power loss. The
// Store's flusher fsyncs the log as soon as anything written is not, one
// fsync covering every record written meanwhile, and only then names the
// last of them in log.ack: a record is durable once an fsync covered it,
// and the ack never names one that was not. Append (Write, then wait;
// it runs the fsync itself when none is in flight), Sync and Close return
// only once every record this Store wrote is durable. A failed fsync is sticky: Sync, Append, Write and Close return
// it, nothing after the last good fsync is acknowledged, and OnSyncError
// is told. A compaction makes every record durable: the snapshot and the
// new log it renames into place are fsynced before the renames, and the
// old log, kept as the fallback, is fsynced first if it holds records of
// this Store's not yet synced.
package store

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/coplan/coplan/internal/atomicfile"
)

// Storage errors; callers match them with errors.Is.
var (
	ErrCorrupt       = errors.New("corrupt plan file")
	ErrStale         = errors.New("plan log has changes this window has not read yet")
	ErrOpenElsewhere = errors.New("plan is open in another Coplan window")
	ErrReadOnly      = errors.New("the plan's folder is read-only: edits are off")
)

// File names in a plan folder.
const (
	snapName     = "snapshot"
	prevSnapName = "snapshot.prev"
	logName      = "log"
	prevLogName  = "log.prev"
	ackName      = "log.ack"
	lockName     = "lock"
	openLockName = "open.lock"
	tempPrefix   = ".next-" // a compaction's files before they are renamed in
)

// RecoveryReport says what reading the plan had to work around. Nothing
// is deleted: every damaged file is kept aside under the names in Kept.
type RecoveryReport struct {
	Kept         []string // paths of the damaged copies set aside
	DroppedBytes int64    // unreadable bytes skipped
	// LostRecords counts acknowledged records known to be gone: damaged,
	// cut short, or missing from the numbering.
	LostRecords int
	// Loud is set when acknowledged data was lost or may have been: the
	// caller should tell the user at error level.
	Loud bool
	// Fallback is set when the newest snapshot could not be used and an
	// older generation (or the logs alone) was read instead.
	Fallback bool
	Messages []string
}

// Merge adds o's findings to r and returns the result (either may be nil).
func (r *RecoveryReport) Merge(o *RecoveryReport) *RecoveryReport { return r.merge(o) }

// Note adds a message (and, with loud, marks the report loud) and returns
// the report, made if r is nil.
func (r *RecoveryReport) Note(loud bool, format string, a ...any) *RecoveryReport {
	r = r.add(format, a...)
	r.Loud = r.Loud || loud
	return r
}

func (r *RecoveryReport) merge(o *RecoveryReport) *RecoveryReport {
	if o == nil {
		return r
	}
	if r == nil {
		c := *o
		return &c
	}
	r.Kept = append(r.Kept, o.Kept...)
	r.DroppedBytes += o.DroppedBytes
	r.LostRecords += o.LostRecords
	r.Loud = r.Loud || o.Loud
	r.Fallback = r.Fallback || o.Fallback
	r.Messages = append(r.Messages, o.Messages...)
	return r
}

func (r *RecoveryReport) add(format string, a ...any) *RecoveryReport {
	if r == nil {
		r = &RecoveryReport{}
	}
	r.Messages = append(r.Messages, fmt.Sprintf(format, a...))
	return r
}

// Store is the on-disk form of one plan: a snapshot plus an append-only log
// of incremental chunks, shared safely between processes with file locks.
type Store struct {
	dir string

	mu       sync.Mutex // file locks are per open file, not per goroutine
	lockF    *os.File   // nil: a read-only folder without a lock file
	openF    *os.File   // held by TryLockExclusive
	closed   bool
	readOnly error // why the folder cannot be written, or nil
	inflight sync.WaitGroup
	// journalOK: this process checked the heads journal's tail (journal.go).
	journalOK bool

	// Read position: what the caller has been given.
	loaded      bool
	snapID      fileID // the snapshot file when last read or followed
	snapGen     uint64
	snapRecords uint64
	snapBytes   int64
	maxGen      uint64  // the highest generation seen in any header
	epoch       epochID // the log followed; zero: none seen
	offset      int64   // 0: no log seen
	version     int     // that log's format version
	skip        map[int64]bool
	stash       [][]byte // records read for the caller, for the next ReadNew
	forceReset  bool
	rejected    map[fileID]bool // snapshots the caller's engine refused
	lastSnap    string          // the file the last Load's snapshot came from

	// Validated prefix of the log (may run ahead of offset via Append).
	vEpoch   epochID
	vGen     uint64
	vVersion int
	vEnd     int64
	vCount   int
	vSeq     uint64

	pending *RecoveryReport

	// Kept open between appends where the platform lets a file open here
	// be renamed elsewhere (not Windows): the log, checked by identity
	// before each use, and the acknowledgement, which is never renamed.
	logF  *os.File
	logFI os.FileInfo
	ackF  *os.File

	fl flushState // group commit: the flusher and what it has synced (flush.go)

	appendTime, syncTime time.Duration // spent in Append and Write, and waiting for fsync
	syncCPU              time.Duration // the processor's time in the fsyncs
	appends              int
	appendBytes          int64
}

// fileID tells a replaced snapshot from the one we read. dev and ino come
// from the platform (fileid_*.go): device and inode, or volume and file index.
type fileID struct {
	exists   bool
	dev, ino uint64
	size     int64
	mtime    int64
}

// Open opens the plan directory dir, creating it and its lock file if
// missing. It reads no data. A folder that cannot be written (a read-only
// medium, or no permission) opens read-only: reading works, under a shared
// lock when the lock file exists, and every write returns ErrReadOnly.
func Open(dir string) (*Store, error) {
	s := &Store{dir: dir}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		if fi, serr := os.Stat(dir); serr != nil || !fi.IsDir() || !IsReadOnlyError(err) {
			return nil, fmt.Errorf("create plan folder %s: %w", dir, err)
		}
		s.readOnly = err
	}
	if s.readOnly == nil {
		s.readOnly = dirWritable(dir)
	}
	p := filepath.Join(dir, lockName)
	if s.readOnly == nil {
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
		if err == nil {
			s.lockF = f
			return s, nil
		}
		if !IsReadOnlyError(err) {
			return nil, fmt.Errorf("open lock file %s: %w", p, err)
		}
		s.readOnly = err
	}
	// Read-only: a shared lock on a read-only descriptor still keeps a
	// writer on the same folder (another mount, another user) from
	// compacting under us; without a lock file nobody writes here.
	f, err := os.Open(p)
	switch {
	case err == nil:
		s.lockF = f
	case !errors.Is(err, fs.ErrNotExist) && !IsReadOnlyError(err):
		return nil, fmt.Errorf("open lock file %s: %w", p, err)
	}
	return s, nil
}

// IsReadOnlyError reports whether err says a file or folder cannot be
// written because the medium is read-only or permission is lacking, as
// opposed to any other failure.
func IsReadOnlyError(err error) bool {
	return errors.Is(err, syscall.EROFS) || errors.Is(err, fs.ErrPermission) || isPlatformReadOnly(err)
}

// FolderReadOnly returns why dir cannot be written (wrapping ErrReadOnly),
// or nil when it can.
func FolderReadOnly(dir string) error {
	if err := dirWritable(dir); err != nil {
		return fmt.Errorf("%s: %w (%v)", dir, ErrReadOnly, err)
	}
	return nil
}

// ReadOnly returns why the plan's folder cannot be written (wrapping
// ErrReadOnly), or nil when it can.
func (s *Store) ReadOnly() error {
	if s.readOnly == nil {
		return nil
	}
	return fmt.Errorf("%s: %w (%v)", s.dir, ErrReadOnly, s.readOnly)
}

// Dir is the plan directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(name string) string { return filepath.Join(s.dir, name) }

func (s *Store) check() error {
	if s.closed {
		return fmt.Errorf("plan store %s: %w", s.dir, os.ErrClosed)
	}
	return nil
}

func (s *Store) checkWrite() error {
	if err := s.check(); err != nil {
		return err
	}
	return s.ReadOnly()
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
	if s.lockF == nil {
		return nil
	}
	if err := lockFile(s.lockF, mode); err != nil {
		return fmt.Errorf("lock %s: %w", s.lockF.Name(), err)
	}
	return nil
}

func (s *Store) unlock() {
	if s.lockF != nil {
		_ = unlockFile(s.lockF)
	}
}

func newEpoch() (epochID, error) {
	var e epochID
	_, err := rand.Read(e[:])
	return e, err
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

// moveAside renames p to p.damaged-<unix-nanos> and returns the new name.
func moveAside(p string) (string, error) {
	var name string
	for n := time.Now().UnixNano(); ; n++ {
		name = fmt.Sprintf("%s.damaged-%d", p, n)
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			break
		}
	}
	if err := os.Rename(p, name); err != nil {
		return "", fmt.Errorf("move damaged %s aside: %w", p, err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(p)); err != nil {
		return "", fmt.Errorf("sync folder %s: %w", filepath.Dir(p), err)
	}
	return name, nil
}

// writeTemp writes data durably to a new temporary file in dir and returns
// its path; the caller renames it into place or removes it.
func writeTemp(dir, name string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, "."+name+tempPrefix+"*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", filepath.Join(dir, name), err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("write %s: %w", filepath.Join(dir, name), err)
	}
	return f.Name(), nil
}

// renameSync renames from to to and makes the rename durable.
func renameSync(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return err
	}
	return atomicfile.SyncDir(filepath.Dir(to))
}

// Stats is what a caller needs to decide when to compact, without touching
// the disk.
type Stats struct {
	LogRecords      int    // records in the log
	LogBytes        int64  // its size
	SnapshotRecords uint64 // records folded into the snapshot over time
	SnapshotBytes   int64  // the snapshot's size

	// Over this Store's life: appends, the time Append and Write took,
	// and the part of it spent waiting for fsync (by Append and Sync: a
	// Write does not wait).
	Appends              int
	AppendBytes          int64
	AppendTime, SyncTime time.Duration
	// SyncCPU is the CPU time (mostly the kernel's) the log's fsyncs took,
	// on whichever thread ran them, where the platform can tell (Linux).
	SyncCPU time.Duration
}

// Stats reports the log and snapshot as of this Store's last read or write.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{LogRecords: s.vCount, LogBytes: s.vEnd, SnapshotRecords: s.snapRecords, SnapshotBytes: s.snapBytes,
		Appends: s.appends, AppendBytes: s.appendBytes, AppendTime: s.appendTime, SyncTime: s.syncTime, SyncCPU: s.syncCPU}
}

// Sizes reports the bytes on disk of the snapshot and the log, and of the
// previous generation kept as a fallback.
func (s *Store) Sizes() (snapshot, log int64, err error) {
	for _, x := range []struct {
		p string
		n *int64
	}{{s.path(snapName), &snapshot}, {s.path(logName), &log}} {
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

// PrevSizes reports the bytes on disk of the fallback generation.
func (s *Store) PrevSizes() (snapshot, log int64) {
	if fi, err := os.Stat(s.path(prevSnapName)); err == nil {
		snapshot = fi.Size()
	}
	if fi, err := os.Stat(s.path(prevLogName)); err == nil {
		log = fi.Size()
	}
	return snapshot, log
}

// LogRecords is the number of records in the log as of this Store's last
// read or write.
func (s *Store) LogRecords() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.vCount
}

// Fingerprint identifies the state of the plan's files (snapshot and log:
// identity, size, time), so a cache can tell whether it still matches them.
func (s *Store) Fingerprint() (string, error) {
	a, err := statID(s.path(snapName))
	if err != nil {
		return "", err
	}
	b, err := statID(s.path(logName))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%x.%x.%x.%x/%x.%x.%x.%x", a.dev, a.ino, a.size, a.mtime, b.dev, b.ino, b.size, b.mtime), nil
}

// Fingerprint is Store.Fingerprint for the plan folder dir, without opening
// a Store.
func Fingerprint(dir string) (string, error) {
	return (&Store{dir: dir}).Fingerprint()
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

// TryLockExclusive takes the optional whole-plan lock (open.lock) without
// waiting; it returns ErrOpenElsewhere if another process holds it. On a
// read-only folder there is nothing to guard, and it does nothing.
func (s *Store) TryLockExclusive() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return err
	}
	if s.openF != nil || s.readOnly != nil {
		return nil
	}
	p := s.path(openLockName)
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

// Close releases the Store's files and locks, after any compaction that is
// writing its files has finished or given up.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.stopFlusherLocked()
	s.mu.Unlock()
	s.inflight.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.unlockOpen()
	s.dropLogFile()
	if s.fl.err != nil && err == nil {
		err = s.fl.err
	}
	if s.ackF != nil {
		s.ackF.Close()
		s.ackF = nil
	}
	if s.lockF != nil {
		if cerr := s.lockF.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
