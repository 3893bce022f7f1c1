package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coplan/coplan/internal/atomicfile"
)

func testOpen(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testLoad(t testing.TB, s *Store) ([]byte, [][]byte) {
	t.Helper()
	snap, chunks, rep, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if rep != nil {
		t.Fatalf("unexpected recovery report: %+v", rep)
	}
	return snap, chunks
}

func testAppend(t testing.TB, s *Store, chunks ...[]byte) {
	t.Helper()
	for _, c := range chunks {
		if err := s.Append(c); err != nil {
			t.Fatal(err)
		}
	}
}

// testChunks returns n distinct chunks of about size bytes.
func testChunks(prefix string, n, size int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		c := []byte(fmt.Sprintf("%s-%d:", prefix, i))
		for len(c) < size {
			c = append(c, byte('a'+(len(c)+i)%26))
		}
		out[i] = c
	}
	return out
}

// testOffsets returns each record's offset in a log holding chunks.
func testOffsets(chunks [][]byte) []int64 {
	offs := make([]int64, len(chunks))
	off := int64(headerSize)
	for i, c := range chunks {
		offs[i] = off
		off += frameHeader + int64(len(c))
	}
	return offs
}

func testEqual(t testing.TB, what string, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d chunks, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("%s: chunk %d = %q, want %q", what, i, got[i], want[i])
		}
	}
}

func testDamaged(t testing.TB, dir, name string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, name+".damaged-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestStoreRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte{0xAB}, 1<<20)
	cases := []struct {
		name   string
		snap   []byte
		chunks [][]byte
	}{
		{"empty", nil, nil},
		{"one chunk", nil, [][]byte{[]byte("x")}},
		{"many chunks", nil, testChunks("c", 100, 200)},
		{"large chunk", nil, [][]byte{[]byte("a"), big, []byte("b")}},
		{"snapshot only", []byte("snapshot bytes"), nil},
		{"snapshot and chunks", []byte("snapshot bytes"), testChunks("c", 5, 50)},
		{"empty chunks skipped", nil, [][]byte{nil, []byte("x"), {}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "plan")
			s := testOpen(t, dir)
			testLoad(t, s)
			if tc.snap != nil {
				if err := s.Compact(tc.snap); err != nil {
					t.Fatal(err)
				}
			}
			testAppend(t, s, tc.chunks...)
			var want [][]byte
			var wantLog int64
			for _, c := range tc.chunks {
				if len(c) > 0 {
					want = append(want, c)
					wantLog += frameHeader + int64(len(c))
				}
			}
			if wantLog > 0 || tc.snap != nil {
				wantLog += headerSize
			}
			if n := s.LogRecords(); n != len(want) {
				t.Errorf("LogRecords = %d, want %d", n, len(want))
			}
			snapSize, logSize, err := s.Sizes()
			if err != nil {
				t.Fatal(err)
			}
			wantSnap := int64(0)
			if tc.snap != nil {
				wantSnap = snapHeader + int64(len(tc.snap))
			}
			if snapSize != wantSnap || logSize != wantLog {
				t.Errorf("Sizes = %d, %d; want %d, %d", snapSize, logSize, wantSnap, wantLog)
			}

			s2 := testOpen(t, dir)
			snap, chunks := testLoad(t, s2)
			if !bytes.Equal(snap, tc.snap) || (snap == nil) != (tc.snap == nil) {
				t.Errorf("snapshot = %q, want %q", snap, tc.snap)
			}
			testEqual(t, "reload", chunks, want)
			if n := s2.LogRecords(); n != len(want) {
				t.Errorf("reloaded LogRecords = %d, want %d", n, len(want))
			}
			if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("plan folder mode = %v, %v; want 0700", fi.Mode(), err)
			}
		})
	}
}

func TestStoreAppendThenLoad(t *testing.T) {
	dir := t.TempDir()
	s := testOpen(t, dir)
	all := testChunks("x", 30, 120)
	// Append without Load first, then interleave loads from this and a fresh Store.
	testAppend(t, s, all[:10]...)
	for i := 10; i <= 30; i += 10 {
		_, got := testLoad(t, s)
		testEqual(t, "same store", got, all[:i])
		_, got = testLoad(t, testOpen(t, dir))
		testEqual(t, "fresh store", got, all[:i])
		if i < 30 {
			testAppend(t, s, all[i:i+10]...)
		}
	}
	if _, news, reset, err := s.ReadNew(); err != nil || reset || len(news) != 0 {
		t.Fatalf("ReadNew after Load = %d chunks, reset %v, %v; want nothing", len(news), reset, err)
	}
}

