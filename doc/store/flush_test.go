package store

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gate is an fsync hook that holds every fsync until released, telling
// entered each time one starts.
type gate struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

// newGate makes a gate that a failed test opens on its way out, so the
// Store's Close does not wait for a held fsync forever.
func newGate(t *testing.T) *gate {
	g := &gate{entered: make(chan struct{}, 64), release: make(chan struct{})}
	t.Cleanup(g.open)
	return g
}

func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

func (g *gate) sync(f *os.File) error {
	g.entered <- struct{}{}
	<-g.release
	return f.Sync()
}

func (g *gate) waitEntered(t *testing.T) {
	t.Helper()
	select {
	case <-g.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the flusher never started an fsync")
	}
}

// needFlusher skips a test of the background flush where the log is not
// kept open between writes (Windows): there Write fsyncs before it returns.
func needFlusher(t *testing.T) {
	if !keepFilesOpen {
		t.Skip("no background flush on this platform: every write is fsynced before it returns")
	}
}

// returnsWithin reports whether done is closed within d.
func returnsWithin(done <-chan struct{}, d time.Duration) bool {
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// ackSeq is the record log.ack names in dir, or 0 without one.
func ackSeq(dir string) uint64 {
	a, ok := readAck(filepath.Join(dir, ackName))
	if !ok {
		return 0
	}
	return a.seq
}

// An explicit durability point (Append, Sync) returns only once an fsync
// has covered its record; a Write returns while the fsync is held; the ack
// names a record only after the fsync covering it returned.
func TestFlushDurabilityPoints(t *testing.T) {
	needFlusher(t)
	for _, tc := range []struct {
		name    string
		durable func(s *Store, c []byte) error
	}{
		{"Append", func(s *Store, c []byte) error { return s.Append(c) }},
		{"Write+Sync", func(s *Store, c []byte) error {
			if err := s.Write(c); err != nil {
				return err
			}
			return s.Sync()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := testOpen(t, dir)
			testLoad(t, s)
			g := newGate(t)
			s.SetSyncFunc(g.sync)
			cs := testChunks("flush", 3, 100)
			wrote := make(chan struct{})
			go func() {
				if err := s.Write(cs[0]); err != nil {
					t.Error(err)
				}
				close(wrote)
			}()
			if !returnsWithin(wrote, 10*time.Second) {
				t.Fatal("Write did not return")
			}
			g.waitEntered(t) // the flusher holds an fsync covering cs[0]
			if n := ackSeq(dir); n != 0 {
				t.Fatalf("log.ack names record %d before any fsync returned", n)
			}
			// A write while the fsync is held returns (the typing path).
			wrote2 := make(chan struct{})
			go func() {
				if err := s.Write(cs[1]); err != nil {
					t.Error(err)
				}
				close(wrote2)
			}()
			if !returnsWithin(wrote2, 10*time.Second) {
				t.Fatal("Write waited for the held fsync")
			}
			durable := make(chan struct{})
			var derr error
			go func() {
				derr = tc.durable(s, cs[2])
				close(durable)
			}()
			if returnsWithin(durable, 300*time.Millisecond) {
				t.Fatalf("%s returned while the fsync covering its record was held (err %v)", tc.name, derr)
			}
			if st := s.SyncStats(); st.Durable != 0 || st.Written != 3 {
				t.Fatalf("durable %d of %d written while the first fsync is held", st.Durable, st.Written)
			}
			g.open()
			if !returnsWithin(durable, 10*time.Second) {
				t.Fatalf("%s did not return after the fsync was released", tc.name)
			}
			if derr != nil {
				t.Fatal(derr)
			}
			if n := ackSeq(dir); n != 3 {
				t.Fatalf("log.ack names record %d after all three were synced, want 3", n)
			}
			st := s.SyncStats()
			if st.Durable != 3 || st.Unsynced != 0 || st.Syncs < 1 || st.Syncs > 3 || st.Lag.Count() != 3 {
				t.Fatalf("sync stats %+v", st)
			}
		})
	}
}

// Close waits for the flusher: what was written is fsynced and
// acknowledged by the time it returns.
func TestFlushCloseWaits(t *testing.T) {
	needFlusher(t)
	dir := t.TempDir()
	s := testOpen(t, dir)
	testLoad(t, s)
	g := newGate(t)
	s.SetSyncFunc(g.sync)
	cs := testChunks("close", 2, 80)
	testWrite(t, s, cs...)
	g.waitEntered(t)
	closed := make(chan struct{})
	var cerr error
	go func() {
		cerr = s.Close()
		close(closed)
	}()
	if returnsWithin(closed, 300*time.Millisecond) {
		t.Fatalf("Close returned while the flusher's fsync was held (err %v)", cerr)
	}
	g.open()
	if !returnsWithin(closed, 10*time.Second) {
		t.Fatal("Close did not return after the fsync was released")
	}
	if cerr != nil {
		t.Fatal(cerr)
	}
	if st := s.SyncStats(); st.Durable != 2 || st.Unsynced != 0 {
		t.Fatalf("after Close: %+v", st)
	}
	if n := ackSeq(dir); n != 2 {
		t.Fatalf("log.ack names record %d after Close, want 2", n)
	}
	r := testOpen(t, dir)
	_, got := testLoad(t, r)
	testEqual(t, "after Close", got, cs)
}

func testWrite(t testing.TB, s *Store, chunks ...[]byte) {
	t.Helper()
	for _, c := range chunks {
		if err := s.Write(c); err != nil {
			t.Fatal(err)
		}
	}
}

// A failing fsync is reported (to Sync, Append, Write, Close and
// OnSyncError) and nothing it should have covered is acknowledged.
func TestFlushSyncFailure(t *testing.T) {
	needFlusher(t)
	dir := t.TempDir()
	s := testOpen(t, dir)
	testLoad(t, s)
	cs := testChunks("fail", 3, 90)
	testAppend(t, s, cs[0]) // durable, acknowledged
	eio := errors.New("injected I/O error")
	var calls atomic.Int32
	s.SetSyncFunc(func(f *os.File) error {
		calls.Add(1)
		return eio
	})
	told := make(chan error, 4)
	s.OnSyncError(func(err error) { told <- err })
	if err := s.Write(cs[1]); err != nil {
		t.Fatalf("Write before the failure: %v", err)
	}
	err := s.Sync()
	if !errors.Is(err, ErrSyncFailed) || !errors.Is(err, eio) {
		t.Fatalf("Sync after a failed fsync: %v", err)
	}
	select {
	case e := <-told:
		if !errors.Is(e, eio) {
			t.Fatalf("OnSyncError told %v", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("OnSyncError was not told")
	}
	if n := ackSeq(dir); n != 1 {
		t.Fatalf("log.ack names record %d; only record 1 was fsynced", n)
	}
	if st := s.SyncStats(); st.Durable != 1 || st.Written != 2 || !errors.Is(st.Failed, eio) {
		t.Fatalf("sync stats after the failure: %+v", st)
	}
	if err := s.Write(cs[2]); !errors.Is(err, ErrSyncFailed) {
		t.Fatalf("Write after a failed fsync: %v", err)
	}
	if err := s.Append(cs[2]); !errors.Is(err, ErrSyncFailed) {
		t.Fatalf("Append after a failed fsync: %v", err)
	}
	if err := s.Close(); !errors.Is(err, ErrSyncFailed) {
		t.Fatalf("Close after a failed fsync: %v", err)
	}
	if n := ackSeq(dir); n != 1 {
		t.Fatalf("log.ack names record %d after Close; only record 1 was fsynced", n)
	}
	if calls.Load() == 0 {
		t.Fatal("the failing fsync was never run")
	}
}

// The ack never names a record that no finished fsync covered, while
// writes go on and the flusher coalesces them.
func TestFlushAckNeverAhead(t *testing.T) {
	needFlusher(t)
	dir := t.TempDir()
	s := testOpen(t, dir)
	testLoad(t, s)
	var durableEnd atomic.Int64 // the log's size as of the last fsync's start, once it returned
	s.SetSyncFunc(func(f *os.File) error {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		time.Sleep(time.Millisecond) // a slow disk: writes pile up behind it
		if err := f.Sync(); err != nil {
			return err
		}
		durableEnd.Store(max(durableEnd.Load(), fi.Size()))
		return nil
	})
	const n = 300
	cs := testChunks("ahead", n, 120)
	for i, c := range cs {
		testWrite(t, s, c)
		time.Sleep(200 * time.Microsecond) // typing: several writes per fsync
		a, ok := readAck(filepath.Join(dir, ackName))
		if end := durableEnd.Load(); ok && a.seq > 0 && a.end > end {
			t.Fatalf("after write %d: log.ack names record %d ending at %d, but fsyncs cover only %d bytes", i, a.seq, a.end, end)
		}
	}
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	st := s.SyncStats()
	if st.Syncs >= n || st.Durable != n {
		t.Fatalf("%d fsyncs for %d writes (durable %d): no coalescing", st.Syncs, n, st.Durable)
	}
	if a, _ := readAck(filepath.Join(dir, ackName)); a.seq != n {
		t.Fatalf("log.ack names %d after Sync, want %d", a.seq, n)
	}
	t.Logf("%d writes, %d fsyncs; durability lag p50 %v, p99 %v", n, st.Syncs, st.Lag.Quantile(0.5), st.Lag.Quantile(0.99))
}

// After a power loss, a record written but never fsynced may be cut short:
// it was never acknowledged, so the cut is a torn append (quiet), while a
// cut into a record that an fsync covered and the ack names is loud.
func TestFlushPowerLossTail(t *testing.T) {
	needFlusher(t)
	for _, tc := range []struct {
		name string
		cut  func(offs []int64, size int64) int64 // where the copy's log ends
		loud bool
	}{
		{"inside the unsynced record", func(offs []int64, size int64) int64 { return offs[2] + frameHeader + 10 }, false},
		{"inside a synced record", func(offs []int64, size int64) int64 { return offs[1] + frameHeader + 10 }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := testOpen(t, dir)
			testLoad(t, s)
			cs := testChunks("power", 3, 100)
			testAppend(t, s, cs[0], cs[1]) // fsynced: the ack names record 2
			g := newGate(t)
			s.SetSyncFunc(g.sync)
			testWrite(t, s, cs[2])
			g.waitEntered(t)
			// The disk as a power loss now could leave it: the unsynced
			// record, or more, cut short.
			cp := t.TempDir()
			for _, name := range []string{snapName, logName, ackName, prevSnapName, prevLogName} {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if errors.Is(err, os.ErrNotExist) {
					continue
				} else if err != nil {
					t.Fatal(err)
				}
				if name == logName {
					b = b[:tc.cut(testOffsets(cs), int64(len(b)))]
				}
				if err := os.WriteFile(filepath.Join(cp, name), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			g.open()
			if err := s.Sync(); err != nil {
				t.Fatal(err)
			}
			r := testOpen(t, cp)
			_, got, rep, err := r.Load()
			if err != nil {
				t.Fatal(err)
			}
			loud := rep != nil && rep.Loud
			if loud != tc.loud {
				t.Fatalf("loud %v, want %v (report %+v)", loud, tc.loud, rep)
			}
			want := cs[:2]
			if tc.loud {
				want = cs[:1]
			}
			testEqual(t, "after the cut", got, want)
		})
	}
}

// Compaction while records are written but not yet fsynced: the new
// generation holds them all in fsynced files, so they count as durable.
func TestFlushCompactCoversUnsynced(t *testing.T) {
	needFlusher(t)
	dir := t.TempDir()
	s := testOpen(t, dir)
	testLoad(t, s)
	cs := testChunks("compact", 4, 100)
	testAppend(t, s, cs[0])
	g := newGate(t)
	s.SetSyncFunc(g.sync)
	testWrite(t, s, cs[1])
	g.waitEntered(t)
	m := s.Mark()
	testWrite(t, s, cs[2], cs[3]) // after the mark: carried into the new log
	saved := []byte("snapshot holding compact-0 and compact-1")
	done := make(chan error, 1)
	go func() { done <- s.CompactFrom(m, saved) }()
	// The compaction fsyncs the log it keeps as the fallback itself
	// (held by the gate too, as the flusher's fsync still is).
	time.Sleep(50 * time.Millisecond)
	g.open()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	if st := s.SyncStats(); st.Durable != 4 {
		t.Fatalf("after the compaction %d of 4 records durable", st.Durable)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r := testOpen(t, dir)
	snap, got := testLoad(t, r)
	if string(snap) != string(saved) {
		t.Fatalf("snapshot %q", snap)
	}
	testEqual(t, "records after the mark", got, cs[2:])
}

// Two Stores on one folder (two processes): one's late fsync does not
// move log.ack back behind a record the other acknowledged meanwhile.
func TestFlushAckNeverRegresses(t *testing.T) {
	needFlusher(t)
	dir := t.TempDir()
	a, b := testOpen(t, dir), testOpen(t, dir)
	testLoad(t, a)
	testLoad(t, b)
	cs := testChunks("two", 2, 100)
	g := newGate(t)
	a.SetSyncFunc(g.sync)
	testWrite(t, a, cs[0]) // record 1, its fsync held
	g.waitEntered(t)
	testAppend(t, b, cs[1]) // record 2, fsynced and acknowledged by b
	if n := ackSeq(dir); n != 2 {
		t.Fatalf("log.ack names %d after the other Store's append, want 2", n)
	}
	g.open()
	if err := a.Sync(); err != nil {
		t.Fatal(err)
	}
	if n := ackSeq(dir); n != 2 {
		t.Fatalf("log.ack names %d after the late fsync of record 1, want 2", n)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	_, got := testLoad(t, testOpen(t, dir))
	testEqual(t, "both Stores' records", got, cs)
}
