package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/coplan/coplan/internal/atomicfile"
)

// snapFile is one snapshot file as read.
type snapFile struct {
	name    string
	exists  bool
	id      fileID
	hdr     snapHeaderInfo
	payload []byte
	bad     string // why it cannot be used; "" when whole
}

func (f *snapFile) ok() bool { return f.exists && f.bad == "" }

// logFile is one log file as read.
type logFile struct {
	name    string
	exists  bool
	size    int64
	hdr     logHeader // version 0: the header is damaged
	version int       // the frames' version (a damaged header's, as found)
	fr      frames
	ack     ack // the acknowledgement, for the live log only
	ackOK   bool
}

func (f *logFile) headerOK() bool { return f.hdr.version != 0 }

// readSnap reads a snapshot file; with headerOnly just enough for its
// generation.
func readSnap(p string, headerOnly bool) (snapFile, error) {
	sf := snapFile{name: filepath.Base(p)}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return sf, nil
	}
	if err != nil {
		return sf, fmt.Errorf("open snapshot %s: %w", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return sf, fmt.Errorf("stat snapshot %s: %w", p, err)
	}
	if sf.id, err = idOf(f, fi); err != nil {
		return sf, fmt.Errorf("identify snapshot %s: %w", p, err)
	}
	sf.exists = true
	n := fi.Size()
	if headerOnly {
		n = min(n, snapHeader)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(f, b); err != nil {
		return sf, fmt.Errorf("read snapshot %s: %w", p, err)
	}
	if headerOnly {
		sf.hdr, err = parseSnapshotHeader(b)
	} else {
		sf.hdr, sf.payload, err = parseSnapshot(b)
	}
	if err != nil {
		sf.bad = err.Error()
	}
	return sf, nil
}

// readLog reads and parses a whole log file.
func readLog(p string) (logFile, error) { return readLogFrom(p, 0) }

// readLogFrom reads a log's header and its frames from offset from on (the
// whole log for 0; frames before from are taken as read).
func readLogFrom(p string, from int64) (logFile, error) {
	lf := logFile{name: filepath.Base(p)}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return lf, nil
	}
	if err != nil {
		return lf, fmt.Errorf("open log %s: %w", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return lf, fmt.Errorf("stat log %s: %w", p, err)
	}
	lf.exists, lf.size = true, fi.Size()
	hdr := make([]byte, min(lf.size, headerSize))
	if _, err := f.ReadAt(hdr, 0); err != nil && err != io.EOF {
		return lf, fmt.Errorf("read log %s: %w", p, err)
	}
	lf.hdr = parseLogHeader(hdr)
	lf.version = lf.hdr.version
	if from < lf.hdr.size() || lf.hdr.version == 0 {
		from = 0
	}
	start := from
	if start == 0 {
		start = min(lf.hdr.size(), lf.size)
		if lf.hdr.version == 0 {
			start = 0
		}
	}
	var b []byte
	if lf.size > start {
		b = make([]byte, lf.size-start)
		if _, err := f.ReadAt(b, start); err != nil && err != io.EOF {
			return lf, fmt.Errorf("read log %s: %w", p, err)
		}
	}
	switch lf.hdr.version {
	case 2:
		lf.fr = parseFrames(b, start)
	case 1:
		lf.fr = parseFramesV1(b, start)
	default:
		// A damaged header does not take the records with it.
		lf.version, lf.fr = 2, parseFrames(b, 0)
		if len(lf.fr.recs) == 0 && len(b) > headerSizeV1 {
			if v1 := parseFramesV1(b[headerSizeV1:], headerSizeV1); len(v1.recs) > 0 {
				lf.version, lf.fr = 1, v1
				lf.fr.damages = append([]damage{{off: 0, end: headerSizeV1, what: "damaged header"}}, lf.fr.damages...)
			}
		}
	}
	return lf, nil
}

// readLogHeader reads just a log's header.
func readLogHeader(p string) (exists bool, h logHeader, err error) {
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return false, h, nil
	}
	if err != nil {
		return false, h, fmt.Errorf("open log %s: %w", p, err)
	}
	defer f.Close()
	b := make([]byte, headerSize)
	n, err := io.ReadFull(f, b)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return true, h, fmt.Errorf("read log %s: %w", p, err)
	}
	return true, parseLogHeader(b[:n]), nil
}