func TestStoreReadNew(t *testing.T) {
	c := testChunks("r", 6, 40)
	snap1, snap2 := []byte("snapshot one"), []byte("snapshot two")
	type result struct {
		snap   []byte
		chunks [][]byte
		reset  bool
	}
	cases := []struct {
		name string
		// run acts with a (the reader) and b (another process) after both loaded.
		run  func(t *testing.T, a, b *Store)
		want result
	}{
		{"nothing new", func(t *testing.T, a, b *Store) {}, result{}},
		{"other appends", func(t *testing.T, a, b *Store) {
			testAppend(t, b, c[0], c[1])
		}, result{chunks: c[:2]}},
		{"own appends are not returned", func(t *testing.T, a, b *Store) {
			testAppend(t, a, c[0], c[1])
		}, result{}},
		{"interleaved own and other appends", func(t *testing.T, a, b *Store) {
			testAppend(t, b, c[0])
			testAppend(t, a, c[1])
			testAppend(t, b, c[2])
			testAppend(t, a, c[3])
			testAppend(t, b, c[4])
		}, result{chunks: [][]byte{c[0], c[2], c[4]}}},
		// A compaction by another process is followed without reading its
		// snapshot: what was cut before the reader's position is taken
		// from the old log, the rest from the new one.
		{"other compacts then appends", func(t *testing.T, a, b *Store) {
			testAppend(t, b, c[0])
			if _, _, _, err := b.ReadNew(); err != nil {
				t.Fatal(err)
			}
			if err := b.Compact(snap1); err != nil {
				t.Fatal(err)
			}
			testAppend(t, b, c[1])
		}, result{chunks: c[:2]}},
		{"other compacts twice", func(t *testing.T, a, b *Store) {
			testAppend(t, b, c[0])
			if err := b.Compact(snap1); err != nil {
				t.Fatal(err)
			}
			testAppend(t, b, c[1])
			if err := b.Compact(snap2); err != nil {
				t.Fatal(err)
			}
		}, result{snap: snap2, reset: true}},
		{"other's compaction carries our unread append", func(t *testing.T, a, b *Store) {
			testAppend(t, b, c[0])
			testAppend(t, a, c[1]) // a has not read c[0]
			if err := b.Compact(snap1); err != nil {
				t.Fatal(err)
			}
		}, result{chunks: c[:1]}},
		{"own append after other compacted", func(t *testing.T, a, b *Store) {
			if err := b.Compact(snap1); err != nil {
				t.Fatal(err)
			}
			testAppend(t, a, c[0])
			testAppend(t, b, c[1])
		}, result{chunks: c[:2]}},
		{"other crashed mid-compaction", func(t *testing.T, a, b *Store) {
			testAppend(t, b, c[0])
			// New snapshot renamed in, old log never replaced.
			if err := atomicfile.WriteFile(filepath.Join(b.Dir(), "snapshot"), snap2, 0o600); err != nil {
				t.Fatal(err)
			}
		}, result{snap: snap2, chunks: c[:1], reset: true}},
		{"other quarantined the snapshot", func(t *testing.T, a, b *Store) {
			if err := b.Compact(snap1); err != nil {
				t.Fatal(err)
			}
			if _, _, _, err := a.ReadNew(); err != nil {
				t.Fatal(err)
			}
			testAppend(t, b, c[0])
			if _, err := b.QuarantineSnapshot(); err != nil {
				t.Fatal(err)
			}
		}, result{snap: snap1, chunks: c[:1], reset: true}}, // the first generation's fallback copy
		{"other repaired a torn tail", func(t *testing.T, a, b *Store) {
			testAppend(t, b, c[0])
			testTear(t, b.Dir())
			testAppend(t, b, c[1])
		}, result{chunks: c[:2]}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			a, b := testOpen(t, dir), testOpen(t, dir)
			testLoad(t, a)
			testLoad(t, b)
			tc.run(t, a, b)
			a.TakeRecoveryReport()
			snap, chunks, reset, err := a.ReadNew()
			if err != nil {
				t.Fatal(err)
			}
			if reset != tc.want.reset || !bytes.Equal(snap, tc.want.snap) {
				t.Fatalf("reset = %v, snapshot %q; want %v, %q", reset, snap, tc.want.reset, tc.want.snap)
			}
			testEqual(t, "ReadNew", chunks, tc.want.chunks)
			// Caught up: nothing more, and Compact is not stale.
			if _, more, reset, err := a.ReadNew(); err != nil || reset || len(more) != 0 {
				t.Fatalf("second ReadNew = %d chunks, reset %v, %v", len(more), reset, err)
			}
			if err := a.Compact([]byte("final")); err != nil {
				t.Fatalf("Compact after catching up: %v", err)
			}
			a.TakeRecoveryReport()
			snap, chunks = testLoad(t, testOpen(t, dir))
			if string(snap) != "final" || len(chunks) != 0 {
				t.Fatalf("after Compact: snapshot %q, %d chunks", snap, len(chunks))
			}
		})
	}
}

