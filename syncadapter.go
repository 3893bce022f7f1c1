package main

import (
	"context"
	"time"

	"github.com/coplan/coplan/app"
	"github.com/coplan/coplan/doc"
	p2psync "github.com/coplan/coplan/sync"
)

// syncAdapter gives the app the sync node through the interface the app
// declares, so app never imports sync.
type syncAdapter struct{ n *p2psync.Node }

func (s syncAdapter) Start(p *doc.Plan) error { return s.n.Start(p) }
func (s syncAdapter) Stop(planID string)      { s.n.Stop(planID) }

func (s syncAdapter) Status(planID string) app.SyncStatus {
	st := s.n.Status(planID)
	return app.SyncStatus{Connected: st.Connected, LastSynced: st.LastSynced, Offline: st.Offline}
}

func (s syncAdapter) Invite(p *doc.Plan, ttl time.Duration) (string, error) {
	code, err := s.n.Invite(p.ID(), ttl)
	if err != nil {
		return "", err
	}
	return p2psync.GroupCode(code), nil
}

// Join receives the plan, then hands it back to the app, which opens it
// and starts syncing it again as it does any plan. The app's ctx bounds
// it: the window's Cancel and its timeout.
func (s syncAdapter) Join(ctx context.Context, code string, a doc.Author) (string, error) {
	p, err := s.n.Join(ctx, code, a)
	if err != nil {
		return "", err
	}
	id := p.ID()
	s.n.Stop(id)
	return id, p.Close()
}

func (s syncAdapter) Peers(planID string) []app.PeerStatus {
	var out []app.PeerStatus
	for _, ps := range s.n.Peers(planID) {
		out = append(out, app.PeerStatus{PeerID: ps.ID, Connected: ps.Connected, LastSeen: ps.LastSeen})
	}
	return out
}
