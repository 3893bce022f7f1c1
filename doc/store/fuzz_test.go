package store

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// fuzzLog builds a valid version-2 log holding chunks.
func fuzzLog(chunks ...string) []byte {
	b := encodeLogHeader(epochID{'e', 'p', 'o', 'c', 'h'}, 1)
	for i, c := range chunks {
		b = append(b, encodeFrame(uint64(i+1), []byte(c))...)
	}
	return b
}

func FuzzStoreLoad(f *testing.F) {
	valid := fuzzLog("first chunk", "second", "3")
	f.Add(valid, []byte(nil), false)
	f.Add(valid, []byte("snapshot"), true)
	f.Add(valid[:len(valid)-2], []byte(nil), false)
	f.Add(append(valid, 0, 0, 0, 0, 0, 0, 0, 0), []byte(nil), false)
	f.Add(fuzzLog(), []byte{}, true)
	f.Add([]byte{}, []byte(nil), false)
	f.Add([]byte("CPLNLOG1"), []byte(nil), false)
	f.Add(append([]byte(logMagicV1+"12345678"), encodeFrameV1([]byte("old"))...), []byte(nil), false)
	f.Fuzz(func(t *testing.T, log, snap []byte, hasSnap bool) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "log"), log, 0o600); err != nil {
			t.Fatal(err)
		}
		if hasSnap {
			if err := os.WriteFile(filepath.Join(dir, "snapshot"), snap, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		_, chunks, _, err := s.Load()
		if err != nil {
			return
		}
		// Every recovered chunk is the payload of a frame in the file.
		for i, c := range chunks {
			if len(c) == 0 || !bytes.Contains(log, c) {
				t.Fatalf("chunk %d (%q) is not in the log", i, c)
			}
		}
		// Recovery leaves a clean log: a second Load agrees and reports nothing.
		_, again, rep, err := s.Load()
		if err != nil || rep != nil || len(again) != len(chunks) {
			t.Fatalf("second Load: %d chunks, report %+v, %v; want %d clean", len(again), rep, err, len(chunks))
		}
		if err := s.Append([]byte("more")); err != nil {
			t.Fatal(err)
		}
		_, again, rep, err = s.Load()
		if err != nil || rep != nil || len(again) != len(chunks)+1 || string(again[len(chunks)]) != "more" {
			t.Fatalf("Load after Append: %d chunks, report %+v, %v", len(again), rep, err)
		}
	})
}

// FuzzStoreParseLog checks the frame reader alone, without the disk: what
// it returns and what it calls damage cover the input exactly, every frame
// it returns is whole, and a frame the damage did not touch is never lost.
func FuzzStoreParseLog(f *testing.F) {
	chunks := []string{"first chunk", "second", "3", "a longer fourth chunk of text", "five"}
	valid := fuzzLog(chunks...)
	f.Add(valid, uint16(0), uint16(0), uint8(0))
	f.Add(valid, uint16(40), uint16(3), uint8(0xFF))
	f.Add(valid, uint16(headerSize+5), uint16(30), uint8(0))
	f.Add(valid, uint16(len(valid)-4), uint16(10), uint8(1))
	f.Fuzz(func(t *testing.T, log []byte, at, n uint16, with uint8) {
		checkFrames(t, log)
		// Damage a valid log in [at, at+n) and check every untouched frame
		// survives.
		b := slices.Clone(valid)
		lo := min(int(at), len(b))
		hi := min(lo+int(n), len(b))
		for i := lo; i < hi; i++ {
			b[i] ^= with | 1
		}
		fr := checkFrames(t, b)
		off := headerSize
		for i, c := range chunks {
			size := frameHeader + len(c)
			if off+size <= lo || off >= hi {
				found := false
				for _, r := range fr.recs {
					found = found || r.seq == uint64(i+1) && string(r.data) == c
				}
				if !found {
					t.Fatalf("frame %d at %d, untouched by damage at [%d, %d), was lost", i+1, off, lo, hi)
				}
			}
			off += size
		}
	})
}

