//go:build !unix

package atomicfile

// SyncDir does nothing here: Windows cannot flush a folder (FlushFileBuffers
// wants a file), so a rename is as durable as the file system's own
// metadata journal makes it.
func SyncDir(dir string) error { return nil }
