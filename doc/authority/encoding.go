package authority

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"
)

// Format version written in every statement. A statement of another version
// is refused with ErrVersion, never half understood. Version 2: a key
// registration carries a proof of possession.
const FormatVersion = 2

// Size limits. A statement is small (a change attestation is about 240
// bytes); the limits bound the work a hostile peer can cause.
const (
	MaxStatementSize = 64 << 10
	MaxLinks         = 256  // parents, and seen attestations
	MaxHeads         = 256  // Automerge heads named in a body
	MaxAttendees     = 500  // names in a meeting record
	MaxText          = 200  // bytes of a name, organisation, label or title
	MaxKeyText       = 1024 // bytes of an OpenSSH public key
	MaxActor         = 64   // bytes of an Automerge actor ID
)

// signingDomain separates statement signatures from every other use of a
// device key (libp2p's handshake signs with the same key).
const signingDomain = "coplan-statement-v1"

// ID names a statement: the SHA-256 of its signed bytes.
type ID [32]byte

func idOf(raw []byte) ID { return sha256.Sum256(raw) }

// String is the ID in lowercase hex, as the plan document keys statements.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// Short is the first 8 bytes in hex, for messages.
func (id ID) Short() string { return hex.EncodeToString(id[:8]) }

// IsZero reports whether id is the zero ID (no statement).
func (id ID) IsZero() bool { return id == ID{} }

// StatementID is the ID of a statement's bytes, whether or not they parse.
func StatementID(raw []byte) ID { return idOf(raw) }

// ParseID reads a statement ID written by ID.String.
func ParseID(s string) (ID, error) {
	var id ID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, fmt.Errorf("%w: %q is not a statement ID", ErrInvalid, s)
	}
	copy(id[:], b)
	return id, nil
}

// Links place a statement in the plan's causal history.
//
// Parents are the heads of the statement DAG the signer held (every kind but
// change attestations is a node of that DAG); they must all be present before
// a statement is judged. Seen names change attestations the signer held: an
// attestation names its device's previous one, and a removal names every
// device's latest, so what a removal had seen is part of its signed bytes.
// Seen statements may be absent (a proof bundle leaves them out).
type Links struct {
	Parents []ID
	Seen    []ID
}

// Statement is a parsed, signature-checked statement.
type Statement struct {
	ID      ID
	Version int
	Kind    Kind
	PlanID  string // "" for a genesis statement
	Signer  Device
	Links   Links
	Time    time.Time // as the signer stated it; never trusted for order
	Body    Body
	Raw     []byte // the signed bytes, exactly as received
}

// Sign makes a statement: the signed bytes to store in the plan. planID is
// "" for a genesis statement (use Found). at is informational: it is stored
// to the millisecond and never used to order statements.
func Sign(priv ed25519.PrivateKey, planID string, links Links, at time.Time, body Body) ([]byte, error) {
	signer, err := DeviceOfKey(priv)
	if err != nil {
		return nil, err
	}
	if body == nil {
		return nil, fmt.Errorf("%w: no body", ErrInvalid)
	}
	if err := body.validate(); err != nil {
		return nil, err
	}
	var pid []byte
	if body.Kind() == KindGenesis {
		if planID != "" {
			return nil, fmt.Errorf("%w: a genesis statement names no plan", ErrInvalid)
		}
	} else if pid, err = planIDBytes(planID); err != nil {
		return nil, err
	}
	l := Links{Parents: sortedIDs(links.Parents), Seen: sortedIDs(links.Seen)}
	if err := checkLinks(body.Kind(), l); err != nil {
		return nil, err
	}
	var e enc
	e.byte(FormatVersion)
	e.byte(byte(body.Kind()))
	e.bytes(pid)
	e.fixed(signer[:])
	e.ids(l.Parents)
	e.ids(l.Seen)
	e.varint(at.UnixMilli())
	var be enc
	body.encode(&be)
	e.bytes(be.b)
	if len(e.b)+ed25519.SignatureSize > MaxStatementSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(e.b)+ed25519.SignatureSize)
	}
	sig := ed25519.Sign(priv, signedMessage(e.b))
	return append(e.b, sig...), nil
}

func signedMessage(unsigned []byte) []byte {
	return append([]byte(signingDomain), unsigned...)
}

