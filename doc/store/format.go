package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// The on-disk formats. Every integer is big-endian; every checksum is
// CRC-32C.
//
// Log, version 2 ("CPLNLOG2"), a 32-byte header:
//
//	magic[8] epoch[8] generation[8] reserved[4] crc[4]
//
// then frames, each a 24-byte header and the payload:
//
//	marker[4] seq[8] length[4] payloadCRC[4] headerCRC[4] payload
//
// The marker lets a reader that meets damage find the next frame; the
// header's own checksum makes the length trustworthy before the payload is
// read, so a frame whose payload is damaged is skipped exactly. seq counts
// the log's frames from 1, so a frame lost to damage shows as a gap.
//
// Log, version 1 ("CPLNLOG1", read only): magic[8] epoch[8], then frames of
// length[4] crc[4] payload. The first write to a version-1 log rewrites it
// as version 2.
//
// Snapshot ("CPLNSNP1"), an 80-byte header and the payload:
//
//	magic[8] generation[8] logEpoch[8] baseEpoch[8] baseEnd[8]
//	baseSnap[8] records[8] length[8] reserved[8] payloadCRC[4] headerCRC[4]
//
// logEpoch names the log that continues it; baseSnap (a hash of the
// replaced snapshot file's identity), baseEpoch and baseEnd what it was cut
// from, so a reader that had read those can follow the compaction without
// reading the snapshot; records counts the records folded into it over all
// compactions. A file without the magic is a
// snapshot from before this format: the payload alone, generation 0.
//
// Acknowledgement ("CPLNACK1", log.ack), 40 bytes:
//
//	magic[8] epoch[8] seq[8] end[8] reserved[4] crc[4]
//
// rewritten in place after each fsync of the log: the last frame that fsync
// covered (a durable record). A log that ends before it lost an
// acknowledged record; a log whose last frame is past it only has a torn
// append, or lost records that were written but never fsynced.
const (
	logMagicV1 = "CPLNLOG1"
	logMagicV2 = "CPLNLOG2"
	snapMagic  = "CPLNSNP1"
	ackMagic   = "CPLNACK1"

	headerSizeV1  = 16
	headerSize    = 32
	frameHeaderV1 = 8
	frameHeader   = 24
	snapHeader    = 80
	ackSize       = 40

	maxFrame = 256 << 20
)

// frameMarker starts every version-2 frame. Its first byte is not ASCII and
// it is not a prefix of anything the store writes elsewhere.
var frameMarker = [4]byte{0xC0, 0x9F, 0x4C, 0x47}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

type epochID [8]byte

// logHeader is a parsed log header.
type logHeader struct {
	version int // 1 or 2; 0 when the header is damaged
	epoch   epochID
	gen     uint64
}

func encodeLogHeader(epoch epochID, gen uint64) []byte {
	b := make([]byte, headerSize)
	copy(b, logMagicV2)
	copy(b[8:], epoch[:])
	binary.BigEndian.PutUint64(b[16:], gen)
	binary.BigEndian.PutUint32(b[28:], crc(b[:28]))
	return b
}

// parseLogHeader reads the header at the start of b. A damaged header has
// version 0.
func parseLogHeader(b []byte) logHeader {
	switch {
	case len(b) >= headerSize && string(b[:8]) == logMagicV2:
		if binary.BigEndian.Uint32(b[28:]) != crc(b[:28]) {
			return logHeader{}
		}
		h := logHeader{version: 2, gen: binary.BigEndian.Uint64(b[16:])}
		copy(h.epoch[:], b[8:16])
		return h
	case len(b) >= headerSizeV1 && string(b[:8]) == logMagicV1:
		h := logHeader{version: 1}
		copy(h.epoch[:], b[8:16])
		return h
	}
	return logHeader{}
}

func (h logHeader) size() int64 {
	if h.version == 1 {
		return headerSizeV1
	}
	return headerSize
}

func encodeFrame(seq uint64, payload []byte) []byte {
	b := make([]byte, frameHeader+len(payload))
	copy(b, frameMarker[:])
	binary.BigEndian.PutUint64(b[4:], seq)
	binary.BigEndian.PutUint32(b[12:], uint32(len(payload)))
	binary.BigEndian.PutUint32(b[16:], crc(payload))
	binary.BigEndian.PutUint32(b[20:], crc(b[:20]))
	copy(b[frameHeader:], payload)
	return b
}

