package sync

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/sync/wire"
)

// Join uses an invite: it dials the inviter, proves the invite, receives
// the plan into the library, becomes a member and keeps syncing it. The
// returned plan is started on the node and owned by the caller. A short
// code ("7-penguin-pretzel") goes through JoinWords.
func (n *Node) Join(ctx context.Context, code string, author doc.Author) (*doc.Plan, error) {
	if LooksShort(code) {
		return n.JoinWords(ctx, code, author)
	}
	inv, err := ParseInvite(code)
	if err != nil {
		return nil, err
	}
	if err := inv.Check(inv.Plan, time.Now()); err != nil {
		return nil, err
	}
	if author.Name == "" || author.Side == "" {
		return nil, fmt.Errorf("%w: joining needs a name and a side", doc.ErrInvalid)
	}
	red, err := doc.SignRedemption(author.Key, inv.Plan, inv.Statement, author.Name, author.Org, author.Side, time.Now())
	if err != nil {
		return nil, fmt.Errorf("signing the redemption of the invite: %w", err)
	}
	h := wire.Hello{Version: wire.ProtocolVersion, Plan: inv.Plan, Invite: code, Name: author.Name, Org: author.Org, Side: string(author.Side),
		Redemption: base64.StdEncoding.EncodeToString(red)}
	return n.fetch(ctx, inv.AddrInfo(), h, author)
}

// Fetch receives a plan this device is a member of but does not hold (a new
// laptop with an old key, a wiped disk) from a member peer.
func (n *Node) Fetch(ctx context.Context, planID string, info peer.AddrInfo, author doc.Author) (*doc.Plan, error) {
	return n.fetch(ctx, info, wire.Hello{Version: wire.ProtocolVersion, Plan: planID}, author)
}

func (n *Node) fetch(ctx context.Context, info peer.AddrInfo, h wire.Hello, author doc.Author) (*doc.Plan, error) {
	if n.cfg.Library == nil {
		return nil, ErrNoLibrary
	}
	if ps := n.plan(h.Plan); ps != nil {
		// Already here: a join is then only a sync.
		_, err := n.SyncOnce(ctx, h.Plan, info)
		return ps.p, err
	}
	h.Have = n.cfg.Library.Exists(h.Plan)
	n.mu.Lock()
	n.joinTargets[info.ID]++
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		if n.joinTargets[info.ID]--; n.joinTargets[info.ID] <= 0 {
			delete(n.joinTargets, info.ID)
		}
		n.mu.Unlock()
	}()
	n.h.Peerstore().AddAddrs(info.ID, info.Addrs, peerstore.AddressTTL)
	if err := n.h.Connect(allowLimited(ctx), info); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrUnreachable, shortID(info.ID), err)
	}
	s, err := n.h.NewStream(allowLimited(ctx), info.ID, wire.ProtocolID)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	sess, w, err := n.handshake(ctx, s, h)
	if err != nil {
		return nil, err
	}
	sess.setPresenceVersion(w.Presence)
	var p *doc.Plan
	if h.Have {
		p, err = n.cfg.Library.Open(h.Plan, author)
	} else {
		var snap []byte
		snap, err = sess.readSnapshot(w.Snapshot)
		if err == nil {
			p, err = n.cfg.Library.Adopt(snap, author)
		}
	}
	if err != nil {
		s.Reset()
		return nil, err
	}
	if p.ID() != h.Plan || !p.IsMember(info.ID.String()) || !p.IsMember(n.h.ID().String()) {
		s.Reset()
		p.Close()
		return nil, fmt.Errorf("%w: the plan received does not list this device and its sender as members", ErrRefused)
	}
	// The joining stream is registered before the plan looks for other
	// connected members, so it is not raced by a second stream.
	ps, err := n.startPlan(p, sess)
	if err != nil {
		s.Reset()
		p.Close()
		return nil, err
	}
	ps.rememberConns(info.ID)
	if err := sess.begin(!h.Have); err != nil {
		s.Reset()
		return p, err
	}
	n.goTask(sess.run)
	return p, nil
}
