//go:build cgo

// The real Automerge engine, for the tests only: the store itself must build
// without cgo (for Windows), so this file is left out there.

package store

import (
	mrand "math/rand/v2"
	"strings"

	"github.com/automerge/automerge-go"
)

func init() { testEngines = append(testEngines, testEngine{"automerge", openAutomergeDoc}) }

type automergeDoc struct{ d *automerge.Doc }

func openAutomergeDoc(snap []byte) (testDoc, error) {
	if snap == nil {
		return &automergeDoc{automerge.New()}, nil
	}
	d, err := automerge.Load(snap)
	if err != nil {
		return nil, err
	}
	return &automergeDoc{d}, nil
}

// change types into one shared text at a random place, so concurrent
// writers' changes interleave as drafters' do.
func (a *automergeDoc) change(tag string, size int) (string, []byte, error) {
	text := a.d.Path("text").Text()
	if err := text.Insert(mrand.IntN(text.Len()+1), strings.Repeat("x", 1+mrand.IntN(size))); err != nil {
		return "", nil, err
	}
	h, err := a.d.Commit(tag)
	if err != nil {
		return "", nil, err
	}
	return h.String(), a.d.SaveIncremental(), nil
}

func (a *automergeDoc) merge(data []byte) error { return a.d.LoadIncremental(data) }
func (a *automergeDoc) forget()                 { a.d.SaveIncremental() }
func (a *automergeDoc) save() []byte            { return a.d.Save() }

func (a *automergeDoc) ids() (map[string]bool, error) {
	chs, err := a.d.Changes()
	if err != nil {
		return nil, err
	}
	m := make(map[string]bool, len(chs))
	for _, c := range chs {
		m[c.Hash().String()] = true
	}
	return m, nil
}
