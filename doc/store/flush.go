package store

import (
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"time"
)

// ErrSyncFailed: an fsync of the log failed, so records written since the
// last good one may not survive a power loss. The Store refuses further
// writes; reopening it starts afresh.
var ErrSyncFailed = errors.New("the plan's log could not be flushed to disk")

// Group commit. Write puts a record in the file with one write call; the
// flusher, one goroutine per Store started by the first Write, fsyncs the
// log as soon as anything written is not yet synced, covering every record
// written meanwhile with one fsync, then names the last of them in log.ack.
// Sync, Append and Close wait for it (or, with no fsync in flight, run one
// themselves). The counters count this Store's records, not the file's:
// wrote its writes, synced those an fsync has covered; every record not
// yet synced is in s.logF (dropLogFile syncs what it drops).
type flushState struct {
	wrote, synced uint64
	lastRec       ack         // the last record written, for the ack
	writtenAt     []time.Time // when each record not yet synced was written
	wake          *sync.Cond  // the flusher waits here for work (L: s.mu)
	done          *sync.Cond  // Sync waits here (L: s.mu)
	running       bool
	busy          bool          // an fsync is in flight (the flusher's or a durable Append's)
	inFlight      *os.File      // the file that fsync is on, outside s.mu
	orphan        bool          // dropLogFile left inFlight to be closed once it returns
	exited        chan struct{} // closed when the flusher returns
	err           error         // the first fsync that failed; sticky
	onErr         func(error)
	syncFile      func(*os.File) error // (*os.File).Sync, or a test's hook
	syncs         int                  // fsyncs run
	flushTime     time.Duration        // their wall time
	lags          LagHistogram
}

// SetSyncFunc replaces the fsync the Store runs on its log (tests use it
// to hold or fail one); nil restores (*os.File).Sync.
func (s *Store) SetSyncFunc(f func(*os.File) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fl.syncFile = f
}

// OnSyncError sets f to be told, once and on a goroutine of its own, when
// a background fsync fails: the records it covered are not durable.
func (s *Store) OnSyncError(f func(error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fl.onErr = f
}

// runSync runs the fsync hook or f.Sync, timing it.
func runSync(hook func(*os.File) error, f *os.File) (wall, cpu time.Duration, err error) {
	t0 := time.Now()
	cpu = onThreadCPU(func() {
		if hook != nil {
			err = hook(f)
		} else {
			err = f.Sync()
		}
	})
	return time.Since(t0), cpu, err
}

// noteWriteLocked records a record written to the log and wakes the
// flusher (starting it if need be) when flush is set.
func (s *Store) noteWriteLocked(a ack, at time.Time, flush bool) {
	fl := &s.fl
	fl.wrote++
	fl.lastRec = a
	fl.writtenAt = append(fl.writtenAt, at)
	if fl.wake == nil {
		fl.wake, fl.done = sync.NewCond(&s.mu), sync.NewCond(&s.mu)
	}
	if !flush {
		return
	}
	if !fl.running {
		fl.running, fl.exited = true, make(chan struct{})
		go s.flusher(fl.exited)
		return
	}
	fl.wake.Signal()
}

// markSyncedLocked records that an fsync (or a rewrite of the log into
// fsynced files) covered the first n records written.
func (s *Store) markSyncedLocked(n uint64, now time.Time) {
	fl := &s.fl
	if n <= fl.synced {
		return
	}
	k := int(n - fl.synced)
	for _, at := range fl.writtenAt[:k] {
		fl.lags.add(now.Sub(at))
	}
	fl.writtenAt = append(fl.writtenAt[:0], fl.writtenAt[k:]...)
	fl.synced = n
	if fl.done != nil {
		fl.done.Broadcast()
	}
}

// failSyncLocked makes an fsync's failure sticky and tells the waiters.
func (s *Store) failSyncLocked(err error) {
	fl := &s.fl
	if fl.err != nil {
		return
	}
	fl.err = fmt.Errorf("%w: sync log %s: %w", ErrSyncFailed, s.path(logName), err)
	if fl.done != nil {
		fl.done.Broadcast()
	}
	if f := fl.onErr; f != nil {
		go f(fl.err)
	}
}

// flusher fsyncs the log whenever records written are not yet synced, until
// the Store closes with nothing left to sync (or an fsync has failed).
func (s *Store) flusher(exited chan struct{}) {
	fl := &s.fl
	s.mu.Lock()
	defer func() {
		fl.running = false
		s.mu.Unlock()
		close(exited)
	}()
	for fl.err == nil {
		switch {
		case fl.busy: // a durable Append syncs on its own goroutine
			fl.wake.Wait()
		case fl.synced == fl.wrote && s.closed:
			return
		case fl.synced == fl.wrote:
			fl.wake.Wait()
		default:
			s.syncOnceLocked()
		}
	}
}

// syncOnceLocked fsyncs the log outside s.mu, covering every record
// written so far, then marks them durable and acknowledges the last.
func (s *Store) syncOnceLocked() {
	fl := &s.fl
	f, n, rec, hook := s.logF, fl.wrote, fl.lastRec, fl.syncFile
	if f == nil {
		// dropLogFile syncs what it drops; only a write whose file was
		// then dropped unsynced (the fsync failed) gets here.
		s.failSyncLocked(errors.New("log file closed with records not synced"))
		return
	}
	fl.busy, fl.inFlight = true, f
	s.mu.Unlock()
	wall, cpu, err := runSync(hook, f)
	s.mu.Lock()
	fl.busy, fl.inFlight = false, nil
	if fl.orphan {
		// Dropped meanwhile, after dropLogFile synced it itself.
		fl.orphan = false
		f.Close()
	}
	fl.syncs++
	fl.flushTime += wall
	s.syncCPU += cpu
	if err != nil && n > fl.synced {
		s.failSyncLocked(err)
	} else if err == nil {
		s.markSyncedLocked(n, time.Now())
		if f == s.logF {
			s.ackSyncedLocked(rec)
		}
	}
	if fl.running && (fl.wrote > fl.synced || s.closed || fl.err != nil) {
		fl.wake.Signal() // the flusher, if it waited for this fsync
	}
}

// ackSyncedLocked names rec, now fsynced, in log.ack, unless the ack
// already names a later record of the same log (another process's). The
// exclusive lock orders it with other processes' appends and acks.
func (s *Store) ackSyncedLocked(rec ack) {
	if s.lock(lockExclusive) != nil {
		return // unacknowledged: a later cut only looks like a torn append
	}
	defer s.unlock()
	if cur, ok := s.readAckLocked(); ok && cur.epoch == rec.epoch && cur.seq >= rec.seq {
		return
	} else if ok && cur.epoch != rec.epoch {
		// Another process's ack for a newer log, unless ours is still the
		// log at the path.
		if fi, err := os.Stat(s.path(logName)); err != nil || s.logFI == nil || !os.SameFile(fi, s.logFI) {
			return
		}
	}
	s.writeAck(rec)
}

// readAckLocked reads log.ack through the file kept open.
func (s *Store) readAckLocked() (ack, bool) {
	if s.ackF == nil {
		return readAck(s.path(ackName))
	}
	b := make([]byte, ackSize)
	if _, err := s.ackF.ReadAt(b, 0); err != nil {
		return ack{}, false
	}
	return parseAck(b)
}

// syncDroppedLocked fsyncs the log file about to be dropped when records
// written through it are not synced yet, so that dropping a file never
// drops durability.
func (s *Store) syncDroppedLocked(f *os.File) {
	fl := &s.fl
	if fl.synced == fl.wrote || fl.err != nil {
		return
	}
	wall, cpu, err := runSync(fl.syncFile, f)
	fl.syncs++
	fl.flushTime += wall
	s.syncCPU += cpu
	if err != nil {
		s.failSyncLocked(err)
		return
	}
	s.markSyncedLocked(fl.wrote, time.Now())
}

// Sync waits until every record this Store has written is durable: covered
// by an fsync of the log (or rewritten into fsynced files by a compaction
// or repair). It returns the failure when an fsync failed first.
func (s *Store) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waitSyncedLocked(s.fl.wrote)
}

