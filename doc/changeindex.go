package doc

import (
	"slices"
	"time"

	am "github.com/automerge/automerge-go"
)

// changeRec is what history keeps of one change, read from Automerge once.
type changeRec struct {
	hash  string
	actor string
	seq   uint64
	time  time.Time
	deps  []int32 // indexes of its dependencies in the index
	words string
	edits []Edit
}

// changeIndex holds every change of the plan in causal order, so history,
// sessions and version lookups never walk Automerge's changes twice. It
// grows with the document: a merge adds only the changes it brought.
type changeIndex struct {
	recs   []changeRec
	byHash map[string]int32
	heads  []am.ChangeHash   // the heads the index covers
	last   map[string][]Edit // each actor's latest edits, for messages that refer back to them
}

// indexLocked brings the change index up to the document's heads; callers
// hold p.mu. Pending edits are committed first so they are in it.
func (p *Plan) indexLocked() (*changeIndex, error) {
	if err := p.commitLocked(); err != nil {
		return nil, err
	}
	heads := p.d.Heads()
	ix := p.changes
	if ix != nil && slices.Equal(ix.heads, heads) {
		return ix, nil
	}
	var since []am.ChangeHash
	if ix == nil {
		ix = &changeIndex{byHash: map[string]int32{}, last: map[string][]Edit{}}
	} else {
		since = ix.heads
	}
	chs, err := p.d.Changes(since...)
	if err != nil {
		return nil, err
	}
	ix.recs = slices.Grow(ix.recs, len(chs))
	for _, c := range chs {
		h := c.Hash().String()
		if _, ok := ix.byHash[h]; ok {
			continue
		}
		r := changeRec{hash: h, actor: c.ActorID(), seq: c.ActorSeq(), time: c.Timestamp().UTC()}
		r.words, r.edits = ParseMessage(c.Message(), ix.last[r.actor])
		ix.last[r.actor] = r.edits
		for _, d := range c.Dependencies() {
			if i, ok := ix.byHash[d.String()]; ok {
				r.deps = append(r.deps, i)
			}
		}
		ix.byHash[h] = int32(len(ix.recs))
		ix.recs = append(ix.recs, r)
	}
	ix.heads = heads
	p.changes = ix
	return ix, nil
}
