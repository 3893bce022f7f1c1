package doc

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// damageFixture is a plan folder as a season of use leaves it: two
// generations on disk. The previous snapshot and its log hold A1..A5, the
// newest snapshot holds them too, and the live log holds B1..B5, one
// acknowledged commit each.
func damageFixture(t *testing.T) (lib *Library, id, dir string) {
	t.Helper()
	lib, err := OpenLibrary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Create("Damage", "Testland", "2025", "2027", testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	add := func(title string) {
		if _, err := p.AddCommitment(NewCommitment{Title: title}); err != nil {
			t.Fatal(err)
		}
		if err := p.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []string{"A1", "A2", "A3", "A4", "A5"} {
		add(s)
	}
	compactNow(p)
	for _, s := range []string{"B1", "B2", "B3", "B4", "B5"} {
		add(s)
	}
	// Every edit is committed; Close would fold a log this small into a
	// new snapshot.
	p.Abandon()
	return lib, p.ID(), lib.planDir(p.ID())
}

// logRecords returns the offsets and sizes of the frames in a plan's log.
func logRecords(t *testing.T, path string) (offs, sizes []int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for off := int64(32); off+24 <= int64(len(b)); {
		n := int64(binary.BigEndian.Uint32(b[off+12:]))
		offs, sizes = append(offs, off), append(sizes, 24+n)
		off += 24 + n
	}
	return offs, sizes
}

func flipAt(t *testing.T, path string, at func(b []byte) int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[at(b)] ^= 0x5A
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDamageMatrix damages a real plan folder in each way the issue lists
// and checks that the plan opens, that the warning names what was lost, and
// that every acknowledged edit whose bytes, and the history they build on,
// are still readable somewhere is present. (An Automerge change cannot be
// applied without the changes it builds on: a record lost in the middle of
// the log holds back the local edits after it, which the warning names and
// the log keeps, for a colleague's copy to bring back.)
func TestDamageMatrix(t *testing.T) {
	all := []string{"A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "B4", "B5"}
	recordIn := func(dir string, i int) (string, int64, int64) {
		lp := filepath.Join(dir, "log")
		offs, sizes := logRecords(t, lp)
		if len(offs) != 5 {
			t.Fatalf("fixture log has %d records, want 5", len(offs))
		}
		return lp, offs[i], sizes[i]
	}
	flipRecord := func(i int) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			lp, off, size := recordIn(dir, i)
			flipAt(t, lp, func([]byte) int64 { return off + size - 3 })
		}
	}
	flipSnapshot := func(t *testing.T, dir string) {
		flipAt(t, filepath.Join(dir, "snapshot"), func(b []byte) int64 { return int64(len(b)) / 2 })
	}
	cases := []struct {
		name    string
		damage  func(t *testing.T, dir string)
		present []string
		loud    bool     // acknowledged edits lost
		says    []string // the warning mentions these
	}{
		{"snapshot byte flip", flipSnapshot, all, false, []string{"snapshot", "previous generation"}},
		{"snapshot truncated", func(t *testing.T, dir string) {
			sp := filepath.Join(dir, "snapshot")
			b, _ := os.ReadFile(sp)
			os.WriteFile(sp, b[:len(b)-40], 0o600)
		}, all, false, []string{"cut short", "previous generation"}},
		{"snapshot deleted", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "snapshot"))
		}, all, false, []string{"missing", "previous generation"}},
		{"log byte flip in the first record", flipRecord(0), all[:5], true, []string{"1 saved record(s) lost", "4 saved change(s) build on history that is lost", "Add commitment 9 “B4”"}},
		{"log byte flip in the middle record", flipRecord(2), all[:7], true, []string{"1 saved record(s) lost", "2 saved change(s)", "Add commitment 10 “B5”"}},
		{"log byte flip in the last record", flipRecord(4), all[:9], true, []string{"1 saved record(s) lost"}},
		{"log truncated inside an acknowledged record", func(t *testing.T, dir string) {
			lp := filepath.Join(dir, "log")
			b, _ := os.ReadFile(lp)
			os.WriteFile(lp, b[:len(b)-5], 0o600)
		}, all[:9], true, []string{"cut short", "1 saved record(s) lost"}},
		{"log header overwritten", func(t *testing.T, dir string) {
			lp := filepath.Join(dir, "log")
			b, _ := os.ReadFile(lp)
			copy(b, strings.Repeat("\x00", 32))
			os.WriteFile(lp, b, 0o600)
		}, all, false, []string{"header is damaged", "no saved record was lost"}},
		{"snapshot and log both damaged", func(t *testing.T, dir string) {
			flipSnapshot(t, dir)
			flipRecord(4)(t, dir)
		}, all[:9], true, []string{"previous generation", "1 saved record(s) lost"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lib, id, dir := damageFixture(t)
			tc.damage(t, dir)
			p, rep, err := lib.OpenWithReport(id, testAuthor)
			if err != nil {
				t.Fatalf("the plan does not open: %v", err)
			}
			if rep == nil {
				t.Fatal("the damage went unreported")
			}
			msg := strings.Join(rep.Messages, "\n")
			for _, s := range tc.says {
				if !strings.Contains(msg, s) {
					t.Errorf("warning does not say %q:\n%s", s, msg)
				}
			}
			if rep.Loud != tc.loud {
				t.Errorf("loud = %v, want %v:\n%s", rep.Loud, tc.loud, msg)
			}
			var have []string
			for _, s := range p.Summaries() {
				have = append(have, s.Title)
			}
			slices.Sort(have)
			if !slices.Equal(have, tc.present) {
				t.Errorf("commitments %v, want %v", have, tc.present)
			}
			// Edits go on, and the next open is clean (or, with changes
			// held back, says so again rather than forgetting them).
			if _, err := p.AddCommitment(NewCommitment{Title: "after"}); err != nil {
				t.Fatal(err)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			q, rep2, err := lib.OpenWithReport(id, testAuthor)
			if err != nil {
				t.Fatal(err)
			}
			defer q.Abandon()
			if n := len(q.Summaries()); n != len(tc.present)+1 {
				t.Errorf("reopened with %d commitments, want %d", n, len(tc.present)+1)
			}
			heldBack := len(tc.present) < 9 && tc.loud
			if heldBack != (rep2 != nil) {
				t.Errorf("second open report %+v (changes held back: %v)", rep2, heldBack)
			}
			if m, _ := filepath.Glob(filepath.Join(dir, "*.damaged-*")); len(m) == 0 && tc.name != "snapshot deleted" {
				t.Error("no damaged copy kept aside")
			}
		})
	}
}

