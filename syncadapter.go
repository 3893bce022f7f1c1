package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coplan/coplan/app"
	"github.com/coplan/coplan/doc"
	p2psync "github.com/coplan/coplan/sync"
)

// syncAdapter gives the app the sync node through the interface the app
// declares, so app never imports sync.
type syncAdapter struct{ n *p2psync.Node }

func (s syncAdapter) Start(p *doc.Plan) error     { return s.n.Start(p) }
func (s syncAdapter) Stop(planID string)          { s.n.Stop(planID) }
func (s syncAdapter) SyncNow(planID string) error { return s.n.SyncNow(planID) }

func (s syncAdapter) Status(planID string) app.SyncStatus {
	st := s.n.Status(planID)
	return app.SyncStatus{Connected: st.Connected, Names: st.Names, LastSynced: st.LastSynced, Offline: st.Offline, Err: st.Problem}
}

func (s syncAdapter) Invite(p *doc.Plan, ttl time.Duration) (app.InviteCode, error) {
	code, err := s.n.Invite(p.ID(), ttl)
	if err != nil {
		return app.InviteCode{}, err
	}
	return app.InviteCode{Code: p2psync.GroupCode(code), QR: p2psync.QRPayload(code)}, nil
}

// InviteWords opens a short code and hands on how it ended, with the
// sync layer's reasons wrapped in the app's.
func (s syncAdapter) InviteWords(ctx context.Context, planID string, ttl time.Duration) (string, <-chan app.InviteResult, error) {
	code, done, err := s.n.InviteWords(ctx, planID, ttl)
	if err != nil {
		return "", nil, err
	}
	out := make(chan app.InviteResult, 1)
	go func() {
		defer close(out)
		r, ok := <-done
		if !ok {
			r.Err = p2psync.ErrCodeCancelled
		}
		out <- app.InviteResult{Member: r.Member, Err: appCodeError(r.Err)}
	}()
	return code, out, nil
}

// appCodeError tells the app which way a code failed.
func appCodeError(err error) error {
	var kind error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, p2psync.ErrCodeExpired):
		kind = app.ErrCodeExpired
	case errors.Is(err, p2psync.ErrCodeDead):
		kind = app.ErrCodeDead
	case errors.Is(err, p2psync.ErrCodeCancelled):
		kind = app.ErrCodeCancelled
	case errors.Is(err, p2psync.ErrInviteMalformed), errors.Is(err, p2psync.ErrInviteForged):
		// A full code cut short or mistyped reads as malformed, or as
		// forged when only its signature was damaged.
		kind = app.ErrCodeGarbled
	default:
		return err
	}
	return fmt.Errorf("%w: %w", kind, err)
}

// Join receives the plan, then hands it back to the app, which opens it
// and starts syncing it again as it does any plan. The app's ctx bounds
// it: the window's Cancel and its timeout.
func (s syncAdapter) Join(ctx context.Context, code string, a doc.Author) (string, error) {
	p, err := s.n.Join(ctx, code, a)
	if err != nil {
		return "", appCodeError(err)
	}
	id := p.ID()
	s.n.Stop(id)
	return id, p.Close()
}

func (s syncAdapter) Peers(planID string) []app.PeerStatus {
	var out []app.PeerStatus
	for _, ps := range s.n.Peers(planID) {
		out = append(out, app.PeerStatus{PeerID: ps.ID, Connected: ps.Connected, LastSeen: ps.LastSeen,
			LastSynced: ps.LastSynced, Problem: ps.Problem})
	}
	return out
}

// DeliveredBy is the node's local record of which peer delivered each
// change (the app's Members screen names who delivered a refused statement).
func (s syncAdapter) DeliveredBy(planID string) (map[string]string, error) {
	return s.n.DeliveredBy(planID)
}

func (s syncAdapter) SetPresence(planID string, p app.Presence) {
	s.n.SetPresence(planID, p2psync.Presence(p))
}

func (s syncAdapter) Presence(planID string) []app.Colleague {
	var out []app.Colleague
	for _, c := range s.n.Presence(planID) {
		out = append(out, app.Colleague{PeerID: c.PeerID, Name: c.Name, Org: c.Org, Side: c.Side,
			Presence: app.Presence(c.Presence), LastSeen: c.LastSeen})
	}
	return out
}

func (s syncAdapter) WatchPresence(planID string) (<-chan struct{}, func()) {
	return s.n.WatchPresence(planID)
}

var _ app.PresenceService = syncAdapter{}