func readAck(p string) (ack, bool) {
	b, err := os.ReadFile(p)
	if err != nil {
		return ack{}, false
	}
	return parseAck(b)
}

// diskState is what a reader found in the plan folder.
type diskState struct {
	snap, prev  snapFile
	log, plog   logFile
	prevRead    bool // prev and plog were read in full
	interrupted bool // a compaction's snapshot waits beside: a crash mid-rotation
}

// readState reads the snapshot and the log, and the previous generation
// only when the first two do not stand on their own. Caller holds a lock.
func (s *Store) readState() (diskState, error) {
	var st diskState
	var err error
	if st.snap, err = readSnap(s.path(snapName), false); err != nil {
		return st, err
	}
	if st.log, err = readLog(s.path(logName)); err != nil {
		return st, err
	}
	if st.log.exists {
		st.log.ack, st.log.ackOK = readAck(s.path(ackName))
	}
	if st.prev, err = readSnap(s.path(prevSnapName), true); err != nil {
		return st, err
	}
	exists, ph, err := readLogHeader(s.path(prevLogName))
	if err != nil {
		return st, err
	}
	st.plog = logFile{name: prevLogName, exists: exists, hdr: ph}
	if !s.standsAlone(&st) {
		if err := st.readPrev(s); err != nil {
			return st, err
		}
	}
	return st, nil
}

func (st *diskState) readPrev(s *Store) error {
	if st.prevRead {
		return nil
	}
	var err error
	if st.prev, err = readSnap(s.path(prevSnapName), false); err != nil {
		return err
	}
	if st.plog, err = readLog(s.path(prevLogName)); err != nil {
		return err
	}
	if m, _ := filepath.Glob(filepath.Join(s.dir, "."+snapName+tempPrefix+"*")); len(m) > 0 {
		st.interrupted = true
	}
	st.prevRead = true
	return nil
}

// standsAlone reports whether the snapshot and the log alone hold
// everything: the normal case, which reads nothing else.
func (s *Store) standsAlone(st *diskState) bool {
	if st.snap.exists && (!st.snap.ok() || s.rejected[st.snap.id]) {
		return false
	}
	if !st.snap.exists && (st.prev.exists || st.plog.exists) {
		return false
	}
	if st.log.exists && (!st.log.headerOK() || !st.log.fr.clean()) {
		return false
	}
	gen := st.snap.hdr.gen
	if st.snap.exists && !st.snap.hdr.legacy && st.log.exists && st.log.hdr.version == 2 && st.log.hdr.gen != gen {
		return false
	}
	if st.plog.exists && (!st.plog.headerOK() || st.plog.hdr.gen >= gen) {
		return false
	}
	return true
}

// pick is the set of files a read uses.
type pick struct {
	snap *snapFile // nil: none usable
	logs []*logFile
}

// choose picks the newest usable snapshot and the logs that follow it.
func (s *Store) choose(st *diskState) pick {
	var pk pick
	for _, f := range []*snapFile{&st.snap, &st.prev} {
		if f.ok() && !s.rejected[f.id] && (f != &st.prev || st.prevRead) {
			pk.snap = f
			break
		}
	}
	gen := uint64(0)
	if pk.snap != nil {
		gen = pk.snap.hdr.gen
	}
	if st.plog.exists && st.prevRead && (!st.plog.headerOK() || st.plog.hdr.gen >= gen || pk.snap == nil) {
		pk.logs = append(pk.logs, &st.plog)
	}
	// The live log is always read: appends go there, whatever its header says.
	if st.log.exists {
		pk.logs = append(pk.logs, &st.log)
	}
	return pk
}