// Parse reads and checks a statement: its encoding must be exactly the one
// Sign writes (one byte string per statement), its fields within limits, and
// its signature valid. The plan it names and the authority of its signer are
// for Evaluate to judge.
func Parse(raw []byte) (*Statement, error) {
	st, err := parseUnverified(raw, idOf(raw))
	if err != nil {
		return nil, err
	}
	unsigned := raw[:len(raw)-ed25519.SignatureSize]
	if !verifySig(st.Signer[:], signedMessage(unsigned), raw[len(unsigned):]) {
		return nil, ErrBadSignature
	}
	return st, nil
}

// parseUnverified is Parse without the signature check; id is idOf(raw).
func parseUnverified(raw []byte, id ID) (*Statement, error) {
	if len(raw) > MaxStatementSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(raw))
	}
	if len(raw) < 2+ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: too short", ErrMalformed)
	}
	if raw[0] != FormatVersion {
		made := "a newer Coplan"
		if raw[0] < FormatVersion {
			made = "an earlier Coplan"
		}
		return nil, fmt.Errorf("%w: version %d, made by %s (this Coplan reads version %d)", ErrVersion, raw[0], made, FormatVersion)
	}
	d := dec{b: raw[:len(raw)-ed25519.SignatureSize]}
	st := &Statement{Version: int(d.byte()), Kind: Kind(d.byte()), Raw: raw, ID: id}
	if !st.Kind.valid() {
		return nil, fmt.Errorf("%w: %d", ErrUnknownKind, st.Kind)
	}
	pid := d.bytes(16)
	copy(st.Signer[:], d.fixed(len(st.Signer)))
	st.Links.Parents = d.ids()
	st.Links.Seen = d.ids()
	st.Time = time.UnixMilli(d.varint()).UTC()
	bodyBytes := d.bytes(MaxStatementSize)
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: trailing bytes", ErrMalformed)
	}
	switch {
	case st.Kind == KindGenesis && len(pid) != 0:
		return nil, fmt.Errorf("%w: a genesis statement names a plan", ErrMalformed)
	case st.Kind != KindGenesis && len(pid) != 16:
		return nil, fmt.Errorf("%w: plan ID of %d bytes", ErrMalformed, len(pid))
	}
	if len(pid) > 0 {
		st.PlanID = hex.EncodeToString(pid)
	}
	if err := checkLinks(st.Kind, st.Links); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	body, err := decodeBody(st.Kind, bodyBytes)
	if err != nil {
		return nil, err
	}
	st.Body = body
	// One encoding per statement: whatever the decoder let through (a
	// varint written long, say) must come back byte for byte.
	var re enc
	body.encode(&re)
	if !bytes.Equal(re.b, bodyBytes) {
		return nil, fmt.Errorf("%w: body not in canonical form", ErrMalformed)
	}
	var e enc
	e.byte(FormatVersion)
	e.byte(byte(st.Kind))
	e.bytes(pid)
	e.fixed(st.Signer[:])
	e.ids(st.Links.Parents)
	e.ids(st.Links.Seen)
	e.varint(st.Time.UnixMilli())
	e.bytes(bodyBytes)
	if !bytes.Equal(e.b, raw[:len(raw)-ed25519.SignatureSize]) {
		return nil, fmt.Errorf("%w: not in canonical form", ErrMalformed)
	}
	return st, nil
}

// checkLinks: only the genesis statement has no parents; lists are sorted
// sets within limits (Parse's decoder already checked the order).
func checkLinks(k Kind, l Links) error {
	if len(l.Parents) > MaxLinks || len(l.Seen) > MaxLinks {
		return fmt.Errorf("%w: more than %d links", ErrInvalid, MaxLinks)
	}
	if k == KindGenesis {
		if len(l.Parents) != 0 || len(l.Seen) != 0 {
			return fmt.Errorf("%w: a genesis statement has no parents", ErrInvalid)
		}
		return nil
	}
	if len(l.Parents) == 0 {
		return fmt.Errorf("%w: a statement needs the parents it was made on", ErrInvalid)
	}
	return nil
}

func sortedIDs(ids []ID) []ID {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b ID) int { return bytes.Compare(a[:], b[:]) })
	return slices.Compact(out)
}

func planIDBytes(planID string) ([]byte, error) {
	b, err := hex.DecodeString(planID)
	if err != nil || len(b) != 16 || hex.EncodeToString(b) != planID {
		return nil, fmt.Errorf("%w: %q", ErrBadPlanID, planID)
	}
	return b, nil
}

