package wire

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Hello opens a stream. It names the plan and says whether the sender holds
// it yet. The connection's Noise/TLS handshake has already proved the
// sender's peer ID; that ID in the plan's members record is the membership
// proof. A device that is not a member yet proves itself with an invite,
// says who it is, and brings its redemption of the invite: a statement its
// own device key signed (doc/authority), which the listener stores in the
// plan and which makes it a member on every peer.
type Hello struct {
	Version    int    `json:"v"`
	Plan       string `json:"plan"`
	Have       bool   `json:"have"`
	Invite     string `json:"invite,omitempty"`
	Name       string `json:"name,omitempty"`
	Org        string `json:"org,omitempty"`
	Side       string `json:"side,omitempty"`
	Redemption string `json:"redemption,omitempty"` // base64 of the statement's bytes
	// Presence is the highest presence version (PresenceVersion) the
	// sender reads; 0: none. A field, not a new protocol version, so version 3
	// peers without it (which ignore it) still sync and are sent none.
	Presence int `json:"presence,omitempty"`
}

// Welcome admits the dialler. Snapshot > 0 means that many bytes of
// compressed snapshot follow, in chunks, before the sync messages.
type Welcome struct {
	Version  int   `json:"v"`
	Snapshot int64 `json:"snapshot,omitempty"`
	// Presence is the presence version spoken on the stream: the lower of
	// the hello's and the welcomer's (0 in the hello: the welcomer's).
	Presence int `json:"presence,omitempty"`
}

// EncodeHello is a hello frame's payload.
func EncodeHello(h Hello) []byte { return mustJSON(h) }

// EncodeWelcome is a welcome frame's payload.
func EncodeWelcome(w Welcome) []byte { return mustJSON(w) }

// mustJSON marshals a struct of strings, ints and bools, which cannot fail.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// ParseHello decodes a hello frame's payload and checks its shape: the
// version, the lengths, and that a joining device gives a name. Whether
// the plan ID and side are valid is for the caller, who knows plans.
func ParseHello(b []byte) (Hello, error) {
	var h Hello
	if len(b) > MaxHelloFrame {
		return h, fmt.Errorf("%w: %d bytes", ErrBadHello, len(b))
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return h, fmt.Errorf("%w: %v", ErrBadHello, err)
	}
	if h.Version > ProtocolVersion {
		return h, fmt.Errorf("%w: protocol version %d; this peer speaks protocol %d: update Coplan on it",
			ErrBadHello, h.Version, ProtocolVersion)
	}
	if h.Version != ProtocolVersion {
		return h, fmt.Errorf("%w: protocol version %d; this peer needs protocol %d (%s): update Coplan",
			ErrBadHello, h.Version, ProtocolVersion, versionNeeds[ProtocolVersion])
	}
	for _, s := range []string{h.Name, h.Org} {
		if len(s) > maxHelloText || !utf8.ValidString(s) {
			return h, fmt.Errorf("%w: name or organisation too long or not UTF-8", ErrBadHello)
		}
	}
	if len(h.Invite) > MaxInviteCode {
		return h, fmt.Errorf("%w: invite too long", ErrBadHello)
	}
	if h.Invite != "" && h.Name == "" {
		return h, fmt.Errorf("%w: a joining device must give a name", ErrBadHello)
	}
	if h.Invite != "" && len(h.Redemption) == 0 {
		return h, fmt.Errorf("%w: a joining device must bring its signed redemption of the invite", ErrBadHello)
	}
	if len(h.Redemption) > maxRedemption {
		return h, fmt.Errorf("%w: redemption too long", ErrBadHello)
	}
	if _, err := base64.StdEncoding.DecodeString(h.Redemption); err != nil {
		return h, fmt.Errorf("%w: redemption is not base64", ErrBadHello)
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
