package sync

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"strings"
	gosync "sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
	"github.com/libp2p/zeroconf/v2"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/internal/spake2"
	"github.com/coplan/coplan/sync/wire"
)

// Joining with a short code, in the style of magic-wormhole but with no
// server: the inviter announces a join service on mDNS under a name
// derived from the code's number, the joiner browses for it, and the two
// run SPAKE2 keyed by the code over /coplan/join-pake/1. The identities
// in the exchange are both libp2p peer IDs, which Noise has authenticated,
// so a device relaying between the two (each side sees it, not the other)
// makes the confirmation fail. After both confirmations verify, the
// inviter issues a full signed invite, valid for a couple of minutes,
// sealed with the agreed key, and the joiner joins with it as with any
// invite. Each check of a joiner's confirmation is one attempt; after
// ShortCodeAttempts wrong ones the code is dead.

// Short-code errors; each says what a person can do.
var (
	ErrCodeWrong     = errors.New("wrong code")
	ErrCodeDead      = errors.New("the code no longer works: too many wrong attempts")
	ErrCodeUsed      = errors.New("the code has already been used; ask for a new code")
	ErrCodeExpired   = errors.New("the code has expired; ask for a new code")
	ErrCodeCancelled = errors.New("the code was cancelled")
	ErrCodeNotFound  = errors.New("no device on this network is offering that code")
	ErrCodeBusy      = errors.New("the inviting device is busy with other attempts; try again")
	ErrCodeImpostor  = errors.New("the device that answered could not prove it holds the code")
)

const (
	// DefaultShortCodeTTL is how long a short code stays open.
	DefaultShortCodeTTL = 10 * time.Minute
	// ShortCodeAttempts is how many wrong codes close an open code.
	ShortCodeAttempts = 3
	// maxCodeGuests is how many unknown devices the gate lets in at once
	// (to reach the join protocol) while a short code is open.
	maxCodeGuests = 4
	// maxCodeExchanges is how many exchanges may run at once on one code;
	// their checks are serialized in any case.
	maxCodeExchanges = 2
	joinStepTimeout  = 10 * time.Second
	// fullInviteTTL is the life of the full invite handed over: enough to
	// present it at once.
	fullInviteTTL = 2 * time.Minute
	// nameplateProbe is how long the inviter listens for another device
	// already offering a number before taking it.
	nameplateProbe = 500 * time.Millisecond
	// findTimeout bounds the joiner's search when its context does not.
	findTimeout   = 30 * time.Second
	maxCandidates = 8
)

// JoinServiceName is the mDNS service an open short code with this number
// is announced under: a hash, so neither the plan's title nor its ID is on
// the air (the number itself is not secret).
func JoinServiceName(nameplate int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "coplan-join\x00%d", nameplate))
	enc := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:10]))
	return "_cj" + enc[:12] + "._udp"
}

// joinAAD binds the protocol and the nameplate into the PAKE.
func joinAAD(nameplate int) []byte {
	return fmt.Appendf(nil, "coplan-join-pake-v1 nameplate %d", nameplate)
}

// passwordScalar is the code's SPAKE2 password scalar.
func passwordScalar(c ShortCode) ([]byte, error) {
	return spake2.PasswordScalar([]byte(c.String()), joinAAD(c.Nameplate))
}

// JoinResult is how an open short code ended: the member who joined with
// it, or why nobody did.
type JoinResult struct {
	Member doc.Member
	Err    error
}

type codeState int

const (
	codeOpen codeState = iota
	codeUsed
	codeDead
	codeClosed
)

// openCode is one short code issued here. Its fields after planID are
// guarded by the node's codeBook.mu.
type openCode struct {
	code    ShortCode
	planID  string
	w       []byte
	expires time.Time

	state    codeState
	deadTold bool // dead has been closed
	checks   int  // confirmations checked: guesses tried
	failures int
	inflight int
	joiner   peer.ID
	joined   chan peer.ID // gets the joiner once; buffered
	dead     chan struct{}
	done     chan JoinResult
	finished bool
	announce mdns.Service
}

// codeBook holds the node's open short codes and the unknown devices the
// gate let in for them. Its lock is a leaf.
type codeBook struct {
	mu     gosync.Mutex
	codes  map[int]*openCode
	guests map[peer.ID]bool
}