// PlanIDOf is the plan ID a genesis statement founds: the first 16 bytes of
// its statement ID in hex (the 32-hex-digit shape plan IDs have always had).
func PlanIDOf(genesis ID) string { return hex.EncodeToString(genesis[:16]) }

// enc writes the primitives of the encoding: bytes and strings with a
// uvarint length, IDs as 32 raw bytes after a uvarint count, times as a
// signed varint of Unix milliseconds.
type enc struct{ b []byte }

func (e *enc) byte(x byte)      { e.b = append(e.b, x) }
func (e *enc) fixed(b []byte)   { e.b = append(e.b, b...) }
func (e *enc) uvarint(x uint64) { e.b = binary.AppendUvarint(e.b, x) }
func (e *enc) varint(x int64)   { e.b = binary.AppendVarint(e.b, x) }
func (e *enc) bytes(b []byte)   { e.uvarint(uint64(len(b))); e.b = append(e.b, b...) }
func (e *enc) str(s string)     { e.bytes([]byte(s)) }
func (e *enc) time(t time.Time) { e.varint(t.UnixMilli()) }
func (e *enc) id(id ID)         { e.fixed(id[:]) }
func (e *enc) device(d Device)  { e.fixed(d[:]) }
func (e *enc) bool(b bool) {
	if b {
		e.byte(1)
	} else {
		e.byte(0)
	}
}
func (e *enc) ids(ids []ID) {
	e.uvarint(uint64(len(ids)))
	for _, id := range ids {
		e.id(id)
	}
}
func (e *enc) strs(list []string) {
	e.uvarint(uint64(len(list)))
	for _, s := range list {
		e.str(s)
	}
}

// dec reads what enc writes; the first error sticks and later reads return
// zero values.
type dec struct {
	b   []byte
	err error
}

func (d *dec) fail(format string, a ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, a...)...)
	}
	d.b = nil
}

func (d *dec) byte() byte {
	if len(d.b) < 1 {
		d.fail("truncated")
		return 0
	}
	x := d.b[0]
	d.b = d.b[1:]
	return x
}

func (d *dec) fixed(n int) []byte {
	if len(d.b) < n {
		d.fail("truncated")
		return make([]byte, n)
	}
	x := d.b[:n:n]
	d.b = d.b[n:]
	return x
}

func (d *dec) uvarint() uint64 {
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *dec) varint() int64 {
	x, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *dec) bytes(max int) []byte {
	n := d.uvarint()
	if n > uint64(max) {
		d.fail("field of %d bytes (at most %d)", n, max)
		return nil
	}
	return d.fixed(int(n))
}

// str reads a line of text: valid UTF-8 without control characters.
func (d *dec) str(max int) string {
	s := string(d.bytes(max))
	if d.err == nil {
		if err := checkText(s, max); err != nil {
			d.fail("%v", err)
		}
	}
	return s
}

func (d *dec) time() time.Time { return time.UnixMilli(d.varint()).UTC() }
func (d *dec) id() (id ID)     { copy(id[:], d.fixed(len(id))); return id }
func (d *dec) device() (x Device) {
	copy(x[:], d.fixed(len(x)))
	return x
}

func (d *dec) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bad boolean")
	return false
}

// ids reads a sorted set of IDs.
func (d *dec) ids() []ID {
	n := d.uvarint()
	if n > MaxLinks {
		d.fail("%d links (at most %d)", n, MaxLinks)
		return nil
	}
	var out []ID
	for i := uint64(0); i < n && d.err == nil; i++ {
		id := d.id()
		if len(out) > 0 && bytes.Compare(out[len(out)-1][:], id[:]) >= 0 {
			d.fail("links not a sorted set")
		}
		out = append(out, id)
	}
	return out
}

func (d *dec) strs(maxN, maxLen int) []string {
	n := d.uvarint()
	if n > uint64(maxN) {
		d.fail("%d entries (at most %d)", n, maxN)
		return nil
	}
	var out []string
	for i := uint64(0); i < n && d.err == nil; i++ {
		out = append(out, d.str(maxLen))
	}
	return out
}

// checkText: a name or label is one line of valid UTF-8, within max bytes.
func checkText(s string, max int) error {
	if len(s) > max {
		return fmt.Errorf("%w: text of %d bytes (at most %d)", ErrInvalid, len(s), max)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: text is not UTF-8", ErrInvalid)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: control character in text", ErrInvalid)
		}
	}
	return nil
}