func encodeFrameV1(payload []byte) []byte {
	b := make([]byte, frameHeaderV1+len(payload))
	binary.BigEndian.PutUint32(b, uint32(len(payload)))
	binary.BigEndian.PutUint32(b[4:], crc(payload))
	copy(b[frameHeaderV1:], payload)
	return b
}

// record is one frame's payload and where it was found.
type record struct {
	off  int64
	seq  uint64 // 0 in a version-1 log
	data []byte
}

func (r record) size(version int) int64 {
	if version == 1 {
		return frameHeaderV1 + int64(len(r.data))
	}
	return frameHeader + int64(len(r.data))
}

// damage is one stretch of a log that held no readable frame.
type damage struct {
	off, end int64
	what     string
	seq      uint64 // the damaged frame's seq, when its header was readable
}

// frames is the result of parsing a log's frames.
type frames struct {
	recs []record
	// damages lists every stretch without a readable frame, in order; the
	// last may run to the end of the file.
	damages []damage
	// end is just past the last good frame (the start, without one).
	end int64
	// torn: the file ends in what looks like one unfinished append (a
	// frame cut short, or the start of a header). Only a guess; the
	// acknowledgement, where there is one, decides.
	torn bool
	// gaps counts seq numbers missing between good frames.
	gaps uint64
}

func (f *frames) clean() bool { return len(f.damages) == 0 }

// trailing is the damaged stretch at the end of a file of size bytes, if any.
func (f *frames) trailing(size int64) (damage, bool) {
	if n := len(f.damages); n > 0 && f.damages[n-1].end == size {
		return f.damages[n-1], true
	}
	return damage{}, false
}

// lastSeq is the seq of the last good frame, or 0.
func (f *frames) lastSeq() uint64 {
	if len(f.recs) == 0 {
		return 0
	}
	return f.recs[len(f.recs)-1].seq
}

// validFrameAt reports whether a version-2 frame header starts at b[0]
// and its header checksum holds; it returns its seq and payload length.
func validFrameAt(b []byte) (seq uint64, n int, ok bool) {
	if len(b) < frameHeader || !bytes.Equal(b[:4], frameMarker[:]) {
		return 0, 0, false
	}
	if binary.BigEndian.Uint32(b[20:]) != crc(b[:20]) {
		return 0, 0, false
	}
	n32 := binary.BigEndian.Uint32(b[12:])
	if n32 == 0 || n32 > maxFrame {
		return 0, 0, false
	}
	return binary.BigEndian.Uint64(b[4:]), int(n32), true
}

// parseFrames reads version-2 frames from buf, which starts at file offset
// base. On damage it resynchronises at the next marker whose header
// checksum holds, so one bad stretch costs only the frames inside it.
func parseFrames(buf []byte, base int64) frames {
	fr := frames{end: base}
	var lastSeq uint64
	note := func(from, to int, what string, seq uint64) {
		fr.damages = append(fr.damages, damage{off: base + int64(from), end: base + int64(to), what: what, seq: seq})
	}
	i := 0
	for i < len(buf) {
		rest := buf[i:]
		seq, n, ok := validFrameAt(rest)
		if !ok {
			j := nextFrame(buf, i+1)
			if j < 0 {
				fr.torn = bytes.HasPrefix(rest, frameMarker[:min(4, len(rest))])
				note(i, len(buf), "unreadable bytes", 0)
				break
			}
			note(i, j, "unreadable bytes", 0)
			i = j
			continue
		}
		if frameHeader+n > len(rest) {
			// The payload runs past the end of the file. Append never
			// writes after a torn frame, but look for one anyway.
			if j := nextFrame(buf, i+1); j >= 0 {
				note(i, j, "frame cut short", seq)
				i = j
				continue
			}
			fr.torn = true
			note(i, len(buf), "frame cut short", seq)
			break
		}
		end := i + frameHeader + n
		if crc(rest[frameHeader:frameHeader+n]) != binary.BigEndian.Uint32(rest[16:]) {
			// At the very end this may be an append whose length landed
			// before its bytes did.
			fr.torn = end == len(buf)
			note(i, end, "checksum mismatch", seq)
			i = end
			continue
		}
		if lastSeq != 0 && seq > lastSeq+1 {
			fr.gaps += seq - lastSeq - 1
		}
		lastSeq = max(lastSeq, seq)
		fr.recs = append(fr.recs, record{off: base + int64(i), seq: seq, data: rest[frameHeader : frameHeader+n : frameHeader+n]})
		fr.torn = false
		i = end
		fr.end = base + int64(i)
	}
	if len(fr.damages) > 0 && fr.damages[len(fr.damages)-1].end != base+int64(len(buf)) {
		fr.torn = false
	}
	return fr
}