func (s *Store) waitSyncedLocked(n uint64) error {
	fl := &s.fl
	if n <= fl.synced {
		return nil
	}
	t0 := time.Now()
	defer func() { s.syncTime += time.Since(t0) }()
	for fl.synced < n && fl.err == nil {
		if !fl.busy {
			// No fsync in flight: run one here rather than wake the
			// flusher and wait for it (a thread switch each way).
			s.syncOnceLocked()
			continue
		}
		fl.done.Wait()
	}
	if fl.synced < n {
		return fl.err
	}
	return nil
}

// stopFlusher tells the flusher to sync what is left and return, and
// waits for it. Caller holds s.mu, with s.closed set; it is released while
// waiting.
func (s *Store) stopFlusherLocked() {
	fl := &s.fl
	if !fl.running {
		return
	}
	fl.wake.Signal()
	exited := fl.exited
	s.mu.Unlock()
	<-exited
	s.mu.Lock()
}

// SyncStats is what the group commit did over this Store's life.
type SyncStats struct {
	Syncs    int           // fsyncs of the log run
	SyncTime time.Duration // their wall time
	Unsynced int           // records written and not yet durable
	Lag      LagHistogram  // per record: from its write to the fsync covering it
	Failed   error         // the fsync failure, if one failed
	Written  uint64        // records this Store wrote
	Durable  uint64        // of which durable
}

// SyncStats reports the group commit's counters.
func (s *Store) SyncStats() SyncStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	fl := &s.fl
	return SyncStats{Syncs: fl.syncs, SyncTime: fl.flushTime, Unsynced: int(fl.wrote - fl.synced), Lag: fl.lags,
		Failed: fl.err, Written: fl.wrote, Durable: fl.synced}
}

// LagHistogram counts durations in buckets a quarter of a binary order of
// magnitude wide (about 19%), from 1 µs up: bounded memory for a season
// of typing, quantiles to within a bucket.
type LagHistogram struct {
	n       uint64
	buckets [lagBuckets]uint64
}

const lagBuckets = 128

func lagBucket(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us <= 1 {
		return 0
	}
	return min(lagBuckets-1, int(4*math.Log2(us))+1)
}

func (h *LagHistogram) add(d time.Duration) {
	h.n++
	h.buckets[lagBucket(d)]++
}

// Count is how many durations were added.
func (h LagHistogram) Count() uint64 { return h.n }

// Quantile returns the upper bound of the bucket holding quantile q (0..1),
// or 0 when the histogram is empty.
func (h LagHistogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(1, min(rank, h.n))
	var seen uint64
	for i, c := range h.buckets {
		seen += c
		if seen >= rank {
			return time.Duration(math.Exp2(float64(i)/4) * float64(time.Microsecond))
		}
	}
	return 0
}

// Since is what was added to h after old, an earlier reading of it.
func (h LagHistogram) Since(old LagHistogram) LagHistogram {
	h.n -= old.n
	for i := range h.buckets {
		h.buckets[i] -= old.buckets[i]
	}
	return h
}
