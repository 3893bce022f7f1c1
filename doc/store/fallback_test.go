package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// RefreshFallback keeps the previous generation until the newest snapshot
// reopens (verify accepts what is read back from disk), then makes the
// fallback a copy of it, which a reader takes when the snapshot is gone.
func TestRefreshFallback(t *testing.T) {
	errBad := errors.New("the engine refused it")
	cases := []struct {
		name    string
		verify  func([]byte) error
		want    bool
		wantErr error
	}{
		{"reopens", func([]byte) error { return nil }, true, nil},
		{"does not reopen", func([]byte) error { return errBad }, false, errBad},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := testOpen(t, dir)
			testLoad(t, s)
			testAppend(t, s, testChunks("a", 5, 40)...)
			if err := s.Compact([]byte("gen-1")); err != nil {
				t.Fatal(err)
			}
			testAppend(t, s, testChunks("b", 5, 40)...)
			if err := s.Compact([]byte("gen-2")); err != nil {
				t.Fatal(err)
			}
			testAppend(t, s, testChunks("c", 2, 40)...)
			before, _ := os.ReadFile(filepath.Join(dir, prevLogName))
			var seen []byte
			ok, err := s.RefreshFallback(func(b []byte) error { seen = b; return tc.verify(b) })
			if ok != tc.want || !errors.Is(err, tc.wantErr) {
				t.Fatalf("RefreshFallback = %v, %v; want %v, %v", ok, err, tc.want, tc.wantErr)
			}
			if string(seen) != "gen-2" {
				t.Fatalf("verify saw %q, want the newest snapshot", seen)
			}
			after, _ := os.ReadFile(filepath.Join(dir, prevLogName))
			if !tc.want {
				if !bytes.Equal(before, after) {
					t.Fatal("the previous generation changed although the newest did not reopen")
				}
				return
			}
			if len(after) != headerSize {
				t.Fatalf("log.prev holds %d bytes, want an empty log", len(after))
			}
			s.Close()
			if err := os.Remove(filepath.Join(dir, snapName)); err != nil {
				t.Fatal(err)
			}
			r := testOpen(t, dir)
			snap, chunks, _, err := r.Load()
			if err != nil {
				t.Fatal(err)
			}
			if string(snap) != "gen-2" || len(chunks) != 2 {
				t.Fatalf("from the fallback: snapshot %q and %d records, want gen-2 and 2", snap, len(chunks))
			}
		})
	}
}