func (b *codeBook) anyOpenLocked() bool {
	now := time.Now()
	for _, oc := range b.codes {
		if oc.state == codeOpen && now.Before(oc.expires) {
			return true
		}
	}
	return false
}

// admitsCodeGuest is the gate's hook: an unknown device may connect
// (inbound) while a short code is open here, a handful at a time.
func (n *Node) admitsCodeGuest(p peer.ID) bool {
	b := &n.codes
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.anyOpenLocked() {
		return false
	}
	if b.guests[p] {
		return true
	}
	if len(b.guests) >= maxCodeGuests {
		n.log.Debug("gate: short-code guests full", "peer", shortID(p))
		return false
	}
	if b.guests == nil {
		b.guests = map[peer.ID]bool{}
	}
	b.guests[p] = true
	return true
}

// startJoinPAKE serves the join protocol and frees a guest's place when
// it disconnects.
func (n *Node) startJoinPAKE() {
	n.h.SetStreamHandler(wire.JoinProtocolID, n.tracked(n.handleJoinPAKE))
	n.h.Network().Notify(&network.NotifyBundle{
		DisconnectedF: func(_ network.Network, c network.Conn) {
			p := c.RemotePeer()
			if n.isConnected(p) {
				return
			}
			n.codes.mu.Lock()
			delete(n.codes.guests, p)
			n.codes.mu.Unlock()
		},
	})
}

// InviteWords opens a short code for a started plan, valid for ttl (zero
// means DefaultShortCodeTTL), and returns it. The code closes when one
// device has joined with it, after too many wrong attempts, when it
// expires or when ctx ends; done then receives the one result and closes.
// With mDNS on (Config.MDNS) the code is announced on the local network;
// without, joiners must be told this node's address.
func (n *Node) InviteWords(ctx context.Context, planID string, ttl time.Duration) (string, <-chan JoinResult, error) {
	ps := n.plan(planID)
	if ps == nil {
		return "", nil, ErrNotStarted
	}
	if !ps.p.IsMember(n.h.ID().String()) {
		return "", nil, fmt.Errorf("%w: this device", ErrNotMember)
	}
	if ttl <= 0 {
		ttl = DefaultShortCodeTTL
	}
	np, err := n.pickNameplate(ctx)
	if err != nil {
		return "", nil, err
	}
	sc, err := NewShortCode(np)
	if err != nil {
		return "", nil, err
	}
	return n.openShortCode(ctx, ps, sc, ttl)
}

// openShortCode opens sc (tests choose their codes).
func (n *Node) openShortCode(ctx context.Context, ps *planState, sc ShortCode, ttl time.Duration) (string, <-chan JoinResult, error) {
	w, err := passwordScalar(sc)
	if err != nil {
		return "", nil, err
	}
	oc := &openCode{code: sc, planID: ps.id, w: w, expires: time.Now().Add(ttl),
		joined: make(chan peer.ID, 1), dead: make(chan struct{}), done: make(chan JoinResult, 1)}
	b := &n.codes
	b.mu.Lock()
	if b.codes == nil {
		b.codes = map[int]*openCode{}
	}
	if _, taken := b.codes[sc.Nameplate]; taken {
		b.mu.Unlock()
		return "", nil, fmt.Errorf("%w: number %d is already open here", ErrShortCode, sc.Nameplate)
	}
	b.codes[sc.Nameplate] = oc
	b.mu.Unlock()
	if n.cfg.MDNS {
		svc := mdns.NewMdnsService(n.h, JoinServiceName(sc.Nameplate), noPeers{})
		if err := svc.Start(); err != nil {
			ps.log.Warn("short code not announced on mDNS; give the joiner this device's address", "err", err)
		} else {
			b.mu.Lock()
			closed := oc.finished
			if !closed {
				oc.announce = svc
			}
			b.mu.Unlock()
			if closed {
				svc.Close()
			}
		}
	}
	ps.log.Info("short code open", "nameplate", sc.Nameplate, "expires", oc.expires.Format(time.TimeOnly))
	if !n.tryTask(func() { n.watchCode(ctx, ps, oc) }) {
		n.finishCode(oc, JoinResult{Err: ErrClosed})
		return "", nil, ErrClosed
	}
	return sc.String(), oc.done, nil
}

