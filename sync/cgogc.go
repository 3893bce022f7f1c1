package sync

import (
	"runtime"
	"time"
)

// Automerge's answers live in C memory, freed only when the garbage
// collector finalizes their small Go handles. Listing the changes a peer
// lacks makes one such object per change, and a node in a room of 40
// makes them far faster than its small Go heap grows: nothing triggers a
// collection and the C garbage piles up (700 MB a node at its peak). The
// node counts the objects its sessions ask Automerge for and, past
// amGarbageGC of them, collects, at most every amGCGap.
const (
	amGarbageGC = 16 << 10
	amGCGap     = 250 * time.Millisecond
)

// noteAutomerge counts objects Automerge made for a session.
func (n *Node) noteAutomerge(objects int) {
	if n.amGarbage.Add(int64(objects)) < amGarbageGC {
		return
	}
	select {
	case n.gcKick <- struct{}{}:
	default:
	}
}

// collectAutomerge runs until the node closes: a collection whenever
// noteAutomerge asks for one.
func (n *Node) collectAutomerge() {
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-n.gcKick:
		}
		n.amGarbage.Store(0)
		runtime.GC()
		select {
		case <-n.ctx.Done():
			return
		case <-time.After(amGCGap):
		}
	}
}
