//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
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