// testTear leaves half a record at the end of dir/log, as a crash mid-append would.
func testTear(t testing.TB, dir string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "log"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(encodeFrame(99, bytes.Repeat([]byte("t"), 100))[:40]); err != nil {
		t.Fatal(err)
	}
}

// Compact carries what this Store has not read into the new log, and
// refuses (ErrStale) only when the files it would replace changed under
// it: another compaction, or a log rebuilt.
func TestStoreCompactStale(t *testing.T) {
	cases := []struct {
		name  string
		other func(t *testing.T, b *Store)
		stale bool
		carry [][]byte // records the new log must hold
	}{
		{"other appended", func(t *testing.T, b *Store) {
			testAppend(t, b, []byte("from b"))
		}, false, [][]byte{[]byte("from b")}},
		{"torn tail after our position", func(t *testing.T, b *Store) {
			testTear(t, b.Dir())
		}, false, nil},
		{"other compacted", func(t *testing.T, b *Store) {
			if err := b.Compact([]byte("b snapshot")); err != nil {
				t.Fatal(err)
			}
		}, true, nil},
		{"other appended into a new log", func(t *testing.T, b *Store) {
			os.Remove(filepath.Join(b.Dir(), "log"))
			testAppend(t, b, []byte("from b"))
		}, true, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			a, b := testOpen(t, dir), testOpen(t, dir)
			testAppend(t, a, []byte("first"))
			testLoad(t, a)
			testLoad(t, b)
			tc.other(t, b)
			beforeSnap, _ := os.ReadFile(filepath.Join(dir, "snapshot"))
			beforeLog, _ := os.ReadFile(filepath.Join(dir, "log"))

			err := a.Compact([]byte("a snapshot"))
			if !tc.stale {
				if err != nil {
					t.Fatalf("Compact = %v", err)
				}
				snap, chunks := testLoad(t, testOpen(t, dir))
				if string(snap) != "a snapshot" {
					t.Fatalf("snapshot %q", snap)
				}
				testEqual(t, "carried over", chunks, tc.carry)
				return
			}
			if !errors.Is(err, ErrStale) {
				t.Fatalf("Compact = %v, want ErrStale", err)
			}
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q does not name the plan folder", err)
			}
			// Nothing was touched.
			snapNow, _ := os.ReadFile(filepath.Join(dir, "snapshot"))
			logNow, _ := os.ReadFile(filepath.Join(dir, "log"))
			if !bytes.Equal(snapNow, beforeSnap) || !bytes.Equal(logNow, beforeLog) {
				t.Fatal("stale Compact modified the files")
			}
			if m, _ := filepath.Glob(filepath.Join(dir, ".*")); len(m) != 0 {
				t.Fatalf("stale Compact left %v", m)
			}
			// The retry protocol: ReadNew, then Compact succeeds.
			if _, _, _, err := a.ReadNew(); err != nil {
				t.Fatal(err)
			}
			if err := a.Compact([]byte("a snapshot")); err != nil {
				t.Fatalf("Compact after ReadNew: %v", err)
			}
			// b is stale now.
			if err := b.Compact([]byte("b again")); !errors.Is(err, ErrStale) {
				t.Fatalf("b.Compact = %v, want ErrStale", err)
			}
		})
	}
}