// assess says what a log's damage cost: records known lost, and whether
// acknowledged data may be gone (loud) or only an unacknowledged append
// was torn (quiet).
type assessment struct {
	dropped int64
	lost    int
	loud    bool
	quiet   bool // nothing to report: at most a torn append
	what    []string
}

func assess(lf *logFile, path string) assessment {
	var a assessment
	for _, d := range lf.fr.damages {
		a.dropped += d.end - d.off
	}
	useAck := lf.ackOK && lf.version == 2 && (lf.headerOK() && lf.ack.epoch == lf.hdr.epoch || !lf.headerOK() && ackFits(lf))
	_, hasTrail := lf.fr.trailing(lf.size)
	onlyTrail := hasTrail && len(lf.fr.damages) == 1
	unknown := false // damage that may have held acknowledged records
	switch {
	case useAck:
		have := 0
		for _, r := range lf.fr.recs {
			if r.seq >= 1 && r.seq <= lf.ack.seq {
				have++
			}
		}
		a.lost = max(0, int(lf.ack.seq)-have)
	case lf.version == 2 && len(lf.fr.recs) > 0:
		// Without an acknowledgement the numbering still shows what is
		// missing before and between good records; only a damaged end
		// that is no torn append is a mystery.
		a.lost = int(lf.fr.recs[0].seq-1) + int(lf.fr.gaps)
		unknown = hasTrail && !lf.fr.torn
	default:
		unknown = len(lf.fr.damages) > 0 && !(onlyTrail && lf.fr.torn)
	}
	a.quiet = a.lost == 0 && !unknown && lf.headerOK() && (len(lf.fr.damages) == 0 || onlyTrail && (useAck || lf.fr.torn))
	a.loud = a.lost > 0 || unknown
	if !lf.headerOK() {
		a.what = append(a.what, fmt.Sprintf("%s: the header is damaged; the %d records after it were kept", path, len(lf.fr.recs)))
	}
	for _, d := range lf.fr.damages {
		if a.quiet {
			break
		}
		seq := ""
		if d.seq != 0 {
			seq = fmt.Sprintf(" (record %d)", d.seq)
		}
		a.what = append(a.what, fmt.Sprintf("%s: %s at offset %d%s, %d bytes skipped", path, d.what, d.off, seq, d.end-d.off))
	}
	if useAck && lf.ack.seq > lf.fr.lastSeq() && a.lost > 0 {
		a.what = append(a.what, fmt.Sprintf("%s: ends at record %d, but record %d had been saved: the log was cut short", path, lf.fr.lastSeq(), lf.ack.seq))
	}
	switch {
	case a.lost > 0:
		a.what = append(a.what, fmt.Sprintf("%s: %d saved record(s) lost", path, a.lost))
	case unknown:
		a.what = append(a.what, fmt.Sprintf("%s: saved records in the damaged bytes, if any, are lost", path))
	case !a.quiet:
		a.what = append(a.what, fmt.Sprintf("%s: no saved record was lost", path))
	}
	return a
}

// ackFits reports whether the acknowledgement plausibly describes a log
// whose header is too damaged to name its epoch: the acknowledged record
// ends where the ack says, or the file ends before it.
func ackFits(lf *logFile) bool {
	for _, r := range lf.fr.recs {
		if r.seq == lf.ack.seq {
			return r.off+r.size(2) == lf.ack.end
		}
	}
	return lf.size < lf.ack.end
}

// repairState sets aside damaged snapshots and rewrites damaged logs with
// their good records, reporting to s.pending. Caller holds the exclusive
// lock.
func (s *Store) repairState(st *diskState) error {
	if err := s.repairSnaps(st); err != nil {
		return err
	}
	return s.repairLogs(st)
}

