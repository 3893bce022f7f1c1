package doc

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Commits while typing take item names from what the last commit read;
// anything that may rename or renumber an item makes the next commit read
// them again, so messages stay true.
func TestTypingMessagesFollowRenames(t *testing.T) {
	lastMessage := func(t *testing.T, p *Plan) string {
		t.Helper()
		h, err := p.ChangeLog()
		if err != nil {
			t.Fatal(err)
		}
		return h[len(h)-1].Message
	}
	type12 := func(t *testing.T, p *Plan, ref TextRef) {
		t.Helper()
		for i := 0; i < 2; i++ {
			if err := p.Splice(ref, 0, 0, "x"); err != nil {
				t.Fatal(err)
			}
			if err := p.Commit(); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []struct {
		name   string
		change func(t *testing.T, p *Plan, first, second string)
		want   string
	}{
		{"title typed locally", func(t *testing.T, p *Plan, _, second string) {
			if err := p.SetText(CommitmentText(second, "title"), "Renamed"); err != nil {
				t.Fatal(err)
			}
		}, "commitment 2 “Renamed”"},
		{"moved locally", func(t *testing.T, p *Plan, _, second string) {
			if err := p.MoveCommitment(second, 0); err != nil {
				t.Fatal(err)
			}
		}, "commitment 1 “Second”"},
		{"renamed by a colleague, merged", func(t *testing.T, p *Plan, _, second string) {
			r := replica(t, p, keyedAuthor("Bo Smith", "Open Data NGO", CivilSociety))
			if err := r.SetText(CommitmentText(second, "title"), "Theirs"); err != nil {
				t.Fatal(err)
			}
			saved, err := r.Save()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Merge(saved); err != nil {
				t.Fatal(err)
			}
		}, "commitment 2 “Theirs”"},
		{"renamed by a colleague, applied as changes", func(t *testing.T, p *Plan, _, second string) {
			r := replica(t, p, keyedAuthor("Bo Smith", "Open Data NGO", CivilSociety))
			heads := r.Heads()
			if err := r.SetText(CommitmentText(second, "title"), "Applied"); err != nil {
				t.Fatal(err)
			}
			chunk, err := r.SaveChangesSince(heads)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.ApplyChanges(chunk); err != nil {
				t.Fatal(err)
			}
		}, "commitment 2 “Applied”"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestPlan(t)
			first, _ := p.AddCommitment(NewCommitment{Title: "First"})
			second, _ := p.AddCommitment(NewCommitment{Title: "Second"})
			ref := CommitmentText(second, "description")
			type12(t, p, ref)
			if m := lastMessage(t, p); !strings.Contains(m, "commitment 2 “Second”") {
				t.Fatalf("before: %q", m)
			}
			tc.change(t, p, first, second)
			if err := p.Commit(); err != nil {
				t.Fatal(err)
			}
			type12(t, p, ref)
			if m := lastMessage(t, p); !strings.Contains(m, tc.want) {
				t.Fatalf("after: %q, want it to name %s", m, tc.want)
			}
		})
	}
}

// A session that compacted leaves, at Close, the newest snapshot reopened
// and a copy of it as the fallback: the folder is about twice the
// document, and with the snapshot gone the copy still holds every edit.
// Until the newest reopens, the previous generation stays.
func TestCloseRefreshesFallback(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, dir string)
	}{
		{"snapshot deleted", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "snapshot")); err != nil {
				t.Fatal(err)
			}
		}},
		{"snapshot byte flipped", func(t *testing.T, dir string) {
			flipAt(t, filepath.Join(dir, "snapshot"), func(b []byte) int64 { return int64(len(b) / 2) })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lib, err := OpenLibrary(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			p, err := lib.Create("Fallback", "Testland", "2025", "2027", testAuthor)
			if err != nil {
				t.Fatal(err)
			}
			id, _ := p.AddCommitment(NewCommitment{Title: "Typed"})
			ref := CommitmentText(id, "description")
			var want strings.Builder
			for i := 0; i < 300; i++ {
				w := fmt.Sprintf("w%d ", i)
				if err := p.Splice(ref, want.Len(), 0, w); err != nil {
					t.Fatal(err)
				}
				want.WriteString(w)
				if err := p.Commit(); err != nil {
					t.Fatal(err)
				}
				if i == 150 {
					compactNow(p) // the previous generation, then the log since
				}
			}
			p.compactWG.Wait()
			dir := lib.planDir(p.ID())
			ps, pl := p.store.PrevSizes()
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			disk := storedBytes(t, dir)
			saved := savedSize(t, lib, p.ID())
			nps, npl := fileSize(t, filepath.Join(dir, "snapshot.prev")), fileSize(t, filepath.Join(dir, "log.prev"))
			t.Logf("fallback %d+%d bytes before Close, %d+%d after; folder %d bytes, document %d", ps, pl, nps, npl, disk, saved)
			if nps+npl >= ps+pl {
				t.Fatalf("the fallback did not shrink: %d+%d, was %d+%d", nps, npl, ps, pl)
			}
			// Two snapshot headers and an empty log's header on top.
			if float64(disk) > 2*float64(saved)+512 {
				t.Fatalf("folder %d bytes for a document of %d", disk, saved)
			}
			tc.damage(t, dir)
			q, _, err := lib.OpenWithReport(p.ID(), testAuthor)
			if err != nil {
				t.Fatal(err)
			}
			defer q.Abandon()
			if got, _ := q.Text(ref); got != want.String() {
				t.Fatalf("from the fallback: %d bytes of text, want %d", len(got), want.Len())
			}
		})
	}
}

// savedSize is the saved size of the plan id as stored (Close attests
// what was typed, so the document grows a little there).
func savedSize(t testing.TB, lib *Library, id string) int {
	t.Helper()
	q, _, err := lib.OpenWithReport(id, testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Abandon()
	saved, err := q.Save()
	if err != nil {
		t.Fatal(err)
	}
	return len(saved)
}

func fileSize(t *testing.T, p string) int64 {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