func TestStoreTornTail(t *testing.T) {
	chunks := testChunks("t", 3, 150)
	tmpl := t.TempDir()
	testAppend(t, testOpen(t, tmpl), chunks...)
	full, err := os.ReadFile(filepath.Join(tmpl, "log"))
	if err != nil {
		t.Fatal(err)
	}
	last := testOffsets(chunks)[2]
	extra := []byte("appended after recovery")
	for cut := last + 1; cut < int64(len(full)); cut++ {
		dir := t.TempDir()
		torn := full[:cut]
		if err := os.WriteFile(filepath.Join(dir, "log"), torn, 0o600); err != nil {
			t.Fatal(err)
		}
		s := testOpen(t, dir)
		_, got, rep, err := s.Load()
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if rep != nil {
			t.Fatalf("cut %d: torn tail reported as damage: %+v", cut, rep)
		}
		testEqual(t, fmt.Sprintf("cut %d", cut), got, chunks[:2])
		kept := testDamaged(t, dir, "log")
		if len(kept) != 1 {
			t.Fatalf("cut %d: %d damaged copies, want 1", cut, len(kept))
		}
		if b, _ := os.ReadFile(kept[0]); !bytes.Equal(b, torn) {
			t.Fatalf("cut %d: damaged copy differs from the torn file", cut)
		}
		if fi, _ := os.Stat(filepath.Join(dir, "log")); fi.Size() != last {
			t.Fatalf("cut %d: log is %d bytes after recovery, want %d", cut, fi.Size(), last)
		}
		testAppend(t, s, extra)
		_, got = testLoad(t, testOpen(t, dir))
		testEqual(t, fmt.Sprintf("cut %d after append", cut), got, [][]byte{chunks[0], chunks[1], extra})
	}
}