func (s *Store) repairSnaps(st *diskState) error {
	for _, sf := range []*snapFile{&st.snap, &st.prev} {
		if !sf.exists || sf.bad == "" || (sf == &st.prev && !st.prevRead) {
			continue
		}
		p := s.path(sf.name)
		kept, err := moveAside(p)
		if err != nil {
			return err
		}
		s.pending = s.pending.merge(&RecoveryReport{Kept: []string{kept}, Messages: []string{
			fmt.Sprintf("%s: %s; kept as %s", p, sf.bad, kept)}})
		*sf = snapFile{name: sf.name}
	}
	return nil
}

func (s *Store) repairLogs(st *diskState) error {
	for _, lf := range []*logFile{&st.log, &st.plog} {
		if !lf.exists || (lf == &st.plog && !st.prevRead) {
			continue
		}
		p := s.path(lf.name)
		a := assess(lf, p)
		switch {
		case lf.headerOK() && lf.fr.clean() && a.lost == 0:
		case lf.headerOK() && lf.fr.clean():
			// Cut short exactly at a record boundary: nothing to set
			// aside, but the loss must be said, once.
			rep := &RecoveryReport{LostRecords: a.lost, Loud: true}
			rep.Messages = append(rep.Messages, a.what...)
			s.pending = s.pending.merge(rep)
			if lf.name == logName && syncPath(p) == nil {
				// The ack means durable: the records read may be in the
				// page cache alone (a process killed before its fsync).
				s.writeAck(ack{epoch: lf.hdr.epoch, seq: lf.fr.lastSeq(), end: lf.fr.end})
				lf.ack = ack{epoch: lf.hdr.epoch, seq: lf.fr.lastSeq(), end: lf.fr.end}
			}
		default:
			gen := lf.hdr.gen
			if !lf.headerOK() {
				// Of the generation it continues, as far as can be told.
				gen = 0
				switch {
				case lf.name == prevLogName && st.prev.ok():
					gen = st.prev.hdr.gen
				case lf.name == logName && st.snap.ok():
					gen = st.snap.hdr.gen
				case lf.name == logName:
					gen = s.maxGen
				}
			}
			if err := s.repairLog(lf, a, gen); err != nil {
				return err
			}
		}
	}
	return nil
}

// repairLog keeps a copy of a damaged log, then cuts a torn append off in
// place, or rewrites the log with its good records.
func (s *Store) repairLog(lf *logFile, a assessment, gen uint64) error {
	p := s.path(lf.name)
	s.dropLogFile()
	fail := func(err error) error {
		return fmt.Errorf("log %s: %s (could not repair: %v): %w", p, strings.Join(a.what, "; "), err, ErrCorrupt)
	}
	kept, err := copyAside(p)
	if err != nil {
		return fail(err)
	}
	_, onlyTrail := lf.fr.trailing(lf.size)
	onlyTrail = onlyTrail && len(lf.fr.damages) == 1 && lf.headerOK()
	if onlyTrail && a.lost == 0 {
		// Cut the torn append off; the epoch stays, so readers keep their place.
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return fail(err)
		}
		err = f.Truncate(lf.fr.end)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fail(err)
		}
		lf.fr.damages, lf.size, lf.fr.torn = nil, lf.fr.end, false
	} else {
		epoch, err := newEpoch()
		if err != nil {
			return fail(err)
		}
		data := encodeLogHeader(epoch, gen)
		recs := make([]record, len(lf.fr.recs))
		for i, r := range lf.fr.recs {
			recs[i] = record{off: int64(len(data)), seq: uint64(i + 1), data: r.data}
			data = append(data, encodeFrame(uint64(i+1), r.data)...)
		}
		if err := atomicfile.WriteFile(p, data, 0o600); err != nil {
			return fail(err)
		}
		*lf = logFile{name: lf.name, exists: true, size: int64(len(data)), hdr: logHeader{version: 2, epoch: epoch, gen: gen},
			version: 2, fr: frames{recs: recs, end: int64(len(data))}}
		if lf.name == logName {
			lf.ack, lf.ackOK = ack{epoch: epoch, seq: uint64(len(recs)), end: int64(len(data))}, true
			s.writeAck(lf.ack)
		}
	}
	if !a.quiet {
		rep := &RecoveryReport{Kept: []string{kept}, DroppedBytes: a.dropped, LostRecords: a.lost, Loud: a.loud}
		rep.Messages = append(rep.Messages, a.what...)
		rep.Messages = append(rep.Messages, fmt.Sprintf("%s: the damaged file is kept at %s", p, kept))
		s.pending = s.pending.merge(rep)
	}
	return nil
}

