package sync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/internal/spake2"
	"github.com/coplan/coplan/sync/wire"
)

// The joiner's side of a short code; joinpake.go has the inviter's and the
// protocol's outline.

// JoinWords joins a plan with a short code: it finds the inviter (at via
// if given, otherwise by mDNS on the local network), runs the exchange,
// and joins with the full invite it receives, as Join does. Join calls it
// for any code that looks short.
func (n *Node) JoinWords(ctx context.Context, code string, author doc.Author, via ...peer.AddrInfo) (*doc.Plan, error) {
	sc, err := ParseShortCode(code)
	if err != nil {
		return nil, err
	}
	if author.Name == "" || author.Side == "" {
		return nil, fmt.Errorf("%w: joining needs a name and a side", doc.ErrInvalid)
	}
	if n.cfg.Library == nil {
		return nil, ErrNoLibrary
	}
	if len(sc.Corrected) > 0 {
		n.log.Info("short code read with corrections", "code", sc.String(), "corrected", sc.Corrected)
	}
	wch := make(chan []byte, 1)
	werr := make(chan error, 1)
	go func() {
		w, err := passwordScalar(sc)
		if err != nil {
			werr <- err
			return
		}
		wch <- w
	}()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, findTimeout)
		defer cancel()
	}
	found := make(chan peer.AddrInfo, maxCandidates)
	fctx, stopFind := context.WithCancel(ctx)
	defer stopFind()
	if len(via) > 0 {
		for _, v := range via[:min(len(via), maxCandidates)] {
			found <- v
		}
		close(found)
	} else {
		go func() {
			defer close(found)
			seen := map[peer.ID]bool{}
			browseJoin(fctx, sc.Nameplate, func(info peer.AddrInfo) {
				if info.ID == n.h.ID() || seen[info.ID] || len(seen) >= maxCandidates {
					return
				}
				seen[info.ID] = true
				select {
				case found <- info:
				default:
				}
			})
		}()
	}
	var w []byte
	select {
	case w = <-wch:
	case err := <-werr:
		return nil, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var targets []peer.ID
	defer func() {
		n.mu.Lock()
		for _, t := range targets {
			if n.joinTargets[t]--; n.joinTargets[t] <= 0 {
				delete(n.joinTargets, t)
			}
		}
		n.mu.Unlock()
	}()
	// Soft failures (unreachable, busy, no such code there) keep the
	// search going; a definite answer (wrong code, dead, used, impostor)
	// ends it once the devices already found have been tried.
	var soft, hard error
	for {
		var info peer.AddrInfo
		ok := false
		if hard != nil {
			select {
			case info, ok = <-found:
			default:
			}
		} else {
			select {
			case info, ok = <-found:
			case <-ctx.Done():
			}
		}
		if !ok {
			break
		}
		n.mu.Lock()
		n.joinTargets[info.ID]++
		n.mu.Unlock()
		targets = append(targets, info.ID)
		full, err := n.joinExchange(ctx, info, sc, w)
		if err == nil {
			stopFind()
			p, err := n.Join(ctx, full, author)
			if err != nil {
				return nil, fmt.Errorf("code accepted, but joining failed: %w", err)
			}
			return p, nil
		}
		n.log.Info("short-code attempt failed", "peer", shortID(info.ID), "err", err)
		if errors.Is(err, ErrUnreachable) || errors.Is(err, ErrCodeBusy) || errors.Is(err, ErrCodeNotFound) {
			soft = err
		} else if hard == nil {
			hard = err
		}
	}
	switch {
	case hard != nil:
		return nil, hard
	case soft != nil:
		return nil, soft
	}
	return nil, fmt.Errorf("%w: nobody answered for code %d (is the inviting device on this network and still waiting?)", ErrCodeNotFound, sc.Nameplate)
}

// errNoCodeHere is a device that has no open code with that number (it
// expired, was cancelled or used, or another device took the number).
var errNoCodeHere = fmt.Errorf("%w: the device found has no open code with that number", ErrCodeNotFound)

// joinExchange runs the joiner's side with one candidate and returns the
// full invite code.
func (n *Node) joinExchange(ctx context.Context, info peer.AddrInfo, sc ShortCode, w []byte) (string, error) {
	if len(info.Addrs) > 0 {
		n.h.Peerstore().AddAddrs(info.ID, info.Addrs, peerstore.TempAddrTTL)
	}
	if err := n.h.Connect(ctx, info); err != nil {
		return "", fmt.Errorf("%w %s: %v", ErrUnreachable, shortID(info.ID), err)
	}
	s, err := n.h.NewStream(ctx, info.ID, wire.JoinProtocolID)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	defer s.Close()
	deadline := time.Now().Add(2 * joinStepTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	s.SetDeadline(deadline)
	fr, fw := wire.NewReader(s), wire.NewWriter(s)
	ex, err := spake2.New(spake2.RoleA, w, []byte(n.h.ID()), []byte(info.ID), joinAAD(sc.Nameplate))
	if err != nil {
		return "", err
	}
	if err := fw.WriteFrame(wire.FrameJoinStart, wire.EncodeJoinStart(wire.JoinStart{Version: wire.JoinVersion, Nameplate: sc.Nameplate, Share: ex.Share()})); err != nil {
		return "", fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	read := func(want byte) ([]byte, error) {
		typ, body, err := fr.ReadFrame(wire.MaxJoinFrame)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
		}
		if typ == wire.FrameJoinRefuse {
			r, err := wire.ParseJoinRefusal(body)
			if err != nil {
				return nil, err
			}
			return nil, refusalError(r, sc)
		}
		if typ != want {
			return nil, fmt.Errorf("%w: frame type %d", wire.ErrBadJoin, typ)
		}
		return body, nil
	}
	body, err := read(wire.FrameJoinShare)
	if err != nil {
		return "", err
	}
	pB, err := wire.ParseJoinShare(body)
	if err != nil {
		return "", err
	}
	keys, err := ex.Finish(pB)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrCodeImpostor, err)
	}
	if err := fw.WriteFrame(wire.FrameJoinConfirm, keys.Confirm); err != nil {
		return "", fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	if body, err = read(wire.FrameJoinInvite); err != nil {
		return "", err
	}
	ji, err := wire.ParseJoinInvite(body)
	if err != nil {
		return "", err
	}
	if err := keys.Verify(ji.Confirm); err != nil {
		return "", ErrCodeImpostor
	}
	full, err := openInvite(keys.Shared, sc.Nameplate, ji.Sealed)
	if err != nil {
		return "", fmt.Errorf("%w: the invite it sent does not open", ErrCodeImpostor)
	}
	inv, err := ParseInvite(full)
	if err != nil {
		return "", err
	}
	if inv.Inviter != info.ID {
		return "", fmt.Errorf("%w: the invite it sent is signed by another device", ErrCodeImpostor)
	}
	return full, nil
}

// refusalError turns an inviter's refusal into what the joiner is told.
func refusalError(r wire.JoinRefusal, sc ShortCode) error {
	switch r.Reason {
	case wire.JoinWrongCode:
		return fmt.Errorf("%w: the inviting device did not accept %s; check the words (%s left before the code stops working)",
			ErrCodeWrong, sc, plural(r.Attempts, "attempt"))
	case wire.JoinDeadCode:
		return fmt.Errorf("%w; ask for a new code", ErrCodeDead)
	case wire.JoinUsedCode:
		return ErrCodeUsed
	case wire.JoinBusy:
		return ErrCodeBusy
	case wire.JoinNoCode:
		return errNoCodeHere
	}
	return fmt.Errorf("%w: refused (%s)", wire.ErrBadJoin, r.Text)
}
