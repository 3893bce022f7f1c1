package atomicfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var writers = []struct {
	name  string
	write func(string, []byte, os.FileMode) error
}{
	{"WriteFile", WriteFile},
	{"WriteFileQuick", WriteFileQuick},
}

// names lists dir, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestAtomicWrite(t *testing.T) {
	cases := []struct {
		name     string
		existing []byte // nil: no file before
		oldPerm  os.FileMode
		data     []byte
		perm     os.FileMode
	}{
		{"new file 0600", nil, 0, []byte("secret key"), 0o600},
		{"new file 0644", nil, 0, []byte("exported plan"), 0o644},
		{"replaces a file", []byte("old content, longer than the new"), 0o644, []byte("new"), 0o600},
		{"widens a file's mode", []byte("old"), 0o600, []byte("new content"), 0o644},
		{"empty content", []byte("old"), 0o600, []byte{}, 0o600},
		{"large content", nil, 0, bytes.Repeat([]byte("0123456789"), 1<<17), 0o600},
	}
	for _, w := range writers {
		for _, tc := range cases {
			t.Run(w.name+"/"+tc.name, func(t *testing.T) {
				dir := t.TempDir()
				p := filepath.Join(dir, "f")
				if tc.existing != nil {
					if err := os.WriteFile(p, tc.existing, tc.oldPerm); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.write(p, tc.data, tc.perm); err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, tc.data) {
					t.Errorf("content: %d bytes %.20q, want %d bytes %.20q", len(got), got, len(tc.data), tc.data)
				}
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				if runtime.GOOS != "windows" && fi.Mode().Perm() != tc.perm {
					t.Errorf("mode %v, want %v", fi.Mode().Perm(), tc.perm)
				}
				if n := names(t, dir); !slices.Equal(n, []string{"f"}) {
					t.Errorf("folder holds %q, want only f", n)
				}
			})
		}
	}
}

func TestAtomicWriteFails(t *testing.T) {
	cases := []struct {
		name string
		// setup prepares dir and returns the path to write.
		setup  func(t *testing.T, dir string) string
		wantIs error // nil: any error
		after  []string
	}{
		{"folder does not exist", func(t *testing.T, dir string) string {
			return filepath.Join(dir, "missing", "f")
		}, fs.ErrNotExist, nil},
		{"target is a folder with files in it", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "f")
			if err := os.MkdirAll(filepath.Join(p, "inside"), 0o700); err != nil {
				t.Fatal(err)
			}
			return p
		}, nil, []string{"f"}},
		{"read-only folder", func(t *testing.T, dir string) string {
			if os.Geteuid() == 0 {
				t.Skip("root writes into read-only folders")
			}
			if runtime.GOOS == "windows" {
				t.Skip("Windows ignores a folder's read-only bit")
			}
			if err := os.WriteFile(filepath.Join(dir, "f"), []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, 0o500); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(dir, 0o700) })
			return filepath.Join(dir, "f")
		}, fs.ErrPermission, []string{"f"}},
	}
	for _, w := range writers {
		for _, tc := range cases {
			t.Run(w.name+"/"+tc.name, func(t *testing.T) {
				dir := t.TempDir()
				p := tc.setup(t, dir)
				before, _ := os.ReadFile(p)
				err := w.write(p, []byte("new"), 0o600)
				if err == nil {
					t.Fatal("no error")
				}
				if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
					t.Errorf("error %v, want %v", err, tc.wantIs)
				}
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error %q does not name %s", err, p)
				}
				if n := names(t, dir); !slices.Equal(n, tc.after) {
					t.Errorf("folder holds %q after the failure, want %q", n, tc.after)
				}
				if after, _ := os.ReadFile(p); !bytes.Equal(after, before) {
					t.Errorf("target changed from %q to %q", before, after)
				}
			})
		}
	}
}

// A reader polling the file while it is replaced again and again sees one
// whole version or the other, never a partial or mixed file.
func TestAtomicConcurrentReader(t *testing.T) {
	a := bytes.Repeat([]byte("a"), 64<<10)
	b := bytes.Repeat([]byte("b"), 100<<10)
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "f")
			if err := w.write(p, a, 0o600); err != nil {
				t.Fatal(err)
			}
			var enough atomic.Bool
			done := make(chan error, 1)
			var writes atomic.Int64
			go func() {
				deadline := time.Now().Add(10 * time.Second)
				for writes.Load() < 5000 && !enough.Load() && time.Now().Before(deadline) {
					data := b
					if writes.Load()%2 == 1 {
						data = a
					}
					if err := w.write(p, data, 0o600); err != nil {
						done <- err
						return
					}
					writes.Add(1)
				}
				done <- nil
			}()
			reads, sawA, sawB := 0, false, false
			var werr error
			finished := false
		loop:
			for range 100000 {
				select {
				case werr = <-done:
					finished = true
					break loop
				default:
				}
				got, err := os.ReadFile(p)
				if err != nil {
					t.Fatalf("read %d: %v", reads, err)
				}
				switch {
				case bytes.Equal(got, a):
					sawA = true
				case bytes.Equal(got, b):
					sawB = true
				default:
					t.Fatalf("read %d saw a partial file of %d bytes", reads, len(got))
				}
				reads++
				if reads >= 300 && writes.Load() >= 100 && sawA && sawB {
					enough.Store(true)
				}
			}
			enough.Store(true)
			if !finished {
				werr = <-done
			}
			if werr != nil {
				t.Fatal(werr)
			}
			if !sawA || !sawB || writes.Load() < 100 {
				t.Fatalf("%d reads over %d writes saw a: %v, b: %v; want both, over at least 100 writes", reads, writes.Load(), sawA, sawB)
			}
			if n := names(t, dir); !slices.Equal(n, []string{"f"}) {
				t.Errorf("folder holds %q, want only f", n)
			}
			t.Logf("%d reads over %d writes", reads, writes.Load())
		})
	}
}

func TestAtomicSyncDir(t *testing.T) {
	if err := SyncDir(t.TempDir()); err != nil {
		t.Errorf("SyncDir of a folder: %v", err)
	}
	if runtime.GOOS != "windows" {
		if err := SyncDir(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("SyncDir of a missing folder = %v, want ErrNotExist", err)
		}
	}
}