// needsRepair reports whether anything read is damaged.
func (st *diskState) needsRepair() bool {
	if st.snap.exists && st.snap.bad != "" {
		return true
	}
	if st.prevRead && st.prev.exists && st.prev.bad != "" {
		return true
	}
	if st.log.exists && (!st.log.headerOK() || !st.log.fr.clean()) {
		return true
	}
	if st.log.exists && st.log.ackOK && st.log.version == 2 && st.log.ack.epoch == st.log.hdr.epoch && st.log.ack.seq > st.log.fr.lastSeq() {
		return true // cut short exactly at a frame boundary
	}
	return st.prevRead && st.plog.exists && (!st.plog.headerOK() || !st.plog.fr.clean())
}

// reportRead says what a read from pk means for the caller: nothing when
// the snapshot and log stood alone, else which generation was read.
func (s *Store) reportRead(st *diskState, pk pick, rep *RecoveryReport) *RecoveryReport {
	if !st.prevRead {
		return rep
	}
	// Without a repair (a read-only folder), say what the damage cost.
	for _, lf := range pk.logs {
		if lf.headerOK() && lf.fr.clean() {
			continue
		}
		a := assess(lf, s.path(lf.name))
		if a.quiet {
			continue
		}
		r := &RecoveryReport{DroppedBytes: a.dropped, LostRecords: a.lost, Loud: a.loud}
		r.Messages = append(r.Messages, a.what...)
		why := "the folder is read-only"
		if s.readOnly == errInspecting {
			why = "only looked at"
		}
		r.Messages = append(r.Messages, s.path(lf.name)+": not repaired ("+why+")")
		rep = rep.merge(r)
	}
	switch {
	case pk.snap == &st.snap:
		return rep
	case pk.snap == &st.prev:
		if st.interrupted && !st.snap.exists && rep == nil {
			return nil // a compaction was cut short; its fallback is complete
		}
		why := "is missing"
		switch {
		case st.snap.bad != "":
			why = "could not be used (" + st.snap.bad + ")"
		case st.snap.exists:
			why = "could not be used"
		}
		rep = rep.add("%s %s: read the previous generation (%s, generation %d) and the %d log(s) after it instead",
			s.path(snapName), why, s.path(prevSnapName), st.prev.hdr.gen, len(pk.logs))
		rep.Fallback = true
		if !chainWhole(st, pk) {
			rep.Loud = true
			rep = rep.add("the records between the previous generation and the damaged snapshot are incomplete: edits saved only in the damaged snapshot are lost")
		}
	case st.snap.exists || st.prev.exists || st.interrupted:
		rep = rep.add("no usable snapshot in %s: only the %d log(s) were read; what the snapshot held is lost unless another copy has it", s.dir, len(pk.logs))
		rep.Fallback, rep.Loud = true, true
	}
	return rep
}

// chainWhole reports whether the previous snapshot's own log is there, so
// the fallback holds everything the newer snapshot did.
func chainWhole(st *diskState, pk pick) bool {
	for _, lf := range pk.logs {
		if lf == &st.plog && lf.headerOK() && lf.hdr.gen == pk.snap.hdr.gen {
			return true
		}
	}
	// The generation's log may still be the live one (a crash before it
	// was renamed).
	return st.log.headerOK() && st.log.hdr.gen == pk.snap.hdr.gen
}