// Damage to the log costs only the records it touches: the reader
// resynchronises at the next frame. The acknowledgement tells a torn final
// append (quiet) from a lost acknowledged record (loud).
func TestStoreDamage(t *testing.T) {
	chunks := testChunks("d", 5, 60)
	offs := testOffsets(chunks)
	end := func(i int) int64 { return offs[i] + frameHeader + int64(len(chunks[i])) }
	put32 := func(b []byte, at int64, v uint32) []byte {
		binary.BigEndian.PutUint32(b[at:], v)
		return b
	}
	cases := []struct {
		name   string
		damage func(b []byte) []byte
		keep   []int // records that survive
		lost   int   // acknowledged records reported lost
		report bool  // anything said at all
		noAck  bool  // the acknowledgement is gone too
		noCopy bool  // nothing damaged to keep aside
	}{
		{"payload flip in the first record", func(b []byte) []byte { b[offs[0]+frameHeader+3] ^= 1; return b }, []int{1, 2, 3, 4}, 1, true, false, false},
		{"payload flip in the middle record", func(b []byte) []byte { b[offs[2]+frameHeader+20] ^= 1; return b }, []int{0, 1, 3, 4}, 1, true, false, false},
		{"payload flip in the last record", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, []int{0, 1, 2, 3}, 1, true, false, false},
		{"header flip in a middle record", func(b []byte) []byte { b[offs[1]+5] ^= 0x80; return b }, []int{0, 2, 3, 4}, 1, true, false, false},
		{"length over the cap", func(b []byte) []byte { return put32(b, offs[2]+12, maxFrame+1) }, []int{0, 1, 3, 4}, 1, true, false, false},
		{"two records overwritten", func(b []byte) []byte {
			copy(b[offs[1]+7:], bytes.Repeat([]byte{0xAA}, int(end(2)-offs[1]-10)))
			return b
		}, []int{0, 3, 4}, 2, true, false, false},
		{"bytes inserted between records", func(b []byte) []byte {
			return append(b[:offs[2]:offs[2]], append([]byte("garbage from a bad copy"), b[offs[2]:]...)...)
		}, []int{0, 1, 2, 3, 4}, 0, true, false, false},
		{"header overwritten", func(b []byte) []byte { copy(b, "XXXXXXXXXXXXXXXX"); return b }, []int{0, 1, 2, 3, 4}, 0, true, false, false},
		{"header overwritten, no acknowledgement", func(b []byte) []byte { copy(b, "XXXXXXXXXXXXXXXX"); return b }, []int{0, 1, 2, 3, 4}, 0, true, true, false},
		{"truncated inside the last acknowledged record", func(b []byte) []byte { return b[:len(b)-5] }, []int{0, 1, 2, 3}, 1, true, false, false},
		{"truncated at a record boundary", func(b []byte) []byte { return b[:end(2)] }, []int{0, 1, 2}, 2, true, false, true},
		{"short header", func(b []byte) []byte { return b[:10] }, nil, 5, true, false, false},
		{"empty file", func(b []byte) []byte { return b[:0] }, nil, 5, true, false, false},
		{"torn append after the last", func(b []byte) []byte { return append(b, encodeFrame(6, []byte("never acknowledged"))[:30]...) }, []int{0, 1, 2, 3, 4}, 0, false, false, false},
		{"zero-filled tail", func(b []byte) []byte { return append(b, make([]byte, 64)...) }, []int{0, 1, 2, 3, 4}, 0, false, false, false},
		{"torn append, no acknowledgement", func(b []byte) []byte { return append(b, encodeFrame(6, []byte("never acknowledged"))[:30]...) }, []int{0, 1, 2, 3, 4}, 0, false, true, false},
		{"truncated inside the last record, no acknowledgement", func(b []byte) []byte { return b[:len(b)-5] }, []int{0, 1, 2, 3}, 0, false, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			testAppend(t, testOpen(t, dir), chunks...)
			lp := filepath.Join(dir, "log")
			orig, _ := os.ReadFile(lp)
			bad := tc.damage(slices.Clone(orig))
			if err := os.WriteFile(lp, bad, 0o600); err != nil {
				t.Fatal(err)
			}
			if tc.noAck {
				os.Remove(filepath.Join(dir, "log.ack"))
			}
			var want [][]byte
			for _, i := range tc.keep {
				want = append(want, chunks[i])
			}
			s := testOpen(t, dir)
			_, got, rep, err := s.Load()
			if err != nil {
				t.Fatal(err)
			}
			testEqual(t, "kept records", got, want)
			kept := testDamaged(t, dir, "log")
			if tc.noCopy {
				if len(kept) != 0 {
					t.Fatalf("%d damaged copies, want none", len(kept))
				}
				kept = []string{""}
			} else if len(kept) != 1 {
				t.Fatalf("%d damaged copies, want 1", len(kept))
			} else if b, _ := os.ReadFile(kept[0]); !bytes.Equal(b, bad) {
				t.Fatal("damaged copy does not hold the original bytes")
			}
			if (rep != nil) != tc.report {
				t.Fatalf("report = %+v, want report: %v", rep, tc.report)
			}
			if rep != nil {
				if rep.LostRecords != tc.lost || rep.Loud != (tc.lost > 0) {
					t.Errorf("LostRecords %d, Loud %v; want %d lost: %q", rep.LostRecords, rep.Loud, tc.lost, rep.Messages)
				}
				if tc.lost > 0 && !strings.Contains(strings.Join(rep.Messages, "\n"), fmt.Sprintf("%d saved record(s) lost", tc.lost)) {
					t.Errorf("messages %q do not say what was lost", rep.Messages)
				}
			}
			if rep != nil && !tc.noCopy {
				if !slices.Contains(rep.Kept, kept[0]) {
					t.Errorf("report Kept = %v, want %v", rep.Kept, kept)
				}
				if len(rep.Messages) == 0 || !strings.Contains(strings.Join(rep.Messages, "\n"), lp) || !strings.Contains(strings.Join(rep.Messages, "\n"), kept[0]) {
					t.Errorf("messages %q should name %s and %s", rep.Messages, lp, kept[0])
				}
			}
			// The log is clean now and usable.
			_, again := testLoad(t, testOpen(t, dir))
			testEqual(t, "second load", again, want)
			testAppend(t, s, []byte("after"))
			_, again = testLoad(t, testOpen(t, dir))
			testEqual(t, "after append", again, append(slices.Clone(want), []byte("after")))
		})
	}
}

