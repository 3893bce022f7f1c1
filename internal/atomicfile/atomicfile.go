// Package atomicfile replaces a file's content so that a reader, or a crash,
// finds either the old content or the new one, never a mix.
//
// WriteFile is durable: when it returns, the new content survives a power
// cut. WriteFileQuick is atomic but not durable, for files that can be
// rebuilt (caches, window state); after a crash they may hold older content.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile writes data to path with mode perm through a temporary file in
// the same folder: write, chmod, fsync, close, rename over path, then fsync
// the folder so the rename itself survives a crash. The folder must exist.
// On failure path is untouched and the temporary file is removed.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return write(path, data, perm, true)
}

// WriteFileQuick is WriteFile without either fsync: readers still see the
// old or the new content, but a crash soon after may leave the old content
// (or, on some file systems, an empty file). Use it only for files that can
// be rebuilt, such as caches and window state.
func WriteFileQuick(path string, data []byte, perm os.FileMode) error {
	return write(path, data, perm, false)
}

func write(path string, data []byte, perm os.FileMode, durable bool) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if err == nil && durable {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if durable {
		if err := SyncDir(dir); err != nil {
			// The new content is in place; only its durability is in doubt.
			return fmt.Errorf("write %s: sync folder: %w", path, err)
		}
	}
	return nil
}