// Load reads the newest usable snapshot (nil if none) and every log record
// that follows it, in order, and remembers how far it read for ReadNew.
// Damaged files are kept aside and what they still hold is read; rep is
// non-nil when something had to be worked around (a torn final append from
// a crash, which lost nothing acknowledged, is not reported). On a
// read-only folder nothing is repaired, only read.
func (s *Store) Load() (snapshot []byte, chunks [][]byte, rep *RecoveryReport, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return nil, nil, nil, err
	}
	snapshot, chunks, err = s.resetRead()
	if err != nil {
		return nil, nil, nil, err
	}
	rep, s.pending = s.pending, nil
	return snapshot, chunks, rep, nil
}

// resetRead reads everything under a shared lock, retrying under an
// exclusive one with repair if something is damaged, and sets the read
// position. Reports go to s.pending.
func (s *Store) resetRead() ([]byte, [][]byte, error) {
	if err := s.lock(lockShared); err != nil {
		return nil, nil, err
	}
	st, err := s.readState()
	s.unlock()
	if err != nil {
		return nil, nil, err
	}
	s.noteGens(&st)
	if st.needsRepair() && s.readOnly == nil {
		if err := s.lock(lockExclusive); err != nil {
			return nil, nil, err
		}
		st, err = s.readState()
		if err == nil && st.needsRepair() {
			if err = st.readPrev(s); err == nil {
				s.noteGens(&st)
				err = s.repairState(&st)
			}
		}
		s.unlock()
		if err != nil {
			return nil, nil, err
		}
	}
	pk := s.choose(&st)
	s.pending = s.reportRead(&st, pk, s.pending)

	var snap []byte
	s.snapGen, s.snapRecords, s.snapBytes, s.lastSnap = 0, 0, 0, ""
	if pk.snap != nil {
		snap = pk.snap.payload
		s.snapGen, s.snapRecords, s.snapBytes, s.lastSnap = pk.snap.hdr.gen, pk.snap.hdr.records, int64(len(snap)), pk.snap.name
		if pk.snap.payload == nil {
			snap = []byte{} // whole but empty: still a snapshot
		}
	}
	var chunks [][]byte
	for _, lf := range pk.logs {
		for _, r := range lf.fr.recs {
			chunks = append(chunks, r.data)
		}
	}
	s.loaded, s.forceReset = true, false
	s.snapID = st.snap.id
	s.skip, s.stash = nil, nil
	s.setPosition(&st.log)
	return snap, chunks, nil
}

// noteGens remembers the highest generation on disk, for the next one.
func (s *Store) noteGens(st *diskState) {
	for _, g := range []uint64{st.snap.hdr.gen, st.prev.hdr.gen, st.log.hdr.gen, st.plog.hdr.gen} {
		s.maxGen = max(s.maxGen, g)
	}
}

// setPosition follows the live log from just past what lf holds.
func (s *Store) setPosition(lf *logFile) {
	s.epoch, s.offset, s.version = epochID{}, 0, 0
	s.vEpoch, s.vGen, s.vVersion, s.vEnd, s.vCount, s.vSeq = epochID{}, 0, 0, 0, 0, 0
	if !lf.exists {
		return
	}
	end := lf.fr.end
	if !lf.headerOK() || !lf.fr.clean() {
		// Unrepaired (read-only): treat what is there as read.
		end = lf.size
	}
	s.epoch, s.offset, s.version = lf.hdr.epoch, end, lf.version
	if lf.headerOK() && lf.fr.clean() {
		s.vEpoch, s.vGen, s.vVersion, s.vEnd, s.vCount, s.vSeq = lf.hdr.epoch, lf.hdr.gen, lf.version, lf.fr.end, len(lf.fr.recs), lf.fr.lastSeq()
	}
}