// nextFrame is the offset of the next valid frame header at or after from,
// or -1.
func nextFrame(buf []byte, from int) int {
	for from < len(buf) {
		k := bytes.Index(buf[from:], frameMarker[:])
		if k < 0 {
			return -1
		}
		j := from + k
		if _, _, ok := validFrameAt(buf[j:]); ok {
			return j
		}
		from = j + 1
	}
	return -1
}

// v1ResyncBudget bounds the bytes checksummed while looking for the next
// frame in a damaged version-1 log, whose frames carry no marker.
const v1ResyncBudget = 64 << 20

// parseFramesV1 reads version-1 frames from buf (at file offset base). On
// damage it tries every later offset for a frame whose checksum holds,
// within v1ResyncBudget.
func parseFramesV1(buf []byte, base int64) frames {
	fr := frames{end: base}
	budget := v1ResyncBudget
	i := 0
	for i < len(buf) {
		if n, ok := validFrameV1At(buf[i:], &budget); ok {
			fr.recs = append(fr.recs, record{off: base + int64(i), data: buf[i+frameHeaderV1 : i+frameHeaderV1+n : i+frameHeaderV1+n]})
			i += frameHeaderV1 + n
			fr.end = base + int64(i)
			continue
		}
		j := -1
		for k := i + 1; k < len(buf) && budget > 0; k++ {
			if _, ok := validFrameV1At(buf[k:], &budget); ok {
				j = k
				break
			}
		}
		if j < 0 {
			// As before version 2: a short header, or a length that runs
			// past the end, is a torn append.
			rest := buf[i:]
			if len(rest) < frameHeaderV1 {
				fr.torn = true
			} else if n := binary.BigEndian.Uint32(rest); n > 0 && n <= maxFrame && int64(n) > int64(len(rest)-frameHeaderV1) {
				fr.torn = true
			}
			fr.damages = append(fr.damages, damage{off: base + int64(i), end: base + int64(len(buf)), what: "unreadable bytes"})
			break
		}
		fr.damages = append(fr.damages, damage{off: base + int64(i), end: base + int64(j), what: "unreadable bytes"})
		i = j
	}
	return fr
}

// validFrameV1At checks the version-1 frame at b[0], spending its length
// from budget when a checksum has to be computed.
func validFrameV1At(b []byte, budget *int) (int, bool) {
	if len(b) < frameHeaderV1 {
		return 0, false
	}
	n := binary.BigEndian.Uint32(b)
	if n == 0 || n > maxFrame || int64(n) > int64(len(b)-frameHeaderV1) {
		return 0, false
	}
	*budget -= int(n)
	return int(n), crc(b[frameHeaderV1:frameHeaderV1+int(n)]) == binary.BigEndian.Uint32(b[4:])
}

// snapHeaderInfo is a parsed snapshot header.
type snapHeaderInfo struct {
	legacy    bool // no header: a snapshot from before this format
	gen       uint64
	logEpoch  epochID
	baseEpoch epochID
	baseEnd   int64
	baseSnap  uint64
	records   uint64
	length    int64 // the payload's
}

func encodeSnapshot(h snapHeaderInfo, payload []byte) []byte {
	b := make([]byte, snapHeader+len(payload))
	copy(b, snapMagic)
	binary.BigEndian.PutUint64(b[8:], h.gen)
	copy(b[16:], h.logEpoch[:])
	copy(b[24:], h.baseEpoch[:])
	binary.BigEndian.PutUint64(b[32:], uint64(h.baseEnd))
	binary.BigEndian.PutUint64(b[40:], h.baseSnap)
	binary.BigEndian.PutUint64(b[48:], h.records)
	binary.BigEndian.PutUint64(b[56:], uint64(len(payload)))
	binary.BigEndian.PutUint32(b[72:], crc(payload))
	binary.BigEndian.PutUint32(b[76:], crc(b[:76]))
	copy(b[snapHeader:], payload)
	return b
}

