//go:build windows

package store

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// idOf identifies the open file f, whose Stat is fi, by volume serial number
// and file index, Windows' device and inode. A path's creation time would
// not do: Windows gives a file renamed into place its predecessor's.
func idOf(f *os.File, fi os.FileInfo) (fileID, error) {
	id := fileID{exists: true, size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	rc, err := f.SyscallConn()
	if err != nil {
		return fileID{}, err
	}
	var info windows.ByHandleFileInformation
	var ierr error
	if err := rc.Control(func(h uintptr) {
		ierr = windows.GetFileInformationByHandle(windows.Handle(h), &info)
	}); err != nil {
		return fileID{}, err
	}
	if ierr != nil {
		return fileID{}, ierr
	}
	id.dev = uint64(info.VolumeSerialNumber)
	id.ino = uint64(info.FileIndexHigh)<<32 | uint64(info.FileIndexLow)
	return id, nil
}

// statID identifies the file at p; the zero fileID if there is none. It
// opens the file, as only an open handle gives the file index. Callers hold
// the store's lock, so no other Store is renaming over p meanwhile.
func statID(p string) (fileID, error) {
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return fileID{}, nil
	}
	if err != nil {
		return fileID{}, fmt.Errorf("stat %s: %w", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fileID{}, fmt.Errorf("stat %s: %w", p, err)
	}
	id, err := idOf(f, fi)
	if err != nil {
		return fileID{}, fmt.Errorf("stat %s: %w", p, err)
	}
	return id, nil
}

// dirWritable returns why dir cannot be written to, or nil. Windows'
// read-only folder attribute means nothing, so try: create a file, remove it.
func dirWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		if IsReadOnlyError(err) {
			return err
		}
		return nil // not a read-only folder; the real write will say what is wrong
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// isPlatformReadOnly recognises a write-protected medium.
func isPlatformReadOnly(err error) bool { return errors.Is(err, windows.ERROR_WRITE_PROTECT) }

// keepFilesOpen: Windows refuses to rename a file that is open without
// FILE_SHARE_DELETE, which os.OpenFile does not ask for.
const keepFilesOpen = false
