//go:build !linux || !cgo

package cmalloc

func limit() int { return 0 }

func arenas() int { return -1 }

func mallocFree(int) func() { return func() {} }