// watchCode ends an open code: expired, cancelled, dead, or used by a
// device that then became a member.
func (n *Node) watchCode(ctx context.Context, ps *planState, oc *openCode) {
	expiry := time.NewTimer(time.Until(oc.expires))
	defer expiry.Stop()
	var joiner peer.ID
	select {
	case <-ctx.Done():
		n.finishCode(oc, JoinResult{Err: ErrCodeCancelled})
		return
	case <-n.ctx.Done():
		n.finishCode(oc, JoinResult{Err: ErrClosed})
		return
	case <-expiry.C:
		n.finishCode(oc, JoinResult{Err: ErrCodeExpired})
		return
	case <-oc.dead:
		n.finishCode(oc, JoinResult{Err: ErrCodeDead})
		return
	case joiner = <-oc.joined:
	}
	// The code is used; stop announcing it while the joiner presents the
	// full invite.
	n.stopAnnounce(oc)
	events, cancel := ps.p.Subscribe()
	defer cancel()
	wait := time.NewTimer(fullInviteTTL)
	defer wait.Stop()
	for {
		if m, ok := ps.p.Member(joiner.String()); ok && !m.Removed {
			ps.log.Info("device joined with a short code", "peer", shortID(joiner), "name", m.Name)
			n.finishCode(oc, JoinResult{Member: m})
			return
		}
		select {
		case <-ctx.Done():
			n.finishCode(oc, JoinResult{Err: ErrCodeCancelled})
			return
		case <-n.ctx.Done():
			n.finishCode(oc, JoinResult{Err: ErrClosed})
			return
		case <-wait.C:
			n.finishCode(oc, JoinResult{Err: fmt.Errorf("%w, but the device never joined", ErrCodeUsed)})
			return
		case _, ok := <-events:
			if !ok {
				n.finishCode(oc, JoinResult{Err: ErrNotStarted})
				return
			}
		}
	}
}

func (n *Node) stopAnnounce(oc *openCode) {
	n.codes.mu.Lock()
	svc := oc.announce
	oc.announce = nil
	n.codes.mu.Unlock()
	if svc != nil {
		svc.Close()
	}
}

// finishCode closes oc and delivers its result, once.
func (n *Node) finishCode(oc *openCode, res JoinResult) {
	b := &n.codes
	b.mu.Lock()
	if oc.finished {
		b.mu.Unlock()
		return
	}
	oc.finished = true
	if oc.state == codeOpen {
		oc.state = codeClosed
	}
	if b.codes[oc.code.Nameplate] == oc {
		delete(b.codes, oc.code.Nameplate)
	}
	b.mu.Unlock()
	n.stopAnnounce(oc)
	oc.done <- res
	close(oc.done)
}

// pickNameplate draws a number not open here and, with mDNS, not offered
// by another device nearby.
func (n *Node) pickNameplate(ctx context.Context) (int, error) {
	taken := func(np int) bool {
		n.codes.mu.Lock()
		defer n.codes.mu.Unlock()
		_, ok := n.codes.codes[np]
		return ok
	}
	for try := 0; ; try++ {
		np, err := randomNameplate(taken)
		if err != nil || !n.cfg.MDNS || try == 3 {
			return np, err
		}
		found := false
		pctx, cancel := context.WithTimeout(ctx, nameplateProbe)
		browseJoin(pctx, np, func(info peer.AddrInfo) {
			if info.ID != n.h.ID() {
				found = true
				cancel()
			}
		})
		cancel()
		if !found {
			return np, ctx.Err()
		}
		n.log.Debug("code number in use nearby; drawing another", "nameplate", np)
	}
}

// browseJoin calls found with every device announcing nameplate's join
// service until ctx ends.
func browseJoin(ctx context.Context, nameplate int, found func(peer.AddrInfo)) {
	entries := make(chan *zeroconf.ServiceEntry, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = zeroconf.Browse(ctx, JoinServiceName(nameplate), "local", entries)
	}()
	for {
		select {
		case e, ok := <-entries:
			if !ok {
				entries = nil // zeroconf closed it; wait for Browse to return
				continue
			}
			if e == nil {
				continue
			}
			var addrs []ma.Multiaddr
			for _, t := range e.Text {
				if s, ok := strings.CutPrefix(t, "dnsaddr="); ok {
					if a, err := ma.NewMultiaddr(s); err == nil {
						addrs = append(addrs, a)
					}
				}
			}
			infos, err := peer.AddrInfosFromP2pAddrs(addrs...)
			if err != nil {
				continue
			}
			for _, info := range infos {
				found(info)
			}
		case <-done:
			return
		}
	}
}

