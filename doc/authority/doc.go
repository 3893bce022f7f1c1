// Package authority is the plan's rulebook: the signed statements that carry
// every act of authority in a plan (members, roles, devices, signing keys,
// settings, invites, endorsements, releases, named drafts, meetings and
// change attestations), and the deterministic rules that compute from them
// who holds what. Plain edits to member records in the document count for
// nothing; only what Evaluate computes does. Every peer (and any reader of a
// proof bundle) that holds the same statements computes the same State,
// whatever order they arrived in. The package is pure Go on the standard
// library and filippo.io/edwards25519 (for checking signatures in
// batches): doc stores the statements, sync and the app read the State.
//
// # Statements
//
// A statement is a byte string, signed by a device:
//
//	version (1 byte) | kind (1 byte) | plan ID (uvarint length, 0 or 16 bytes) |
//	signer (32 bytes: the device's Ed25519 key) |
//	parents (uvarint count, 32 bytes each, ascending) |
//	seen (uvarint count, 32 bytes each, ascending) |
//	time (signed varint, Unix milliseconds) | body (uvarint length, bytes) |
//	signature (64 bytes)
//
// The signature is Ed25519 over "coplan-statement-v1" followed by every byte
// before it, so it can never pass for the same key's libp2p handshake
// signature. It is checked by the cofactored equation, with canonical
// encodings of the key and R (verify.go): every honest signature passes it
// as it passes crypto/ed25519, and checking a thousand statements in one
// batch gives exactly the verdicts checking each alone gives. A statement's ID is the SHA-256 of all its bytes. Bodies are the
// kind's fields in a fixed order, in the same primitives: text as uvarint
// length and UTF-8 (one line: no control characters, at most 200 bytes),
// devices and hashes as raw 32 bytes, Automerge heads as a sorted set of raw
// hashes, sides and roles as one byte.
//
// Binary rather than JSON because there is exactly one encoding of each
// statement (Parse re-encodes what it read and refuses anything not byte for
// byte the same: a long varint, an unsorted set, trailing bytes), hashes
// cost 32 bytes rather than 64, and a change attestation, the statement made
// most often, is about 240 bytes. Parse also refuses a version it does not
// know (ErrVersion: another Coplan version made it; this is version 2,
// whose key registrations carry a proof of possession), unknown kinds, statements over
// 64 KiB and fields over their limits, each with a sentinel error.
//
// The time is the signer's clock, kept for people to read. It is never used
// to order statements; the one rule that reads it is invite expiry (below).
//
// # Devices, members and the root
//
// A device is its Ed25519 public key, the same key as its libp2p identity;
// Device.PeerID computes its peer ID ("12D3KooW…") without libp2p. A member
// is a person: admitted with one device, whose key is its member ID, and
// able to have several devices.
//
// The device that creates a plan signs its genesis statement, which names
// the founder and, for a plan upgraded from one made before statements
// existed, the old plan's ID. The plan ID is the first 16 bytes of the
// genesis statement's ID in hex (the 32-hex-digit shape of plan IDs), so
// whoever knows the plan ID can check every statement back to its founder.
// Every other statement names the plan; a statement of another plan is
// rejected (ErrOtherPlan).
//
// # Causal history
//
// Statements form a DAG. Every statement but a genesis names parents: the
// heads of the DAG its signer held (State.Heads, State.LinksFor). Change
// attestations are not nodes of the DAG (they are many and small); they name
// DAG parents, and, as seen, their own device's previous attestation, so
// each device's attestations form a chain. A removal also names as seen the
// latest attestation of every device, so what it had seen is part of its
// signed bytes. A statement's causal past is everything reachable through
// these links; two statements are concurrent when neither is in the other's
// past.
//
// A statement whose parents are not all present waits: it is reported in
// State.Pending, not rejected, and is judged once they arrive. Missing seen
// attestations do not make a statement wait.
//
// The canonical order of the DAG is the topological order that takes, of
// the statements whose parents are all placed, the smallest ID first. It
// depends only on the set, and restricted to any causally closed subset it
// is that subset's own canonical order.
//
// # Judging
//
// A statement counts when all of these hold:
//
//  1. Its signature verifies and it parses (else ErrMalformed,
//     ErrBadSignature…), it is of this plan, and its parents are DAG
//     statements of this plan (ErrBadParent). A key registration's proof
//     of possession verifies (ErrKeyProof; below). A change attestation
//     is also authentic when an authentic statement of the same device
//     names it as seen: that signature covers the attestation's ID, the
//     SHA-256 of its bytes, so each device's chain of attestations is
//     vouched for by its latest, whose signature alone is checked. Which
//     statements are authentic depends only on the set.
//  2. In the authority state of its causal past (the valid statements of
//     that past, folded in canonical order) its signer had the authority to
//     make it, and what it changes was as it requires (the rules below).
//  3. It does not contradict the statements before it in the canonical
//     order that it had not seen (the global fold): of two concurrent
//     statements that cannot both hold (two co-chairs for one side, two
//     administrators each giving up the role when they are the last two),
//     the first in the canonical order stands and the other is rejected
//     (ErrConflict). A concurrent statement that only repeats an effect
//     already there (two administrators removing one member) stands as a
//     no-op: rejecting it would pull the ground from under what was built on
//     it.
//  4. It is not voided. A revocation (removing a member, unlinking a device,
//     taking a role, revoking a key, restricting invites to administrators)
//     voids every statement concurrent with it that relied on what it
//     revokes: the removed member's statements, the demoted administrator's
//     grants, releases under the revoked key, that the revoker had not seen
//     (ErrVoided). Parents are chosen by their signer, so a removed member
//     could otherwise backdate statements forever; with this rule only what
//     the remover had seen stands. A statement its signer may make under
//     any of several roles (a meeting's start or end) relies on every one
//     of them it held, as alternatives: it is voided only once concurrent
//     revocations have taken all of them. Revocations that would void each
//     other (two administrators removing each other) are settled by
//     seniority: the member admitted first in the canonical order wins (the
//     founder above all), and a voided revocation voids nothing. Voids are
//     settled before the conflicts of rule 3, which they can change;
//     Evaluate repeats the fold until the void set stops growing (it only
//     grows, so this ends).
//
// A statement causally after its signer's removal fails rule 2: it counts
// for nothing. A rejected statement's effects are nowhere, also not in the
// past states of statements that saw it.
//
// # The rules
//
//   - The founder is a member, confirmed, and an administrator.
//   - Administrators add members (with a confirmed name, organisation and
//     side), remove members, grant and take roles (the administrator role
//     included) and confirm or correct a joiner's claimed name, organisation
//     and side. A member may remove itself and give up its own roles.
//   - The last administrator cannot be removed or give up the role
//     (ErrLastAdmin). The app should warn while there are fewer than two.
//   - Roles go to confirmed members only. Co-chairs: at most one per side, of
//     the member's side. The minister: one, on the government side. Changing
//     the side of a member who holds a co-chair or minister role is refused
//     until the role is taken.
//   - A device is linked to a member by one of that member's devices or by an
//     administrator, and unlinked the same way; a member's last device goes
//     only with the member. A device that belongs to a member cannot be
//     linked or admitted again.
//   - A removed device can be re-admitted only by an administrator, and only
//     by a statement that had seen every removal of it: it cannot re-add
//     itself, rejoin by invite, or be re-linked by another member.
//   - A signing key (an OpenSSH Ed25519 public key and its SHA256
//     fingerprint, as ssh-keygen prints it) is registered only by a device of
//     the member it belongs to, and never to another member afterwards, even
//     once revoked. It is revoked by its member's device or an
//     administrator.
//   - A key registration proves that its signer holds the key: it carries a
//     signature made with the signing key itself over a message naming the
//     plan, the member, the registering device and the key (KeyProofMessage;
//     the signed bytes are OpenSSH's SSHSIG, namespace
//     "coplan-key-register", SHA-512, so ssh-keygen -Y sign makes one).
//     Public keys are public, so without it a member could register the
//     minister's published key on its own record and, since a key is never
//     another member's, block the minister's sign-off. A registration whose
//     proof is missing, made with another key, or made for another plan,
//     member or device counts for nothing (ErrKeyProof), whoever signed it.
//     The check depends on the statement's bytes alone, so every peer
//     judges it alike. Ed25519 keys, plain (ssh-ed25519) and security-key
//     (sk-ssh-ed25519@openssh.com) ones, are the only kinds accepted.
//   - Only administrators change the settings: whether only administrators
//     may invite, and whether a release needs both co-chairs' endorsements.
//     The latest valid settings statement in the canonical order holds.
//   - Any member invites, unless the settings say administrators only.
//   - Endorsements are made by a co-chair's device under a key registered to
//     that co-chair.
//   - Named drafts are made by any member's device: naming a version is a
//     bookmark everyone can see, not a decision, and drafters need one
//     before every consultation.
//   - Meetings are started by a co-chair's or an administrator's device, and
//     ended by the same, or by a device of the member who started it. The
//     co-chairs run the forum's meetings; administrators may too, because a
//     plan often has no co-chairs yet (the founder alone, or one side's
//     co-chair not yet granted) and a meeting's record must not wait for a
//     grant. The starter may always close its own meeting, even after losing
//     the role during it. A rule keyed on "no co-chair exists" was rejected:
//     whether one exists depends on statements not yet seen, so two peers
//     could judge the same start differently until they synced. A start
//     or end relies on whichever of the two roles its signer held: it
//     counts if the signer held any role allowed to make it in its causal
//     past, so it is voided (rule 4) only when every such role it held is
//     taken concurrently, not when a member holding both loses one.
//   - Releases are made by a device of the minister, under a key registered
//     to the minister (so by the minister's own device) and not revoked, all
//     in the release's causal past.
//
// # Invites
//
// An invite names its inviter (the signer), an expiry and a nonce, and may
// vouch for the person invited by naming them. The joining device signs a
// redemption naming the invite, which must be in its causal past, and
// claiming a name, organisation and side (exactly the vouched ones, if any).
// The joiner is then a member: confirmed if an administrator vouched,
// vouched if another member did, otherwise only claimed until an
// administrator confirms it.
//
// An invite is redeemed once. A redemption that had seen an earlier one is
// refused; of concurrent redemptions, the smallest statement ID stands and
// the others are voided. A redemption is also refused, or voided, when the
// inviter was removed before or concurrently with it: removing a member
// cancels its open invites.
//
// Expiry is checked against the redemption's stated time, which must also
// not be before the invite's. That time is the joiner's own claim, so this
// bounds honest and stale use, not a joiner who lies about its clock: the
// real check is the gate's, against the local clock, when the joining device
// presents the invite (State.CheckInvite).
//
// # Keys, releases and rotation
//
// A release records the label, the heads it releases, the SHA-256 of its
// signed manifest and the fingerprint of the key the manifest's SSHSIG is
// made with. It is valid when the key was the minister's and unrevoked in
// its causal past, so rotating a key (register the new one, then revoke the
// old) keeps every release the revocation had seen valid under the old key.
// A release the revoker had not seen is voided: after a compromise, an
// administrator's revocation also stops releases backdated with the stolen
// key. SignedRelease.Key is the key the SSHSIG must verify under.
//
// # Attestations
//
// Automerge does not sign changes, so a device signs what it authored: an
// actor, a range of its sequence numbers and the hash of the last change of
// the range. The attestation binds the actor to the device (and its member);
// since each actor's changes form a hash chain, it vouches for every earlier
// change of that actor, which the document checks against the hash. An
// attestation counts when its device was a member in its causal past; one
// made concurrently with its device's removal counts but is flagged
// (SeqRange.AfterRemoval). When several devices attest one actor, the
// device whose attestation every other claimant had seen keeps it and the
// others' attestations are rejected; claims none of which saw the others
// leave the actor disputed, and its changes are then nobody's verified work.
//
// # Named drafts and meetings
//
// A named draft fixes a label to heads. A later draft of a label its signer
// had seen is refused (ErrDuplicate), so nobody can move the heads a label
// names; two drafts named concurrently both stand and the label is then
// ambiguous (refer to them by ID). A meeting's ID is the ID of the statement
// that started it; an end names it, and the first valid end in the
// canonical order is the meeting's end. A meeting start also names the
// meeting notes its record goes into. The document's own marks count for
// nothing: doc reads drafts and meetings only from valid statements, so a
// client that writes a mark into the document directly, or a statement it
// had no right to sign, moves nothing (doc lists the latter as refused).
//
// # Proof bundles
//
// State.Bundle packs the statements that decide a release's verdict: every
// statement that changes authority (so no concurrent revocation is left
// out), the release, the endorsements of its label, and the causal pasts of
// all of these; no attestations, and drafts or meetings only where they lie
// in those pasts. VerifyBundle checks one from the plan ID alone: the genesis
// must be in it, and the release must be valid under these rules. A bundle
// proves what its statements say; it cannot prove that no later revocation
// exists elsewhere, so the public check is as current as the bundle.
//
// # Limits
//
// Ties between concurrent statements go by statement ID, which a signer can
// influence by re-signing; the rules keep every tie harmless to the others'
// authority (a tie decides which of two valid co-chair grants stands, or
// which of two redemptions of a leaked invite), and the one tie that would
// decide authority, mutual revocation, goes by seniority instead. A plan
// holds at most MaxDAGStatements statements besides attestations.
//
// # Use
//
// Evaluate (or an Evaluator, which caches verified statements so that
// evaluating again after one arrives costs milliseconds) turns the stored
// statements into a State. State.Make checks a statement as every peer will
// judge it and signs it on the current heads, so a statement that would be
// rejected is refused where it is made; Check alone answers "may this device
// do this now". The New… functions build every kind of body.
package authority
