package doc

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestContentCache(t *testing.T) {
	lib, err := OpenLibrary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Create("Cached plan", "Freedonia", "2025", "2027", testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	id := p.ID()
	if _, ok := lib.ContentCache(id); ok {
		t.Fatal("a cache before any was written")
	}
	cid, err := p.AddCommitment(NewCommitment{Title: "Open contracting"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetText(CommitmentText(cid, "description"), "Publish ŵ contracts.\n\nSecond paragraph."); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteContentCache(); err != nil {
		t.Fatal(err)
	}
	want := p.Content()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	got, ok := lib.ContentCache(id)
	if !ok {
		t.Fatal("no cache after WriteContentCache")
	}
	if !reflect.DeepEqual(got.Commitments, want.Commitments) || got.Title != want.Title || got.Vision != want.Vision || len(got.Members) != len(want.Members) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
	// The pending edits were committed: the document on disk has them.
	q, err := lib.Open(id, testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := q.Commitment(cid); c.Description != "Publish ŵ contracts.\n\nSecond paragraph." {
		t.Errorf("reopened description %q", c.Description)
	}
	q.Close()
	if err := q.WriteContentCache(); err == nil {
		t.Error("a closed plan wrote a cache")
	}

	path := filepath.Join(lib.Dir(), "plans", id, contentCacheFile)
	for name, data := range map[string]string{
		"corrupt":      `{"schema":1,"id":"` + id + `","title":`,
		"not json":     "\x00\x01hello",
		"other plan":   `{"schema":1,"id":"0123456789abcdef0123456789abcdef"}`,
		"newer schema": `{"schema":99,"id":"` + id + `"}`,
	} {
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, ok := lib.ContentCache(id); ok {
			t.Errorf("%s cache accepted", name)
		}
	}
	if _, ok := lib.ContentCache("../../etc"); ok {
		t.Error("a bad plan ID was read")
	}
}

// List uses a cache only while it is newer than the plan's files: a title
// changed by another process after the cache was written still shows.
func TestListUsesFreshCacheOnly(t *testing.T) {
	lib, err := OpenLibrary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Create("Cached title", "X", "2025", "2027", testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WriteContentCache(); err != nil {
		t.Fatal(err)
	}
	infos, errs := lib.List()
	if len(errs) != 0 || len(infos) != 1 || infos[0].Title != "Cached title" {
		t.Fatalf("list from cache: %+v %v", infos, errs)
	}
	time.Sleep(20 * time.Millisecond) // file times must differ
	if err := p.SetPlanField("title", "Renamed elsewhere"); err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	infos, _ = lib.List()
	if len(infos) != 1 || infos[0].Title != "Renamed elsewhere" {
		t.Fatalf("stale cache used: %+v", infos)
	}
	p.Close()
}