// RejectSnapshot tells the Store that the snapshot the last Load returned
// could not be read by the caller's engine. The file is set aside (on a
// read-only folder, only skipped) and the caller should Load again, which
// falls back to the previous generation. It returns where the file was kept.
func (s *Store) RejectSnapshot(why error) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return "", err
	}
	name := s.lastSnap
	if name == "" {
		return "", fmt.Errorf("%s: no snapshot was read", s.dir)
	}
	p := s.path(name)
	id, err := statID(p)
	if err != nil {
		return "", err
	}
	if s.rejected == nil {
		s.rejected = map[fileID]bool{}
	}
	s.rejected[id] = true
	s.forceReset = true
	if s.readOnly != nil {
		s.pending = s.pending.add("%s: unreadable (%v); skipped (the folder is read-only)", p, why)
		return p, nil
	}
	if err := s.lock(lockExclusive); err != nil {
		return "", err
	}
	defer s.unlock()
	if now, err := statID(p); err != nil || now != id {
		return "", fmt.Errorf("%s: replaced meanwhile: %w", p, ErrStale)
	}
	kept, err := moveAside(p)
	if err != nil {
		return "", err
	}
	s.pending = s.pending.merge(&RecoveryReport{Kept: []string{kept}, Messages: []string{
		fmt.Sprintf("%s: unreadable (%v); kept as %s", p, why, kept)}})
	return kept, nil
}

// QuarantineSnapshot moves the current snapshot aside to
// snapshot.damaged-<unix-nanos> and returns that path.
func (s *Store) QuarantineSnapshot() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkWrite(); err != nil {
		return "", err
	}
	if err := s.lock(lockExclusive); err != nil {
		return "", err
	}
	defer s.unlock()
	name, err := moveAside(s.path(snapName))
	if err != nil {
		return "", err
	}
	s.snapID = fileID{}
	return name, nil
}

// ReadNew returns what other processes wrote since this Store last read or
// wrote. When another process compacted, it follows without reading the
// new snapshot, which holds nothing this Store had not read; only when the
// files changed in another way (a repair, a snapshot replaced by hand) is
// reset true and it returns the snapshot and every record, as Load does.
func (s *Store) ReadNew() (snapshot []byte, chunks [][]byte, reset bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return nil, nil, false, err
	}
	if !s.loaded || s.forceReset {
		snapshot, chunks, err = s.resetRead()
		return snapshot, chunks, err == nil, err
	}
	if err := s.lock(lockShared); err != nil {
		return nil, nil, false, err
	}
	chunks, needReset, err := s.readTail()
	s.unlock()
	if err != nil {
		return nil, nil, false, err
	}
	if needReset {
		snapshot, chunks, err = s.resetRead()
		return snapshot, chunks, err == nil, err
	}
	return nil, chunks, false, nil
}

// readTail reads records past the read position, following a compaction
// if there was one. Caller holds a lock.
func (s *Store) readTail() (chunks [][]byte, needReset bool, err error) {
	id, err := statID(s.path(snapName))
	if err != nil {
		return nil, false, err
	}
	if id != s.snapID {
		ok, err := s.follow(id)
		if err != nil || !ok {
			return nil, !ok, err
		}
	}
	chunks, s.stash = s.stash, nil
	lf, err := readLogFrom(s.path(logName), s.offset)
	if err != nil {
		return nil, false, err
	}
	switch {
	case !lf.exists:
		return chunks, s.offset != 0, nil
	case s.offset != 0 && lf.hdr.epoch == s.epoch && lf.size == s.offset:
		return chunks, false, nil // nothing new (also a damaged log read as it is)
	case !lf.headerOK() || !lf.fr.clean():
		if !s.tornOnly(&lf) {
			return nil, true, nil
		}
		// A torn append by a crashed writer: read up to it; the next
		// Append cuts it off.
	case s.offset != 0 && (lf.hdr.epoch != s.epoch || lf.size < s.offset):
		return nil, true, nil
	}
	if s.offset == 0 {
		s.epoch, s.offset, s.version = lf.hdr.epoch, lf.hdr.size(), lf.version
	}
	for _, r := range lf.fr.recs {
		if r.off < s.offset {
			continue
		}
		if s.skip[r.off] {
			delete(s.skip, r.off)
			continue
		}
		chunks = append(chunks, r.data)
	}
	if lf.hdr.epoch == s.vEpoch && s.vEnd >= s.offset && s.vEnd <= lf.fr.end {
		for _, r := range lf.fr.recs {
			if r.off >= s.vEnd {
				s.vCount++
			}
		}
		s.vEnd, s.vSeq = lf.fr.end, max(s.vSeq, lf.fr.lastSeq())
	}
	s.offset = max(s.offset, lf.fr.end)
	return chunks, false, nil
}

