//go:build windows

package store

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockFile takes a LockFileEx lock on the whole of f. Like flock it belongs
// to the open handle, so two Stores in one process exclude each other just as
// two processes do. The lock files hold no data, so Windows' mandatory byte
// locks block nothing else.
func lockFile(f *os.File, mode lockMode) error {
	var flags uint32
	switch mode {
	case lockExclusive:
		flags = windows.LOCKFILE_EXCLUSIVE_LOCK
	case lockTryExclusive:
		flags = windows.LOCKFILE_EXCLUSIVE_LOCK | windows.LOCKFILE_FAIL_IMMEDIATELY
	}
	err := control(f, func(h windows.Handle) error {
		return windows.LockFileEx(h, flags, 0, ^uint32(0), ^uint32(0), new(windows.Overlapped))
	})
	if mode == lockTryExclusive && errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return errLocked
	}
	return err
}

// unlockFile releases lockFile's lock.
func unlockFile(f *os.File) error {
	return control(f, func(h windows.Handle) error {
		return windows.UnlockFileEx(h, 0, ^uint32(0), ^uint32(0), new(windows.Overlapped))
	})
}

func control(f *os.File, do func(windows.Handle) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var derr error
	if err := rc.Control(func(h uintptr) { derr = do(windows.Handle(h)) }); err != nil {
		return err
	}
	return derr
}