// tryTask is goTask that says whether f was started.
func (n *Node) tryTask(f func()) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return false
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		f()
	}()
	return true
}

type noPeers struct{}

func (noPeers) HandlePeerFound(peer.AddrInfo) {}

// beginExchange reserves a place for one exchange on the code with this
// number, or says why not.
func (n *Node) beginExchange(nameplate int) (*openCode, *wire.JoinRefusal) {
	b := &n.codes
	b.mu.Lock()
	oc := b.codes[nameplate]
	b.mu.Unlock()
	if oc == nil || n.plan(oc.planID) == nil {
		return nil, &wire.JoinRefusal{Reason: wire.JoinNoCode, Text: "no open code with that number here"}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if time.Now().After(oc.expires) {
		return nil, &wire.JoinRefusal{Reason: wire.JoinNoCode, Text: "no open code with that number here"}
	}
	if r := refusalFor(oc); r != nil {
		return nil, r
	}
	if oc.inflight >= maxCodeExchanges {
		return nil, &wire.JoinRefusal{Reason: wire.JoinBusy, Attempts: ShortCodeAttempts - oc.failures, Text: "busy"}
	}
	oc.inflight++
	return oc, nil
}

func refusalFor(oc *openCode) *wire.JoinRefusal {
	switch oc.state {
	case codeUsed:
		return &wire.JoinRefusal{Reason: wire.JoinUsedCode, Text: "code already used"}
	case codeDead:
		return &wire.JoinRefusal{Reason: wire.JoinDeadCode, Text: "too many wrong attempts"}
	case codeClosed:
		return &wire.JoinRefusal{Reason: wire.JoinNoCode, Text: "code closed"}
	}
	return nil
}

// markDeadTold says whether the caller is the one to close oc.dead.
func (n *Node) markDeadTold(oc *openCode) bool {
	n.codes.mu.Lock()
	defer n.codes.mu.Unlock()
	if oc.state != codeDead || oc.deadTold {
		return false
	}
	oc.deadTold = true
	return true
}

func (n *Node) endExchange(oc *openCode) {
	n.codes.mu.Lock()
	oc.inflight--
	n.codes.mu.Unlock()
}

// checkConfirm is one counted attempt: under the lock, so concurrent
// exchanges cannot check more guesses than the code allows.
func (n *Node) checkConfirm(oc *openCode, remote peer.ID, verify func() bool) *wire.JoinRefusal {
	b := &n.codes
	b.mu.Lock()
	defer b.mu.Unlock()
	if r := refusalFor(oc); r != nil {
		return r
	}
	if time.Now().After(oc.expires) {
		return &wire.JoinRefusal{Reason: wire.JoinNoCode, Text: "code expired"}
	}
	oc.checks++
	if verify() {
		oc.state = codeUsed
		oc.joiner = remote
		delete(b.guests, remote) // a member soon; its place is free
		return nil
	}
	oc.failures++
	left := ShortCodeAttempts - oc.failures
	if left <= 0 {
		// The handler tells the watcher once the joiner has the refusal.
		oc.state = codeDead
		return &wire.JoinRefusal{Reason: wire.JoinDeadCode, Text: "wrong code; too many wrong attempts"}
	}
	return &wire.JoinRefusal{Reason: wire.JoinWrongCode, Attempts: left, Text: "wrong code"}
}

// handleJoinPAKE is the inviter's side of the exchange.
func (n *Node) handleJoinPAKE(s network.Stream) {
	remote := s.Conn().RemotePeer()
	log := n.log.With("peer", shortID(remote))
	s.SetDeadline(time.Now().Add(joinStepTimeout))
	fr, fw := wire.NewReader(s), wire.NewWriter(s)
	refuse := func(r *wire.JoinRefusal) {
		fw.WriteFrame(wire.FrameJoinRefuse, wire.EncodeJoinRefusal(*r))
		s.CloseWrite()
		io.Copy(io.Discard, io.LimitReader(s, wire.MaxJoinFrame))
		s.Close()
	}
	typ, body, err := fr.ReadFrame(wire.MaxJoinFrame)
	if err != nil || typ != wire.FrameJoinStart {
		log.Debug("join stream reset: no start", "type", typ, "err", err)
		s.Reset()
		return
	}
	st, err := wire.ParseJoinStart(body)
	if err != nil {
		log.Debug("join stream reset", "err", err)
		s.Reset()
		return
	}
	oc, r := n.beginExchange(st.Nameplate)
	if r != nil {
		log.Info("short-code attempt refused", "nameplate", st.Nameplate, "reason", r.Text)
		refuse(r)
		return
	}
	defer n.endExchange(oc)
	ex, err := spake2.New(spake2.RoleB, oc.w, []byte(remote), []byte(n.h.ID()), joinAAD(st.Nameplate))
	if err != nil {
		s.Reset()
		return
	}
	keys, err := ex.Finish(st.Share)
	if err != nil {
		refuse(&wire.JoinRefusal{Reason: wire.JoinBadShare, Text: "bad share"})
		return
	}
	if err := fw.WriteFrame(wire.FrameJoinShare, ex.Share()); err != nil {
		s.Reset()
		return
	}
	typ, body, err = fr.ReadFrame(wire.MaxJoinFrame)
	if err != nil || typ != wire.FrameJoinConfirm {
		// No guess was checked: nothing the peer saw depends on the key.
		log.Debug("join stream reset: no confirmation", "type", typ, "err", err)
		s.Reset()
		return
	}
	cA, err := wire.ParseJoinConfirm(body)
	if err != nil {
		s.Reset()
		return
	}
	if r := n.checkConfirm(oc, remote, func() bool { return keys.Verify(cA) == nil }); r != nil {
		log.Warn("short-code attempt failed", "nameplate", st.Nameplate, "reason", r.Text, "attemptsLeft", r.Attempts)
		refuse(r)
		if r.Reason == wire.JoinDeadCode && n.markDeadTold(oc) {
			close(oc.dead) // after the refusal, so an exiting inviter does not cut it off
		}
		return
	}
	ps := n.plan(oc.planID)
	var code string
	var inv *Invite
	if ps != nil {
		code, inv, err = n.mintInvite(ps, fullInviteTTL)
	} else {
		err = ErrNotStarted
	}
	if err == nil {
		err = RecordInvite(n.cfg.StateDir, inv)
	}
	var sealed []byte
	if err == nil {
		sealed, err = sealInvite(keys.Shared, st.Nameplate, code)
	}
	if err != nil {
		log.Error("short code accepted but no invite could be made", "err", err)
		s.Reset()
		n.finishCode(oc, JoinResult{Err: err})
		return
	}
	if err := fw.WriteFrame(wire.FrameJoinInvite, wire.EncodeJoinInvite(wire.JoinInvite{Confirm: keys.Confirm, Sealed: sealed})); err != nil {
		log.Warn("short code accepted but the invite could not be sent", "err", err)
	}
	oc.joined <- remote // buffered, and only one check succeeds
	log.Info("short code accepted; full invite sent", "nameplate", st.Nameplate)
	s.CloseWrite()
	io.Copy(io.Discard, io.LimitReader(s, wire.MaxJoinFrame))
	s.Close()
}

// inviteAEAD is AES-256-GCM under a key derived from the PAKE's. The key
// serves one message, so the nonce is fixed.
func inviteAEAD(shared []byte) (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, shared, nil, "coplan-join-invite-v1", 32)
	if err != nil {
		return nil, err
	}
	blk, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

func sealInvite(shared []byte, nameplate int, code string) ([]byte, error) {
	a, err := inviteAEAD(shared)
	if err != nil {
		return nil, err
	}
	return a.Seal(nil, make([]byte, a.NonceSize()), []byte(code), joinAAD(nameplate)), nil
}

func openInvite(shared []byte, nameplate int, sealed []byte) (string, error) {
	a, err := inviteAEAD(shared)
	if err != nil {
		return "", err
	}
	b, err := a.Open(nil, make([]byte, a.NonceSize()), sealed, joinAAD(nameplate))
	return string(b), err
}