// tornOnly reports whether the only damage in lf, the live log read from
// this Store's position, is a torn final append: nothing acknowledged is
// missing. Caller holds a lock.
func (s *Store) tornOnly(lf *logFile) bool {
	_, trail := lf.fr.trailing(lf.size)
	if !lf.headerOK() || !trail || len(lf.fr.damages) != 1 || lf.hdr.epoch != s.epoch || s.offset == 0 {
		return false
	}
	full, err := readLog(s.path(logName))
	if err != nil || full.size != lf.size {
		return false
	}
	full.ack, full.ackOK = readAck(s.path(ackName))
	return assess(&full, "").quiet
}

// follow moves the read position across a compaction that replaced the
// snapshot (now the file id): if it was cut from the log this Store
// follows, the records up to the cut that this Store has not read are
// taken from that log (now log.prev) and the position moves to the same
// record in the new log. It reports false when the change is something
// else and a full read is needed. Caller holds a lock.
func (s *Store) follow(id fileID) (bool, error) {
	fromStart := s.epoch == (epochID{}) && s.offset == 0 // no log read yet
	if !id.exists || !(s.version == 2 || fromStart) {
		return false, nil
	}
	sf, err := readSnap(s.path(snapName), true)
	if err != nil || !sf.exists || sf.bad != "" || sf.hdr.legacy || sf.id != id {
		return false, err
	}
	h := sf.hdr
	if h.baseSnap != idHash(s.snapID) || !(h.baseEpoch == s.epoch || fromStart) {
		return false, nil
	}
	exists, lh, err := readLogHeader(s.path(logName))
	if err != nil || !exists || lh.version != 2 || lh.epoch != h.logEpoch {
		return false, err
	}
	var stash [][]byte
	newOff := int64(headerSize)
	if s.offset < h.baseEnd && h.baseEpoch != (epochID{}) {
		pl, err := readLog(s.path(prevLogName))
		if err != nil || !pl.headerOK() || pl.hdr.epoch != h.baseEpoch || pl.fr.end < h.baseEnd {
			return false, err
		}
		for _, r := range pl.fr.recs {
			if r.off >= s.offset && r.off < h.baseEnd && !s.skip[r.off] {
				stash = append(stash, r.data)
			}
		}
	} else {
		newOff += s.offset - h.baseEnd
	}
	skip := map[int64]bool{}
	for off := range s.skip {
		if off >= h.baseEnd {
			skip[off-h.baseEnd+headerSize] = true
		}
	}
	s.stash = append(s.stash, stash...)
	s.skip = skip
	s.snapID, s.snapGen, s.snapRecords, s.snapBytes, s.lastSnap = id, h.gen, h.records, h.length, snapName
	s.maxGen = max(s.maxGen, h.gen)
	s.epoch, s.offset, s.version = h.logEpoch, newOff, 2
	// The validated prefix is re-established by the next Append.
	s.vEpoch, s.vEnd, s.vCount, s.vSeq = epochID{}, 0, 0, 0
	return true, nil
}

// syncPath fsyncs the file at p.
func syncPath(p string) error {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
