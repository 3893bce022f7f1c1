package store

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
)

// fuzzLog builds a valid log holding chunks.
func fuzzLog(chunks ...string) []byte {
	b := []byte(logMagic + "epoch-id")
	for _, c := range chunks {
		b = binary.BigEndian.AppendUint32(b, uint32(len(c)))
		b = binary.BigEndian.AppendUint32(b, crc32.Checksum([]byte(c), castagnoli))
		b = append(b, c...)
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
		gotSnap, chunks, _, err := s.Load()
		if err != nil {
			return
		}
		if !hasSnap {
			snap = nil
		}
		if hasSnap != (gotSnap != nil) || !bytes.Equal(gotSnap, snap) {
			t.Fatalf("snapshot = %q, want %q (present %v)", gotSnap, snap, hasSnap)
		}
		var total int64 = headerSize
		for i, c := range chunks {
			if len(c) == 0 {
				t.Fatalf("chunk %d is empty", i)
			}
			total += frameHeader + int64(len(c))
		}
		// Recovered chunks are a byte-for-byte prefix of the file's records.
		if len(chunks) > 0 && !bytes.Equal(log[headerSize:total], fuzzLog(fuzzStrings(chunks)...)[headerSize:]) {
			t.Fatal("recovered chunks are not a prefix of the log")
		}
		// Recovery leaves a clean log: a second Load agrees and reports nothing.
		_, again, rep, err := s.Load()
		if err != nil || rep != nil || len(again) != len(chunks) {
			t.Fatalf("second Load: %d chunks, report %+v, %v; want %d clean", len(again), rep, err, len(chunks))
		}
		if fi, err := os.Stat(filepath.Join(dir, "log")); err != nil || fi.Size() != total {
			t.Fatalf("log after recovery: %v, %v; want %d bytes", fi, err, total)
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

func fuzzStrings(chunks [][]byte) []string {
	out := make([]string, len(chunks))
	for i, c := range chunks {
		out[i] = string(c)
	}
	return out
}

// FuzzStoreParseLog checks the record parser alone, without the disk, so it
// runs fast enough to explore framing edge cases.
func FuzzStoreParseLog(f *testing.F) {
	valid := fuzzLog("first chunk", "second", "3")
	f.Add(valid, uint8(0))
	f.Add(valid[:len(valid)-2], uint8(0))
	f.Add(valid, uint8(27))
	f.Fuzz(func(t *testing.T, log []byte, skip uint8) {
		hdr := log[:min(len(log), headerSize)]
		base := int64(headerSize)
		if len(log) > headerSize+int(skip) {
			base += int64(skip) // a ReadNew from a later offset
		}
		var tail []byte
		if int64(len(log)) > base {
			tail = log[base:]
		}
		sc := parseLog(hdr, tail, base, int64(len(log)))
		if sc.badHeader {
			if len(sc.recs) != 0 || sc.damage == "" {
				t.Fatal("bad header yet records or no damage")
			}
			return
		}
		off := base
		for _, r := range sc.recs {
			if r.off != off || len(r.data) == 0 || len(r.data) > maxFrame {
				t.Fatalf("record at %d (want %d), %d bytes", r.off, off, len(r.data))
			}
			p := log[off : off+frameHeader+int64(len(r.data))]
			if !bytes.Equal(p[frameHeader:], r.data) || crc32.Checksum(r.data, castagnoli) != binary.BigEndian.Uint32(p[4:]) {
				t.Fatalf("record at %d does not match the file", off)
			}
			off += frameHeader + int64(len(r.data))
		}
		if sc.end != off || sc.end > int64(len(log)) {
			t.Fatalf("end %d, records end at %d, size %d", sc.end, off, len(log))
		}
		if (sc.damage == "") != (sc.end == int64(len(log))) {
			t.Fatalf("damage %q with end %d of %d", sc.damage, sc.end, len(log))
		}
		if sc.torn && sc.damage == "" {
			t.Fatal("torn without damage")
		}
	})
}