// checkFrames parses log's frames and checks they and the damage found
// partition it.
func checkFrames(t *testing.T, log []byte) frames {
	t.Helper()
	base := min(int64(len(log)), headerSize)
	fr := parseFrames(log[base:], base)
	type span struct{ off, end int64 }
	var spans []span
	for _, r := range fr.recs {
		p := log[r.off:]
		if !bytes.HasPrefix(p, frameMarker[:]) || binary.BigEndian.Uint32(p[12:]) != uint32(len(r.data)) ||
			binary.BigEndian.Uint32(p[16:]) != crc(r.data) || binary.BigEndian.Uint32(p[20:]) != crc(p[:20]) ||
			!bytes.Equal(p[frameHeader:frameHeader+len(r.data)], r.data) || binary.BigEndian.Uint64(p[4:]) != r.seq {
			t.Fatalf("record at %d is not a whole frame", r.off)
		}
		spans = append(spans, span{r.off, r.off + r.size(2)})
	}
	for _, d := range fr.damages {
		if d.end <= d.off {
			t.Fatalf("empty damage %+v", d)
		}
		spans = append(spans, span{d.off, d.end})
	}
	slices.SortFunc(spans, func(a, b span) int { return int(a.off - b.off) })
	at := base
	for _, s := range spans {
		if s.off != at {
			t.Fatalf("gap or overlap at %d (next span at %d)", at, s.off)
		}
		at = s.end
	}
	if at != int64(len(log)) {
		t.Fatalf("records and damage end at %d of %d", at, len(log))
	}
	if fr.end > int64(len(log)) || len(fr.recs) > 0 && fr.end != fr.recs[len(fr.recs)-1].off+fr.recs[len(fr.recs)-1].size(2) {
		t.Fatalf("end %d", fr.end)
	}
	return fr
}

// FuzzStoreParseSnapshot: a snapshot file either parses to a payload whose
// checksum holds, or is refused; it never panics.
func FuzzStoreParseSnapshot(f *testing.F) {
	f.Add(encodeSnapshot(snapHeaderInfo{gen: 3}, []byte("payload")))
	f.Add([]byte("legacy bytes"))
	f.Add([]byte(snapMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, payload, err := parseSnapshot(b)
		if err != nil {
			return
		}
		if !h.legacy && (len(payload) != len(b)-snapHeader || binary.BigEndian.Uint32(b[72:]) != crc(payload)) {
			t.Fatal("accepted a snapshot whose checksum does not hold")
		}
		if h.legacy && !bytes.Equal(payload, b) {
			t.Fatal("legacy payload is not the file")
		}
	})
}

// FuzzParseJournal: any bytes parse to whole entries without panicking, and
// the whole records it counted read back alone as the same entries.
func FuzzParseJournal(f *testing.F) {
	dir := f.TempDir()
	s, err := Open(dir)
	if err != nil {
		f.Fatal(err)
	}
	h := [32]byte{1, 2, 3}
	if err := s.AppendHeads(time.UnixMilli(1_700_000_000_000), [][32]byte{h}); err != nil {
		f.Fatal(err)
	}
	if err := s.AppendHeads(time.UnixMilli(1_700_000_060_000), [][32]byte{h, {9}}); err != nil {
		f.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, journalFile))
	if err != nil {
		f.Fatal(err)
	}
	_ = s.Close()
	f.Add(raw)
	f.Add(raw[:len(raw)-3])
	f.Add([]byte(journalMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		es, n, err := ParseJournal(b)
		if err != nil {
			return
		}
		if n > len(b) {
			t.Fatalf("good end %d past %d bytes", n, len(b))
		}
		again, m, err := ParseJournal(b[:n])
		if err != nil || m != n || len(again) != len(es) {
			t.Fatalf("the whole records do not read back: %d/%d entries, %d/%d bytes, %v", len(again), len(es), m, n, err)
		}
	})
}
