// Package wire is the byte format of a /coplan/sync/1 stream: the
// length-prefixed, capped frames and the payloads Coplan itself defines
// (hello, welcome, heads, snapshot chunks). It parses what a peer sends and
// nothing else: it knows no plan and no libp2p, and imports nothing of
// Coplan. What a hello's plan ID and side mean is checked by the sync
// package against the plan document; changes are opaque here (Automerge
// decodes them), but for the layout of a change, which compact frames
// re-encode (compact.go), and its hash.
//
// A stream, dialler first:
//
//	dialler:  Hello
//	listener: Welcome [Snapshot...] | Refuse
//	both:     (State | Fetched | Level | Echo | Presence | Bundle)...
//
// where a bundle (protocol 5; bundle.go, changesz.go) is one compressed
// frame holding changes, level, advance, echo and presence frames: what
// one writing pass of a session says. A live change so costs its
// compressed bytes and a byte or two for the sender's heads (an advance:
// the receiver works them out from the change) and for its cursor (the
// text before it read from the receiver's copy, presence version 3),
// and the receiver answers with an echo of two or three bytes ("I hold
// exactly what your level k said") instead of a 32-byte hash. An echo,
// a presence frame or an empty level with nothing else to go with
// travels as it is: a compressed frame would cost more. Since protocol
// 6 a bundle's changes and level frames travel compact (compact.go):
// each change rebuilt byte for byte from what differs from the changes
// that crossed before it, each head a reference to one of those.
//
// Every parser here has a fuzz target.
package wire

import "errors"

// ProtocolID is the sync protocol. One stream per (peer, plan).
const ProtocolID = "/coplan/sync/1"

// ProtocolVersion is the version a hello carries; a peer refuses versions
// it does not speak rather than guess. 2: signed authority (members,
// invites and redemptions are statements); 3: changes cross in batches
// under the frame cap (before, in unbounded Automerge sync messages); 4:
// changes and level frames may be compressed; 5: compressed frames carry
// bundles of frames, presence included, and heads go as echoes and
// advances where they can; 6: changes in bundles travel compact,
// re-encoded against what crossed before (compact.go).
const ProtocolVersion = 6

// versionNeeds says, for a peer too old to speak a version, what that
// version brought.
var versionNeeds = map[int]string{
	2: "a Coplan with signed members and roles",
	3: "a Coplan that sends changes in bounded batches",
	4: "a Coplan that compresses changes on the wire",
	5: "a Coplan that bundles frames on the wire",
	6: "a Coplan that sends changes compactly",
}

// Frame types: the first byte of a frame's body.
const (
	FrameHello    byte = 1 // JSON Hello, first frame from the dialler
	FrameWelcome  byte = 2 // JSON Welcome, the listener's yes
	FrameRefuse   byte = 3 // UTF-8 reason, the listener's no
	FrameSnapshot byte = 4 // a chunk of a compressed snapshot
	// 5 and 7 were version 1's Automerge sync message and restart.
	FrameLevel   byte = 6  // the sender's heads, whenever they change
	FrameState   byte = 8  // what the sender holds, maybe with a fetch
	FrameChanges byte = 9  // encoded changes in dependency order
	FrameFetched byte = 10 // a fetch answered in full
	// FramePresence is what the sender has open (presence.go). It goes
	// only to a peer whose hello or welcome said Presence: a version 3
	// peer without it resets the stream on a frame type it does not know.
	FramePresence byte = 11
	// FrameBundle is a bundle of frames, compressed (bundle.go,
	// changesz.go); in version 4 it held one changes or level frame.
	FrameBundle  byte = 12
	FrameEcho    byte = 13 // the sender holds what the receiver's level k said
	FrameAdvance byte = 14 // the sender's heads, advanced by its bundle's changes
	FrameCompact byte = 15 // a changes frame re-encoded, only in a bundle
	// FrameCompactLevel is a level frame whose heads are references to
	// changes that crossed (compact.go), only in a bundle.
	FrameCompactLevel byte = 16
)

// Caps on frame bodies and payloads.
const (
	MaxHelloFrame = 16 << 10 // hello, welcome and refusal
	MaxFrame      = 16 << 20 // state and changes frames
	// BatchTarget is the size changes frames are filled to; a change
	// larger than that travels alone (the plan caps one at 8 MiB).
	BatchTarget   = 1 << 20
	SnapshotChunk = 1 << 20 // snapshots travel in chunks of this size
	MaxSnapshot   = 512 << 20
	MaxInviteCode = 2048 // characters of an invite code, in a hello or typed
	maxHeads      = 4096 // heads in a level frame
	maxHelloText  = 200  // bytes of a joining device's name or organisation
	maxRedemption = 2048 // base64 characters of a joining device's signed redemption
)

// Sentinel errors for what a peer sent.
var (
	ErrFrameTooBig = errors.New("frame exceeds size cap")
	ErrBadFrame    = errors.New("malformed frame")
	ErrBadHello    = errors.New("malformed hello")
)