// parseSnapshotHeader reads a snapshot's header alone (the payload is not
// checked). A file without the magic is a legacy snapshot.
func parseSnapshotHeader(b []byte) (snapHeaderInfo, error) {
	if !bytes.HasPrefix(b, []byte(snapMagic)) {
		if len(b) >= 4 && bytes.HasPrefix([]byte(snapMagic), b[:min(len(b), len(snapMagic))]) {
			return snapHeaderInfo{}, fmt.Errorf("snapshot header cut short")
		}
		return snapHeaderInfo{legacy: true}, nil
	}
	if len(b) < snapHeader {
		return snapHeaderInfo{}, fmt.Errorf("snapshot header cut short")
	}
	if binary.BigEndian.Uint32(b[76:]) != crc(b[:76]) {
		return snapHeaderInfo{}, fmt.Errorf("snapshot header checksum mismatch")
	}
	h := snapHeaderInfo{gen: binary.BigEndian.Uint64(b[8:]), baseEnd: int64(binary.BigEndian.Uint64(b[32:])),
		baseSnap: binary.BigEndian.Uint64(b[40:]), records: binary.BigEndian.Uint64(b[48:]), length: int64(binary.BigEndian.Uint64(b[56:]))}
	copy(h.logEpoch[:], b[16:])
	copy(h.baseEpoch[:], b[24:])
	return h, nil
}

// parseSnapshot checks a whole snapshot file and returns its payload.
func parseSnapshot(b []byte) (snapHeaderInfo, []byte, error) {
	h, err := parseSnapshotHeader(b)
	if err != nil {
		return h, nil, err
	}
	if h.legacy {
		if len(b) == 0 {
			return h, nil, fmt.Errorf("snapshot is empty")
		}
		h.length = int64(len(b))
		return h, b, nil
	}
	n := binary.BigEndian.Uint64(b[56:])
	switch {
	case uint64(len(b)-snapHeader) < n:
		return h, nil, fmt.Errorf("snapshot cut short (%d of %d bytes)", len(b)-snapHeader, n)
	case uint64(len(b)-snapHeader) > n:
		return h, nil, fmt.Errorf("snapshot has %d bytes after its end", uint64(len(b)-snapHeader)-n)
	}
	payload := b[snapHeader:]
	if crc(payload) != binary.BigEndian.Uint32(b[72:]) {
		return h, nil, fmt.Errorf("snapshot checksum mismatch")
	}
	return h, payload, nil
}

// ack is the acknowledgement file's content.
type ack struct {
	epoch epochID
	seq   uint64
	end   int64
}

func encodeAck(a ack) []byte {
	b := make([]byte, ackSize)
	copy(b, ackMagic)
	copy(b[8:], a.epoch[:])
	binary.BigEndian.PutUint64(b[16:], a.seq)
	binary.BigEndian.PutUint64(b[24:], uint64(a.end))
	binary.BigEndian.PutUint32(b[36:], crc(b[:36]))
	return b
}

func parseAck(b []byte) (ack, bool) {
	if len(b) < ackSize || string(b[:8]) != ackMagic || binary.BigEndian.Uint32(b[36:]) != crc(b[:36]) {
		return ack{}, false
	}
	a := ack{seq: binary.BigEndian.Uint64(b[16:]), end: int64(binary.BigEndian.Uint64(b[24:]))}
	copy(a.epoch[:], b[8:16])
	return a, true
}

// idHash condenses a snapshot file's identity for the next snapshot's
// header (FNV-1a).
func idHash(id fileID) uint64 {
	if !id.exists {
		return 0
	}
	h := uint64(14695981039346656037)
	var b [8]byte
	for _, v := range []uint64{id.dev, id.ino, uint64(id.size), uint64(id.mtime)} {
		binary.BigEndian.PutUint64(b[:], v)
		for _, c := range b {
			h = (h ^ uint64(c)) * 1099511628211
		}
	}
	return h | 1 // never 0, which means no snapshot
}

// LogHeaderSize is the size of an empty log: its header alone.
const LogHeaderSize = headerSize
