package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"time"
)

// The heads journal records, on this device only, which version of the plan
// the device held when: after a commit batch or a merge, the time by the
// local clock and the document's heads. A version named by a date-time is
// "the latest version this device held at that moment", which change
// timestamps cannot say (they are the authors' clocks, and a member can set
// them to anything). The file is append-only and never synced to peers:
//
//	"coplan-heads-v1\n" | records
//	record: uvarint length | payload | CRC-32 (IEEE) of payload, 4 bytes
//	payload: Unix milliseconds (8 bytes, big endian) | uvarint count | count × 32-byte hash
//
// A torn or corrupt tail (a crash mid-append) ends the journal; what came
// before it stays readable, and a process's first append cuts it off. It is not fsynced: losing the last entries to a crash loses
// only the precision of a past date-time, never content.
const (
	journalFile  = "heads-journal"
	journalMagic = "coplan-heads-v1\n"
	// MaxJournalHeads bounds one entry; a plan with more heads than this
	// at once records the first ones only (a date-time then resolves to
	// a version a little older than held).
	MaxJournalHeads = 64
	maxJournalRec   = 8 + binary.MaxVarintLen64 + 32*MaxJournalHeads
)

// HeadsEntry is one journal entry.
type HeadsEntry struct {
	At    time.Time
	Heads [][32]byte
}

// ErrJournal: the journal file is not one.
var ErrJournal = errors.New("not a heads journal")

// AppendHeads adds an entry to the plan's heads journal.
func (s *Store) AppendHeads(at time.Time, heads [][32]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkWrite(); err != nil {
		return err
	}
	if len(heads) > MaxJournalHeads {
		heads = heads[:MaxJournalHeads]
	}
	payload := binary.BigEndian.AppendUint64(nil, uint64(at.UnixMilli()))
	payload = binary.AppendUvarint(payload, uint64(len(heads)))
	for _, h := range heads {
		payload = append(payload, h[:]...)
	}
	rec := binary.AppendUvarint(nil, uint64(len(payload)))
	rec = append(rec, payload...)
	rec = binary.BigEndian.AppendUint32(rec, crc32.ChecksumIEEE(payload))

	path := s.path(journalFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	end, err := f.Seek(0, io.SeekEnd)
	if err == nil && end > 0 && !s.journalOK {
		// First append of this process: cut a torn tail so the new entry
		// is readable.
		var good int64
		if good, err = journalGoodEnd(f); err == nil && good != end {
			err = f.Truncate(good)
			end = good
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	s.journalOK = true
	if end == 0 {
		rec = append([]byte(journalMagic), rec...)
	}
	// O_APPEND: two processes of this plan (the app and the CLI) appending
	// at once each write whole records.
	a, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	_, err = a.Write(rec)
	if cerr := a.Close(); err == nil {
		err = cerr
	}
	return err
}

// HeadsJournal reads the plan's heads journal, oldest first; no file is an
// empty journal.
func (s *Store) HeadsJournal() ([]HeadsEntry, error) {
	raw, err := os.ReadFile(s.path(journalFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out, _, err := ParseJournal(raw)
	return out, err
}

// journalGoodEnd is the offset after the last whole record of f (0 when
// f is not a journal at all).
func journalGoodEnd(f *os.File) (int64, error) {
	raw, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<40))
	if err != nil {
		return 0, err
	}
	_, good, err := ParseJournal(raw)
	if err != nil {
		return 0, nil
	}
	return int64(good), nil
}

// ParseJournal reads a journal's bytes: its entries, and how many bytes
// of whole records it holds. A torn or corrupt tail ends it without error.
func ParseJournal(raw []byte) ([]HeadsEntry, int, error) {
	if !bytes.HasPrefix(raw, []byte(journalMagic)) {
		return nil, 0, fmt.Errorf("%w: bad header", ErrJournal)
	}
	var out []HeadsEntry
	off := len(journalMagic)
	for off < len(raw) {
		n, k := binary.Uvarint(raw[off:])
		if k <= 0 || n < 9 || n > maxJournalRec || uint64(len(raw)-off-k) < n+4 {
			break
		}
		payload := raw[off+k : off+k+int(n)]
		if crc32.ChecksumIEEE(payload) != binary.BigEndian.Uint32(raw[off+k+int(n):]) {
			break
		}
		e, ok := parseEntry(payload)
		if !ok {
			break
		}
		out = append(out, e)
		off += k + int(n) + 4
	}
	return out, off, nil
}

func parseEntry(p []byte) (HeadsEntry, bool) {
	e := HeadsEntry{At: time.UnixMilli(int64(binary.BigEndian.Uint64(p))).UTC()}
	c, k := binary.Uvarint(p[8:])
	if k <= 0 || c > MaxJournalHeads || uint64(len(p)-8-k) != 32*c {
		return e, false
	}
	for i := range int(c) {
		var h [32]byte
		copy(h[:], p[8+k+32*i:])
		e.Heads = append(e.Heads, h)
	}
	return e, true
}
