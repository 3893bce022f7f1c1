// Package wire is the byte format of a /coplan/sync/1 stream: the
// length-prefixed, capped frames and the payloads Coplan itself defines
// (hello, welcome, heads, snapshot chunks). It parses what a peer sends and
// nothing else: it knows no plan, no libp2p and no Automerge, and imports
// nothing of Coplan. What a hello's plan ID and side mean is checked by
// the sync package against the plan document; sync messages are opaque
// here (Automerge decodes them).
//
// A stream, dialler first:
//
//	dialler:  Hello
//	listener: Welcome [Snapshot...] | Refuse
//	both:     (Sync | Level | Restart)...
//
// Every parser here has a fuzz target.
package wire

import "errors"

// ProtocolID is the sync protocol. One stream per (peer, plan).
const ProtocolID = "/coplan/sync/1"

// ProtocolVersion is the version a hello carries; a peer refuses versions
// it does not speak rather than guess.
const ProtocolVersion = 2 // 2: signed authority (members, invites and redemptions are statements)

// Frame types: the first byte of a frame's body.
const (
	FrameHello    byte = 1 // JSON Hello, first frame from the dialler
	FrameWelcome  byte = 2 // JSON Welcome, the listener's yes
	FrameRefuse   byte = 3 // UTF-8 reason, the listener's no
	FrameSnapshot byte = 4 // a chunk of a compressed snapshot
	FrameSync     byte = 5 // one Automerge sync message
	FrameLevel    byte = 6 // the sender's heads when it has nothing more to send
	FrameRestart  byte = 7 // "I restarted my sync state; restart yours"
)

// Caps on frame bodies and payloads.
const (
	MaxHelloFrame = 16 << 10 // hello, welcome and refusal
	MaxFrame      = 16 << 20 // sync messages: large after weeks offline
	SnapshotChunk = 1 << 20  // snapshots travel in chunks of this size
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
