//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// idOf identifies the open file f, whose Stat is fi, by device and inode.
func idOf(_ *os.File, fi os.FileInfo) (fileID, error) {
	id := fileID{exists: true, size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.dev, id.ino = uint64(st.Dev), uint64(st.Ino)
	}
	return id, nil
}

// statID identifies the file at p; the zero fileID if there is none.
func statID(p string) (fileID, error) {
	fi, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return fileID{}, nil
	}
	if err != nil {
		return fileID{}, fmt.Errorf("stat %s: %w", p, err)
	}
	return idOf(nil, fi)
}

// dirWritable returns why dir cannot be written to, or nil. access(2)
// answers for the medium (EROFS) and the permission bits alike.
func dirWritable(dir string) error {
	if err := unix.Access(dir, unix.W_OK); err != nil {
		if err := (&os.PathError{Op: "access", Path: dir, Err: err}); IsReadOnlyError(err) {
			return err
		}
	}
	return nil
}

// isPlatformReadOnly: on Unix, EROFS and the permission errors say it all.
func isPlatformReadOnly(error) bool { return false }

// keepFilesOpen: a file open here can still be renamed over.
const keepFilesOpen = true