// A log from before the format had markers and sequence numbers reads as
// it did, and the first append rewrites it in the new format.
func TestStoreReadsVersion1(t *testing.T) {
	chunks := testChunks("v1", 4, 50)
	v1 := func(cs [][]byte) []byte {
		b := []byte(logMagicV1 + "old-epch")
		for _, c := range cs {
			b = append(b, encodeFrameV1(c)...)
		}
		return b
	}
	cases := []struct {
		name   string
		log    []byte
		keep   [][]byte
		report bool
	}{
		{"clean", v1(chunks), chunks, false},
		{"torn tail", v1(chunks)[:len(v1(chunks))-3], chunks[:3], false},
		{"damaged middle record", func() []byte {
			b := v1(chunks)
			b[headerSizeV1+frameHeaderV1+5] ^= 1
			return b
		}(), [][]byte{chunks[1], chunks[2], chunks[3]}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "log"), tc.log, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "snapshot"), []byte("legacy snapshot"), 0o600); err != nil {
				t.Fatal(err)
			}
			s := testOpen(t, dir)
			snap, got, rep, err := s.Load()
			if err != nil {
				t.Fatal(err)
			}
			if string(snap) != "legacy snapshot" {
				t.Fatalf("snapshot %q", snap)
			}
			testEqual(t, "records", got, tc.keep)
			if (rep != nil) != tc.report {
				t.Fatalf("report %+v, want %v", rep, tc.report)
			}
			testAppend(t, s, []byte("new"))
			b, _ := os.ReadFile(filepath.Join(dir, "log"))
			if !bytes.HasPrefix(b, []byte(logMagicV2)) {
				t.Fatalf("log after an append starts %q", b[:8])
			}
			snap, got = testLoad(t, testOpen(t, dir))
			testEqual(t, "after the upgrade", got, append(slices.Clone(tc.keep), []byte("new")))
			if string(snap) != "legacy snapshot" {
				t.Fatalf("snapshot after the upgrade %q", snap)
			}
		})
	}
}

// Another process's damage found by Append or ReadNew is repaired before
// writing, so a new record never lands behind a torn or corrupt one.
func TestStoreRepairByOthers(t *testing.T) {
	c := testChunks("o", 3, 80)
	cases := []struct {
		name    string
		damage  func(t *testing.T, dir string)
		act     func(t *testing.T, a *Store) [][]byte // returns chunks it expects on disk
		report  bool
		wantLen int
		copies  int // damaged copies set aside by then
	}{
		{"append after torn tail", func(t *testing.T, dir string) { testTear(t, dir) },
			func(t *testing.T, a *Store) [][]byte {
				testAppend(t, a, c[2])
				return [][]byte{c[0], c[1], c[2]}
			}, false, 3, 1},
		{"append after corrupt unread record", func(t *testing.T, dir string) {
			testFlip(t, dir, testOffsets(c)[1]+10)
		}, func(t *testing.T, a *Store) [][]byte {
			testAppend(t, a, c[2])
			return [][]byte{c[0], c[2]}
		}, true, 2, 1},
		{"read after torn tail", func(t *testing.T, dir string) { testTear(t, dir) },
			func(t *testing.T, a *Store) [][]byte {
				snap, got, reset, err := a.ReadNew()
				if err != nil || snap != nil {
					t.Fatal(snap, err)
				}
				if reset {
					t.Fatal("a torn append made the reader start over")
				}
				testEqual(t, "ReadNew", got, c[1:2])
				return c[:2]
			}, false, 2, 0},
		{"read after corrupt record", func(t *testing.T, dir string) {
			testFlip(t, dir, testOffsets(c)[1]+10)
		}, func(t *testing.T, a *Store) [][]byte {
			_, got, reset, err := a.ReadNew()
			if err != nil || !reset {
				t.Fatal(reset, err)
			}
			testEqual(t, "ReadNew", got, c[:1])
			return c[:1]
		}, true, 1, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			a, b := testOpen(t, dir), testOpen(t, dir)
			testAppend(t, a, c[0])
			testLoad(t, a)
			testAppend(t, b, c[1]) // unread by a
			tc.damage(t, dir)
			want := tc.act(t, a)
			if rep := a.TakeRecoveryReport(); (rep != nil) != tc.report {
				t.Fatalf("pending report = %+v, want report: %v", rep, tc.report)
			}
			if n := len(testDamaged(t, dir, "log")); n != tc.copies {
				t.Fatalf("%d damaged copies kept aside, want %d", n, tc.copies)
			}
			_, got := testLoad(t, testOpen(t, dir))
			testEqual(t, "on disk", got, want)
			if a.LogRecords() != tc.wantLen {
				t.Errorf("LogRecords = %d, want %d", a.LogRecords(), tc.wantLen)
			}
		})
	}
}

