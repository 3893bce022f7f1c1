// Package sync is the peer-to-peer layer: the device identity, the libp2p
// node, discovery, the membership gate and Automerge sync sessions. It never
// imports Fyne; callers that also need the standard library's sync import
// it as p2psync.
//
// The parts, lowest first:
//
//   - wire (sync/wire): the bytes of a /coplan/sync/1 stream, frames and
//     the hello, welcome, heads, snapshot and refusal payloads. It imports
//     nothing of this package.
//   - identity.go: the device key; invite.go: invite codes, signed by a
//     member's device key and naming the plan's signed invite statement,
//     and issuing one from a node (invite_compact.go: their compact binary
//     form and the QR payload); addr.go: peer
//     addresses, parsed once here for the command line and the node, and
//     the ones an invite carries.
//   - node.go: the node's lifecycle: the libp2p host, starting and stopping
//     plans, closing. status.go: what a plan's sync looks like from here.
//   - gater.go: the membership gate on every connection; relay.go: circuit
//     relay v2, served to members and used through configured relays.
//   - dial.go: getting members back and keeping them: one keeper per
//     member device dials it (backoff with jitter, never giving up while
//     it is a member), opens missing sessions, pings idle connections and
//     closes stale ones; Sync now; one-off syncs. discovery.go: finding
//     members by mDNS.
//   - join.go: receiving a plan with an invite (Join) or as a member that
//     lacks it (Fetch).
//   - shortcode.go: short codes ("7-penguin-pretzel") and their parser;
//     joinpake.go: the inviter's side of joining with one (announcing it,
//     the SPAKE2 exchange on /coplan/join-pake/1, counting attempts, the
//     gate's allowance for devices coming to try), joinwords.go: the
//     joiner's side (finding the inviter, the exchange, then Join).
//   - handshake.go: both ends of a stream's opening, the dialler's hello and
//     the listener's admission check, welcome or refusal, and snapshot.
//   - session.go: a running stream: the reader that applies the peer's sync
//     messages and the writer that answers and pushes local commits.
//   - plan.go: one started plan's sessions, peer records and files under
//     the state folder (sync states, delivery record, known peers, invites),
//     and admission, which reads only the authority the plan's statements
//     establish (doc/authority): a member's current device, or a new device
//     presenting an open invite with its own signed redemption, which is
//     stored in the plan; an invite is redeemed once, so any peer that has
//     seen the redemption refuses the next device that presents it.
//
// The lock order is written on Node, where its lock is declared.
package sync