// Repair rebuilds from every readable piece: here the snapshot's header is
// damaged (so an open cannot use it and, with no earlier generation, has
// only the log), but its payload is whole in the copy set aside.
func TestRepairFromPieces(t *testing.T) {
	lib, id, dir := damageFixture(t)
	for _, f := range []string{"snapshot.prev", "log.prev"} {
		os.Remove(filepath.Join(dir, f))
	}
	flipAt(t, filepath.Join(dir, "snapshot"), func([]byte) int64 { return 20 })
	dg, err := lib.Diagnose(id)
	if err != nil {
		t.Fatal(err)
	}
	if !dg.Damaged() || dg.Salvageable <= dg.Changes {
		t.Fatalf("diagnosis: damaged %v, %d changes open, %d salvageable", dg.Damaged(), dg.Changes, dg.Salvageable)
	}
	if _, err := os.Stat(filepath.Join(dir, "snapshot")); err != nil {
		t.Fatal("the diagnosis moved the snapshot")
	}
	// An open sets the snapshot aside and has only the log (whose changes
	// build on the snapshot's): it cannot open the plan.
	if _, _, err := lib.OpenWithReport(id, testAuthor); err == nil {
		t.Fatal("opened without the snapshot's history")
	}
	after, err := lib.Repair(id, nil, testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	if after.After != dg.Salvageable {
		t.Fatalf("repair holds %d changes, salvage promised %d", after.After, dg.Salvageable)
	}
	p, rep, err := lib.OpenWithReport(id, testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Abandon()
	if rep != nil {
		t.Fatalf("after the repair: %q", rep.Messages)
	}
	if n := len(p.Summaries()); n != 10 {
		t.Fatalf("after the repair: %d commitments, want 10", n)
	}
}

// A plan folder written before the storage format changed (a bare
// snapshot, a log of length-and-checksum records) opens as it did, and
// goes on in the new format: nothing a user already has is lost.
func TestOpensOldStorageFormat(t *testing.T) {
	p := newTestPlan(t)
	if _, err := p.AddCommitment(NewCommitment{Title: "In the snapshot"}); err != nil {
		t.Fatal(err)
	}
	saved, err := p.Save()
	if err != nil {
		t.Fatal(err)
	}
	before := p.d.Heads()
	if _, err := p.AddCommitment(NewCommitment{Title: "In the log"}); err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	chs, err := p.d.Changes(before...)
	if err != nil || len(chs) != 1 {
		t.Fatalf("%d changes, %v", len(chs), err)
	}
	record := chs[0].Save()
	lib, err := OpenLibrary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := lib.planDir(p.ID())
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	oldLog := []byte("CPLNLOG1" + "oldepoch")
	oldLog = binary.BigEndian.AppendUint32(oldLog, uint32(len(record)))
	oldLog = binary.BigEndian.AppendUint32(oldLog, crc32.Checksum(record, crc32.MakeTable(crc32.Castagnoli)))
	oldLog = append(oldLog, record...)
	if err := os.WriteFile(filepath.Join(dir, "snapshot"), saved, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "log"), oldLog, 0o600); err != nil {
		t.Fatal(err)
	}
	q, rep, err := lib.OpenWithReport(p.ID(), testAuthor)
	if err != nil || rep != nil {
		t.Fatalf("open: %v %+v", err, rep)
	}
	if n := len(q.Summaries()); n != 2 {
		t.Fatalf("%d commitments, want 2", n)
	}
	if _, err := q.AddCommitment(NewCommitment{Title: "In the new log"}); err != nil {
		t.Fatal(err)
	}
	compactNow(q)
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	r, rep, err := lib.OpenWithReport(p.ID(), testAuthor)
	if err != nil || rep != nil {
		t.Fatalf("reopen: %v %+v", err, rep)
	}
	defer r.Abandon()
	if n := len(r.Summaries()); n != 3 {
		t.Fatalf("%d commitments after the upgrade, want 3", n)
	}
	// The old snapshot is the fallback now: the generation read whole.
	os.Remove(filepath.Join(dir, "snapshot"))
	s, _, err := lib.OpenWithReport(p.ID(), testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Abandon()
	if n := len(s.Summaries()); n != 3 {
		t.Fatalf("%d commitments from the fallback, want 3", n)
	}
}
