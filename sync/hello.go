package sync

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/coplan/coplan/doc"
)

// ProtocolID is the sync protocol. One stream per (peer, plan).
const ProtocolID = "/coplan/sync/1"

// ProtocolVersion is the version a hello carries; a peer refuses versions
// it does not speak rather than guess.
const ProtocolVersion = 1

// ErrBadHello is a hello that does not parse or breaks the rules.
var ErrBadHello = errors.New("malformed hello")

// Hello opens a stream. It names the plan and says whether the sender holds
// it yet. The connection's Noise/TLS handshake has already proved the
// sender's peer ID; that ID in the plan's members record is the membership
// proof. A device that is not a member yet proves itself with an invite and
// says who it is, so the listener can record it as a member.
type Hello struct {
	Version int    `json:"v"`
	Plan    string `json:"plan"`
	Have    bool   `json:"have"`
	Invite  string `json:"invite,omitempty"`
	Name    string `json:"name,omitempty"`
	Org     string `json:"org,omitempty"`
	Side    string `json:"side,omitempty"`
}

// Welcome admits the dialer. Snapshot > 0 means that many bytes of
// compressed snapshot follow, in chunks, before the sync messages.
type Welcome struct {
	Version  int   `json:"v"`
	Snapshot int64 `json:"snapshot,omitempty"`
}

const maxHelloText = 200

// ParseHello decodes and checks a hello frame's payload.
func ParseHello(b []byte) (Hello, error) {
	var h Hello
	if len(b) > MaxHelloFrame {
		return h, fmt.Errorf("%w: %d bytes", ErrBadHello, len(b))
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return h, fmt.Errorf("%w: %v", ErrBadHello, err)
	}
	if h.Version != ProtocolVersion {
		return h, fmt.Errorf("%w: protocol version %d (this build speaks %d)", ErrBadHello, h.Version, ProtocolVersion)
	}
	if !doc.ValidPlanID(h.Plan) {
		return h, fmt.Errorf("%w: plan ID %q", ErrBadHello, h.Plan)
	}
	for _, s := range []string{h.Name, h.Org} {
		if len(s) > maxHelloText || !utf8.ValidString(s) {
			return h, fmt.Errorf("%w: name or organisation too long or not UTF-8", ErrBadHello)
		}
	}
	if len(h.Invite) > maxInviteCode {
		return h, fmt.Errorf("%w: invite too long", ErrBadHello)
	}
	if h.Side != "" {
		if _, err := doc.ParseSide(h.Side); err != nil {
			return h, fmt.Errorf("%w: %v", ErrBadHello, err)
		}
	}
	if h.Invite != "" && h.Name == "" {
		return h, fmt.Errorf("%w: a joining device must give a name", ErrBadHello)
	}
	return h, nil
}

// ParseWelcome decodes a welcome frame's payload.
func ParseWelcome(b []byte) (Welcome, error) {
	var w Welcome
	if err := json.Unmarshal(b, &w); err != nil {
		return w, fmt.Errorf("%w: welcome: %v", ErrBadFrame, err)
	}
	if w.Version != ProtocolVersion || w.Snapshot < 0 || w.Snapshot > MaxSnapshot {
		return w, fmt.Errorf("%w: welcome version %d snapshot %d", ErrBadFrame, w.Version, w.Snapshot)
	}
	return w, nil
}

// encodeHeads packs hex change hashes into a level frame payload.
func encodeHeads(heads []string) []byte {
	out := make([]byte, 0, 32*len(heads))
	for _, h := range heads {
		if b, err := hex.DecodeString(h); err == nil && len(b) == 32 {
			out = append(out, b...)
		}
	}
	return out
}

// decodeHeads unpacks a level frame payload into sorted hex hashes.
func decodeHeads(b []byte) ([]string, error) {
	if len(b)%32 != 0 || len(b)/32 > maxHeads {
		return nil, fmt.Errorf("%w: level frame of %d bytes", ErrBadFrame, len(b))
	}
	out := make([]string, 0, len(b)/32)
	for i := 0; i < len(b); i += 32 {
		out = append(out, hex.EncodeToString(b[i:i+32]))
	}
	sort.Strings(out)
	return out, nil
}