func testFlip(t testing.TB, dir string, at int64) {
	t.Helper()
	p := filepath.Join(dir, "log")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[at] ^= 0xFF
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A snapshot the caller's engine cannot read is set aside, and the next
// Load falls back to the previous generation and its logs.
func TestStoreRejectSnapshot(t *testing.T) {
	dir := t.TempDir()
	s := testOpen(t, dir)
	testLoad(t, s)
	c := testChunks("r", 4, 30)
	if err := s.Compact([]byte("generation one")); err != nil {
		t.Fatal(err)
	}
	testAppend(t, s, c[0], c[1])
	if err := s.Compact([]byte("generation two: the engine will refuse it")); err != nil {
		t.Fatal(err)
	}
	testAppend(t, s, c[2])

	r := testOpen(t, dir)
	snap, _ := testLoad(t, r)
	if !strings.HasPrefix(string(snap), "generation two") {
		t.Fatalf("first load read %q", snap)
	}
	p, err := r.RejectSnapshot(errors.New("not a document"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p, filepath.Join(dir, "snapshot.damaged-")) {
		t.Errorf("set aside as %s", p)
	}
	snap, chunks, rep, err := r.Load()
	if err != nil {
		t.Fatal(err)
	}
	if string(snap) != "generation one" {
		t.Fatalf("fallback read %q", snap)
	}
	testEqual(t, "fallback records", chunks, c[:3])
	if rep == nil || !rep.Fallback || rep.Loud || len(rep.Kept) != 1 {
		t.Fatalf("report %+v", rep)
	}
	// Appending and compacting go on from the fallback.
	testAppend(t, r, c[3])
	if err := r.Compact([]byte("generation three")); err != nil {
		t.Fatal(err)
	}
	r.TakeRecoveryReport()
	snap, chunks = testLoad(t, testOpen(t, dir))
	if string(snap) != "generation three" || len(chunks) != 0 {
		t.Fatalf("after compaction: %q, %d records", snap, len(chunks))
	}
	// Its fallback is generation one and every record since.
	os.Remove(filepath.Join(dir, "snapshot"))
	snap, chunks, rep, err = testOpen(t, dir).Load()
	if err != nil {
		t.Fatal(err)
	}
	if string(snap) != "generation one" || rep == nil || !rep.Fallback || rep.Loud {
		t.Fatalf("second fallback: %q, %+v", snap, rep)
	}
	testEqual(t, "second fallback records", chunks, c)
}

func TestStoreTryLockExclusive(t *testing.T) {
	dir := t.TempDir()
	a, b := testOpen(t, dir), testOpen(t, dir)
	steps := []struct {
		name string
		do   func() error
		want error
	}{
		{"a locks", a.TryLockExclusive, nil},
		{"a locks again", a.TryLockExclusive, nil},
		{"b is refused", b.TryLockExclusive, ErrOpenElsewhere},
		{"a unlocks", a.Unlock, nil},
		{"b locks", b.TryLockExclusive, nil},
		{"a is refused", a.TryLockExclusive, ErrOpenElsewhere},
		{"b closes", b.Close, nil},
		{"a locks after close", a.TryLockExclusive, nil},
	}
	for _, st := range steps {
		if err := st.do(); !errors.Is(err, st.want) || (st.want == nil) != (err == nil) {
			t.Fatalf("%s: %v, want %v", st.name, err, st.want)
		}
	}
	// The data lock is separate: b's replacement can still append.
	testAppend(t, testOpen(t, dir), []byte("x"))
}

func TestStoreErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := Open(filepath.Join(file, "plan")); err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("Open under a file = %v", err)
	}
	s, err := Open(filepath.Join(dir, "plan"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Compact(nil); err == nil {
		t.Error("Compact(nil) accepted an empty snapshot")
	}
	s.Close()
	if err := s.Append([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Append after Close = %v", err)
	}
	if _, _, _, err := s.Load(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Load after Close = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

// Many goroutines appending through one Store.
func TestStoreConcurrentAppendOneStore(t *testing.T) {
	dir := t.TempDir()
	s := testOpen(t, dir)
	testLoad(t, s)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for _, c := range testChunks(fmt.Sprint("w", w), each, 64) {
				if err := s.Append(c); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	_, got := testLoad(t, testOpen(t, dir))
	seen := map[string]bool{}
	for _, c := range got {
		seen[string(c)] = true
	}
	if len(got) != workers*each || len(seen) != workers*each || s.LogRecords() != workers*each {
		t.Fatalf("got %d chunks (%d distinct), LogRecords %d; want %d", len(got), len(seen), s.LogRecords(), workers*each)
	}
	if _, news, _, _ := s.ReadNew(); len(news) != 0 {
		t.Fatalf("ReadNew returned %d of our own appends", len(news))
	}
}

// testStale counts compactions that had to retry.
var testStale atomic.Int64

// testMerge brings d up to date with s and compacts, retrying on ErrStale.
func testMerge(s *Store, d testDoc) error {
	for range 50 {
		snap, chunks, _, err := s.ReadNew()
		if err != nil {
			return err
		}
		if snap != nil {
			if err := d.merge(snap); err != nil {
				return err
			}
		}
		for _, c := range chunks {
			if err := d.merge(c); err != nil {
				return err
			}
		}
		// Local changes were appended before merging, so what the document
		// would now emit is only what we just read.
		d.forget()
		err = s.Compact(d.save())
		if !errors.Is(err, ErrStale) {
			return err
		}
		testStale.Add(1)
	}
	return errors.New("compaction stayed stale")
}

// Two Stores on one folder (two processes) appending changes and compacting
// concurrently: nothing is lost.
func TestStoreConcurrentWriters(t *testing.T) {
	for _, e := range testEngines {
		t.Run(e.name, func(t *testing.T) {
			dir := t.TempDir()
			const edits = 60
			stale := testStale.Load()
			var wg sync.WaitGroup
			ids := make([][]string, 2)
			for w := range 2 {
				s := testOpen(t, dir)
				wg.Go(func() {
					// The other writer may have started: begin from what is there.
					snap, chunks, _, err := s.Load()
					if err != nil {
						t.Error(err)
						return
					}
					d, err := testRebuild(e, snap, chunks)
					if err != nil {
						t.Error(err)
						return
					}
					for i := range edits {
						id, chunk, err := d.change(fmt.Sprint("w", w, "-", i), 8)
						if err != nil {
							t.Error(err)
							return
						}
						ids[w] = append(ids[w], id)
						if err := s.Append(chunk); err != nil {
							t.Error(err)
							return
						}
						if i%10 == 9 {
							if err := testMerge(s, d); err != nil {
								t.Error(err)
								return
							}
						}
					}
				})
			}
			wg.Wait()
			have := testIDs(t, e, testOpen(t, dir))
			for w, hs := range ids {
				for _, h := range hs {
					if !have[h] {
						t.Errorf("change %s from writer %d lost", h, w)
					}
				}
			}
			if len(have) != 2*edits {
				t.Errorf("document has %d changes, want %d", len(have), 2*edits)
			}
			t.Logf("%d changes, %d stale compactions retried", len(have), testStale.Load()-stale)
		})
	}
}

// testIDs loads the store and lists the changes its document holds.
func testIDs(t testing.TB, e testEngine, s *Store) map[string]bool {
	t.Helper()
	snap, chunks := testLoad(t, s)
	d, err := testRebuild(e, snap, chunks)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := d.ids()
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// BenchmarkStoreAppend: one durable append of a typical commit's bytes,
// with the thread's CPU time per append apart from the fsync's own (Linux).
func BenchmarkStoreAppend(b *testing.B) {
	for _, tc := range []struct {
		name  string
		write func(s *Store, c []byte) error
	}{
		{"Append", (*Store).Append}, // durable: waits for the flusher's fsync
		{"Write", (*Store).Write},   // the typing path: written, fsynced in the background
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := testOpen(b, b.TempDir())
			testLoad(b, s)
			chunk := testChunks("bench", 1, 200)[0]
			b.SetBytes(int64(len(chunk)))
			st0, fl0 := s.Stats(), s.SyncStats()
			var cpu time.Duration
			for b.Loop() {
				var err error
				cpu += onThreadCPU(func() { err = tc.write(s, chunk) })
				if err != nil {
					b.Fatal(err)
				}
			}
			if err := s.Sync(); err != nil {
				b.Fatal(err)
			}
			st, fl := s.Stats(), s.SyncStats()
			n := float64(st.Appends - st0.Appends)
			us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 / n }
			if cpu > 0 {
				b.ReportMetric(us(cpu), "caller-cpu-us/op")
				b.ReportMetric(us(st.SyncCPU-st0.SyncCPU), "fsync-cpu-us/op")
			}
			b.ReportMetric(us(fl.SyncTime-fl0.SyncTime), "fsync-wall-us/op")
			b.ReportMetric(us(st.SyncTime-st0.SyncTime), "wait-us/op")
			b.ReportMetric(float64(fl.Syncs-fl0.Syncs)/n, "fsyncs/op")
			lag := fl.Lag.Since(fl0.Lag)
			b.ReportMetric(float64(lag.Quantile(0.5).Microseconds()), "lag-p50-us")
			b.ReportMetric(float64(lag.Quantile(0.99).Microseconds()), "lag-p99-us")
		})
	}
}
