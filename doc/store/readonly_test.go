//go:build unix

package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The classification of a write that failed: read-only medium or missing
// permission (read-only use) against everything else (a real failure).
// This is what decides read-only use on a machine where the test cannot
// make a folder read-only for itself.
func TestIsReadOnlyError(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{syscall.EROFS, true},
		{&os.PathError{Op: "open", Path: "/media/usb/plans/x/lock", Err: syscall.EROFS}, true},
		{&os.PathError{Op: "open", Path: "lock", Err: syscall.EACCES}, true},
		{&os.PathError{Op: "mkdir", Path: "plans", Err: syscall.EPERM}, true},
		{fmt.Errorf("write: %w", fs.ErrPermission), true},
		{&os.PathError{Op: "open", Path: "lock", Err: syscall.ENOENT}, false},
		{&os.PathError{Op: "write", Path: "log", Err: syscall.ENOSPC}, false},
		{&os.PathError{Op: "write", Path: "log", Err: syscall.EIO}, false},
		{errors.New("something else"), false},
		{nil, false},
	}
	for _, tc := range cases {
		if got := IsReadOnlyError(tc.err); got != tc.want {
			t.Errorf("IsReadOnlyError(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// Without root, taking the write bits away makes a folder read-only: the
// store reads it under a shared lock and refuses every write with
// ErrReadOnly. (Root ignores the bits: cli's TestReadOnlyFolder makes a
// read-only bind mount instead.)
func TestStoreReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("skipping: root ignores permission bits (cli's TestReadOnlyFolder covers root with a read-only mount)")
	}
	dir := filepath.Join(t.TempDir(), "plan")
	s := testOpen(t, dir)
	testLoad(t, s)
	if err := s.Compact([]byte("snap")); err != nil {
		t.Fatal(err)
	}
	testAppend(t, s, []byte("a"), []byte("b"))
	s.Close()
	for _, p := range []string{dir} {
		if err := os.Chmod(p, 0o500); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(filepath.Join(dir, "lock"), 0o400)
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	r := testOpen(t, dir)
	if r.ReadOnly() == nil || !errors.Is(r.ReadOnly(), ErrReadOnly) {
		t.Fatalf("ReadOnly() = %v", r.ReadOnly())
	}
	snap, chunks := testLoad(t, r)
	if string(snap) != "snap" || len(chunks) != 2 {
		t.Fatalf("read %q and %d records", snap, len(chunks))
	}
	if err := r.Append([]byte("c")); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Append = %v", err)
	}
	if err := r.Compact([]byte("x")); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Compact = %v", err)
	}
}
