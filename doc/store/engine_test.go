package store

import (
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
)

// The concurrency and crash tests replay edits through the store with a
// document engine: the set engine here always, and the real Automerge
// engine where cgo is on (engine_automerge_test.go). The store itself never
// sees either; it only moves their bytes.

// testEngine makes documents.
type testEngine struct {
	name string
	// open loads a document from a snapshot (nil: a new document).
	open func(snap []byte) (testDoc, error)
}

// testDoc is what the tests need of a document.
type testDoc interface {
	// change makes one local change of about size bytes and returns its
	// ID and the incremental chunk that holds it.
	change(tag string, size int) (id string, chunk []byte, err error)
	// merge takes in a snapshot or a chunk written by anyone.
	merge(data []byte) error
	// forget drops what merge made unsaved (a loaded Automerge document
	// re-emits it once), so the next change returns only itself.
	forget()
	save() []byte
	// ids lists the changes the document holds.
	ids() (map[string]bool, error)
}

var testEngines = []testEngine{{"set", openSetDoc}}

// testRebuild loads snap and chunks into one document, as the app does.
func testRebuild(e testEngine, snap []byte, chunks [][]byte) (testDoc, error) {
	d, err := e.open(snap)
	if err != nil {
		return nil, err
	}
	for _, c := range chunks {
		if err := d.merge(c); err != nil {
			return nil, err
		}
	}
	d.forget()
	return d, nil
}

// setDoc is the simplest CRDT: a set of changes merged by union. A chunk
// or snapshot is lines of "id padding"; merging the same line twice is
// harmless, as merging an Automerge change twice is.
type setDoc struct{ have map[string]bool }

func openSetDoc(snap []byte) (testDoc, error) {
	d := &setDoc{have: map[string]bool{}}
	if snap != nil {
		if err := d.merge(snap); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *setDoc) change(tag string, size int) (string, []byte, error) {
	if tag == "" || strings.ContainsAny(tag, " \n") {
		return "", nil, fmt.Errorf("bad tag %q", tag)
	}
	d.have[tag] = true
	return tag, []byte(tag + " " + strings.Repeat("x", mrand.IntN(size+1)) + "\n"), nil
}

func (d *setDoc) merge(data []byte) error {
	if len(data) == 0 || data[len(data)-1] != '\n' {
		return errors.New("set document: not whole lines")
	}
	for line := range strings.SplitSeq(strings.TrimSuffix(string(data), "\n"), "\n") {
		id, _, _ := strings.Cut(line, " ")
		if id == "" {
			return fmt.Errorf("set document: line %q has no ID", line)
		}
		d.have[id] = true
	}
	return nil
}

func (d *setDoc) forget() {}

func (d *setDoc) save() []byte {
	ids := make([]string, 0, len(d.have))
	for id := range d.have {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return []byte(strings.Join(ids, "\n") + "\n")
}

func (d *setDoc) ids() (map[string]bool, error) {
	m := make(map[string]bool, len(d.have))
	for id := range d.have {
		m[id] = true
	}
	return m, nil
}
