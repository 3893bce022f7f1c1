package doc

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
	"syscall"
	"time"
)

// Storage errors; callers match them with errors.Is.
var (
	ErrCorrupt       = errors.New("corrupt plan file")
	ErrStale         = errors.New("plan log has changes this window has not read yet")
	ErrOpenElsewhere = errors.New("plan is open in another Coplan window")
)

const (
	storeLogMagic    = "CPLNLOG1"
	storeHeaderSize  = 16 // magic + epoch
	storeFrameHeader = 8  // length + crc
	storeMaxFrame    = 256 << 20
)

var storeCastagnoli = crc32.MakeTable(crc32.Castagnoli)

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
// of incremental chunks, shared safely between processes with flock. It
// stores opaque bytes and knows nothing about the plan schema.
type Store struct {
	dir string

	mu     sync.Mutex // flock is per open file, not per goroutine
	lockF  *os.File
	openF  *os.File // held by TryLockExclusive
	closed bool

	// Read position: what the caller has been given.
	loaded     bool
	snapID     storeFileID
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

// storeFileID tells a replaced snapshot from the one we read.
type storeFileID struct {
	exists   bool
	dev, ino uint64
	size     int64
	mtime    int64
}

func storeIDOf(fi os.FileInfo) storeFileID {
	id := storeFileID{exists: true, size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.dev, id.ino = uint64(st.Dev), uint64(st.Ino)
	}
	return id
}

type storeRec struct {
	off  int64
	data []byte
}

// storeScan is the parsed state of the log file.
type storeScan struct {
	exists    bool
	size      int64
	epoch     [8]byte
	badHeader bool
	recs      []storeRec
	end       int64  // just past the last good record
	damage    string // empty when clean
	torn      bool   // damage is a short final record: an unacknowledged append
}

// OpenStore opens the plan directory dir, creating it and its lock file if
// missing. It reads no data.
func OpenStore(dir string) (*Store, error) {
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

// Lock modes for storeFlock. The flock calls and storeIDOf are the only
// unix-specific code here.
const (
	storeLockSH   = syscall.LOCK_SH
	storeLockEX   = syscall.LOCK_EX
	storeLockTry  = syscall.LOCK_EX | syscall.LOCK_NB
	storeLockFree = syscall.LOCK_UN
)

func storeFlock(f *os.File, how int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			if ferr = syscall.Flock(int(fd), how); ferr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	if how == storeLockTry && ferr == syscall.EWOULDBLOCK {
		return ErrOpenElsewhere
	}
	return ferr
}

func (s *Store) lock(how int) error {
	if err := storeFlock(s.lockF, how); err != nil {
		return fmt.Errorf("lock %s: %w", s.lockF.Name(), err)
	}
	return nil
}

func (s *Store) unlock() { _ = storeFlock(s.lockF, storeLockFree) }

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

// resetRead reads everything under LOCK_SH, retrying under LOCK_EX with
// repair if the log is damaged, and sets the read position. Repair reports
// go to s.pending.
func (s *Store) resetRead() ([]byte, [][]byte, error) {
	if err := s.lock(storeLockSH); err != nil {
		return nil, nil, err
	}
	snap, id, sc, err := s.readAll()
	s.unlock()
	if err != nil {
		return nil, nil, err
	}
	if sc.damage != "" {
		if err := s.lock(storeLockEX); err != nil {
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

func (s *Store) setPosition(sc storeScan) {
	if sc.exists {
		s.epoch, s.offset = sc.epoch, sc.end
	} else {
		s.epoch, s.offset = [8]byte{}, 0
	}
}

func (s *Store) readAll() ([]byte, storeFileID, storeScan, error) {
	snap, id, err := storeReadSnapshot(s.snapPath())
	if err != nil {
		return nil, id, storeScan{}, err
	}
	sc, err := storeScanLog(s.logPath(), 0)
	return snap, id, sc, err
}

func storeReadSnapshot(p string) ([]byte, storeFileID, error) {
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, storeFileID{}, nil
	}
	if err != nil {
		return nil, storeFileID{}, fmt.Errorf("open snapshot %s: %w", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, storeFileID{}, fmt.Errorf("stat snapshot %s: %w", p, err)
	}
	b := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, storeFileID{}, fmt.Errorf("read snapshot %s: %w", p, err)
	}
	return b, storeIDOf(fi), nil
}

func storeStatID(p string) (storeFileID, error) {
	fi, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return storeFileID{}, nil
	}
	if err != nil {
		return storeFileID{}, fmt.Errorf("stat %s: %w", p, err)
	}
	return storeIDOf(fi), nil
}

// storeScanLog reads the log header and the records from offset from on.
func storeScanLog(p string, from int64) (storeScan, error) {
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return storeScan{}, nil
	}
	if err != nil {
		return storeScan{}, fmt.Errorf("open log %s: %w", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return storeScan{}, fmt.Errorf("stat log %s: %w", p, err)
	}
	size := fi.Size()
	hdr := make([]byte, min(size, storeHeaderSize))
	if _, err := f.ReadAt(hdr, 0); err != nil && err != io.EOF {
		return storeScan{}, fmt.Errorf("read log %s: %w", p, err)
	}
	from = max(from, storeHeaderSize)
	var tail []byte
	if size > from {
		tail = make([]byte, size-from)
		if _, err := f.ReadAt(tail, from); err != nil && err != io.EOF {
			return storeScan{}, fmt.Errorf("read log %s: %w", p, err)
		}
	}
	return storeParseLog(hdr, tail, from, size), nil
}

// storeParseLog parses records in tail, which starts at file offset base.
func storeParseLog(hdr, tail []byte, base, size int64) storeScan {
	sc := storeScan{exists: true, size: size}
	if len(hdr) < storeHeaderSize || string(hdr[:8]) != storeLogMagic {
		sc.badHeader = true
		sc.damage = "bad log header"
		return sc
	}
	copy(sc.epoch[:], hdr[8:16])
	i := 0
	for i < len(tail) {
		off := base + int64(i)
		rest := tail[i:]
		if len(rest) < storeFrameHeader {
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
		if n > storeMaxFrame {
			sc.damage = fmt.Sprintf("record length %d at offset %d exceeds the limit", n, off)
			break
		}
		if int64(n) > int64(len(rest)-storeFrameHeader) {
			sc.torn = true
			sc.damage = fmt.Sprintf("short record at offset %d (%d of %d bytes)", off, len(rest)-storeFrameHeader, n)
			break
		}
		payload := rest[storeFrameHeader : storeFrameHeader+int(n) : storeFrameHeader+int(n)]
		if crc32.Checksum(payload, storeCastagnoli) != sum {
			sc.damage = fmt.Sprintf("checksum mismatch in record at offset %d", off)
			break
		}
		sc.recs = append(sc.recs, storeRec{off: off, data: payload})
		i += storeFrameHeader + int(n)
	}
	sc.end = base + int64(i)
	return sc
}

// repair keeps a copy of the damaged log, then cuts the log back to its good
// records (or starts a fresh one if the header is bad). Caller holds LOCK_EX;
// sc must come from a full scan.
func (s *Store) repair(sc *storeScan) error {
	p := s.logPath()
	fail := func(err error) error {
		return fmt.Errorf("log %s: %s (could not repair: %v): %w", p, sc.damage, err, ErrCorrupt)
	}
	kept, err := storeCopyAside(p)
	if err != nil {
		return fail(err)
	}
	dropped := sc.size - sc.end
	if sc.badHeader {
		if sc.epoch, err = s.writeFreshLog(); err != nil {
			return fail(err)
		}
		sc.end, sc.size, sc.badHeader = storeHeaderSize, storeHeaderSize, false
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

// storeCopyAside copies p to p.damaged-<unix-nanos>, durably.
func storeCopyAside(p string) (string, error) {
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
		err = storeSyncDir(filepath.Dir(p))
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// storeWriteFile writes b to p atomically: temp file, fsync, rename, fsync dir.
func storeWriteFile(p string, b []byte) error {
	tmp := p + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("replace %s: %w", p, err)
	}
	if err := storeSyncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("sync folder of %s: %w", p, err)
	}
	return nil
}

// storeSyncDir makes renames in dir durable. Some file systems cannot sync a
// directory; there is nothing better to do there, so that is not an error.
func storeSyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *Store) writeFreshLog() ([8]byte, error) {
	var epoch [8]byte
	if _, err := rand.Read(epoch[:]); err != nil {
		return epoch, err
	}
	hdr := append([]byte(storeLogMagic), epoch[:]...)
	return epoch, storeWriteFile(s.logPath(), hdr)
}

// Append durably appends one chunk: the record is written with one write call
// and fsynced before Append returns. Empty chunks are not written.
func (s *Store) Append(chunk []byte) error {
	if len(chunk) == 0 {
		return nil
	}
	p := s.logPath()
	if len(chunk) > storeMaxFrame {
		return fmt.Errorf("append to log %s: chunk of %d bytes exceeds the limit", p, len(chunk))
	}
	rec := make([]byte, storeFrameHeader+len(chunk))
	binary.BigEndian.PutUint32(rec, uint32(len(chunk)))
	binary.BigEndian.PutUint32(rec[4:], crc32.Checksum(chunk, storeCastagnoli))
	copy(rec[storeFrameHeader:], chunk)

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return err
	}
	if err := s.lock(storeLockEX); err != nil {
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
			s.epoch, s.offset = epoch, storeHeaderSize
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
// Caller holds LOCK_EX.
func (s *Store) openForAppend() (*os.File, [8]byte, int64, error) {
	p := s.logPath()
	for range 3 {
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if errors.Is(err, os.ErrNotExist) {
			epoch, err := s.writeFreshLog()
			if err != nil {
				return nil, epoch, 0, err
			}
			s.vEpoch, s.vEnd, s.vCount = epoch, storeHeaderSize, 0
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
		hdr := make([]byte, min(fi.Size(), storeHeaderSize))
		if _, err := f.ReadAt(hdr, 0); err != nil && err != io.EOF {
			f.Close()
			return nil, [8]byte{}, 0, fmt.Errorf("read log %s: %w", p, err)
		}
		var epoch [8]byte
		if len(hdr) == storeHeaderSize {
			copy(epoch[:], hdr[8:])
		}
		if fi.Size() == s.vEnd && epoch == s.vEpoch && string(hdr[:min(8, len(hdr))]) == storeLogMagic {
			return f, epoch, s.vEnd, nil
		}
		f.Close()
		// Unchecked bytes: another process appended, compacted or crashed.
		from := s.vEnd
		if epoch != s.vEpoch || fi.Size() < s.vEnd {
			from = 0
		}
		sc, err := storeScanLog(p, from)
		if err != nil {
			return nil, epoch, 0, err
		}
		if sc.damage != "" {
			if sc, err = storeScanLog(p, 0); err != nil {
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
func (s *Store) dropReadPast(sc storeScan) {
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
	if err := s.lock(storeLockSH); err != nil {
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
	id, err := storeStatID(s.snapPath())
	if err != nil {
		return nil, false, err
	}
	if id != s.snapID {
		return nil, true, nil
	}
	from := s.offset
	if from == 0 {
		from = storeHeaderSize
	}
	sc, err := storeScanLog(s.logPath(), from)
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
	if err := s.lock(storeLockEX); err != nil {
		return err
	}
	defer s.unlock()

	sp, lp := s.snapPath(), s.logPath()
	id, err := storeStatID(sp)
	if err != nil {
		return err
	}
	if id != s.snapID || s.forceReset {
		return fmt.Errorf("compact %s: snapshot replaced since last read: %w", sp, ErrStale)
	}
	sc, err := storeScanLog(lp, max(s.offset, storeHeaderSize))
	if err != nil {
		return err
	}
	if sc.exists {
		switch {
		case sc.badHeader || s.offset == 0 && sc.size > storeHeaderSize:
			return fmt.Errorf("compact %s: log has unread records: %w", lp, ErrStale)
		case s.offset != 0 && (sc.epoch != s.epoch || sc.size != s.offset):
			return fmt.Errorf("compact %s: log has unread records: %w", lp, ErrStale)
		}
	}
	// Snapshot first: a crash before the new log lands leaves the old log,
	// whose changes the new snapshot already holds.
	if err := storeWriteFile(sp, saved); err != nil {
		return err
	}
	if id, err = storeStatID(sp); err != nil {
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
	s.epoch, s.offset, s.skip = epoch, storeHeaderSize, nil
	s.vEpoch, s.vEnd, s.vCount = epoch, storeHeaderSize, 0
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
	if err := s.lock(storeLockEX); err != nil {
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
	if err := storeSyncDir(s.dir); err != nil {
		return "", fmt.Errorf("sync folder %s: %w", s.dir, err)
	}
	s.snapID = storeFileID{}
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
	if err := storeFlock(f, storeLockTry); err != nil {
		f.Close()
		if err == ErrOpenElsewhere {
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
	return f.Close() // closing the last descriptor releases the flock
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
