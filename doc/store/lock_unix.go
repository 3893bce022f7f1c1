//go:build unix

package store

import (
	"os"
	"syscall"
)

// lockFile takes an flock on f. flock locks belong to the open file, so two
// Stores in one process exclude each other just as two processes do.
func lockFile(f *os.File, mode lockMode) error {
	how := syscall.LOCK_SH
	switch mode {
	case lockExclusive:
		how = syscall.LOCK_EX
	case lockTryExclusive:
		how = syscall.LOCK_EX | syscall.LOCK_NB
	}
	err := flock(f, how)
	if mode == lockTryExclusive && err == syscall.EWOULDBLOCK {
		return errLocked
	}
	return err
}

// unlockFile releases lockFile's lock.
func unlockFile(f *os.File) error { return flock(f, syscall.LOCK_UN) }

func flock(f *os.File, how int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			if ferr = syscall.Flock(int(fd), how); ferr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return ferr
}
