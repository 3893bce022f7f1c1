//go:build linux && cgo

package cmalloc

/*
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static int cmalloc_limit; // the limit set, 0 if none

// Runs when the program is loaded, before Go's runtime and its threads.
__attribute__((constructor)) static void cmalloc_start(void) {
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
	const char *tun = getenv("GLIBC_TUNABLES");
	if (getenv("MALLOC_ARENA_MAX") != NULL || (tun != NULL && strstr(tun, "glibc.malloc.arena_max") != NULL))
		return;
	if (mallopt(M_ARENA_MAX, 2) == 1)
		cmalloc_limit = 2;
#endif
}

static int cmalloc_limit_set(void) { return cmalloc_limit; }

// cmalloc_arenas counts the arenas malloc_info reports (-1 without glibc).
static int cmalloc_arenas(void) {
#ifdef __GLIBC__
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL) return -1;
	malloc_info(0, f);
	fclose(f);
	int n = 0;
	for (char *p = buf; (p = strstr(p, "<heap nr=")) != NULL; p++) n++;
	free(buf);
	return n;
#else
	return -1;
#endif
}

static void *cmalloc_touch(size_t n) { return malloc(n); }
*/
import "C"

import "unsafe"

// limit is the arena limit the constructor set, 0 if it set none.
func limit() int { return int(C.cmalloc_limit_set()) }

// arenas is how many arenas malloc holds now, or -1 if unknown.
func arenas() int { return int(C.cmalloc_arenas()) }

// mallocFree allocates n bytes in C on the calling thread (giving the
// thread an arena) and returns the function that frees them.
func mallocFree(n int) func() {
	p := C.cmalloc_touch(C.size_t(n))
	return func() { C.free(unsafe.Pointer(p)) }
}
