// Package app is the Coplan desktop window: drafting a National Action Plan
// with an outline, editors for every part of the plan, live merging of
// colleagues' edits, peers, invites and files. It speaks to the plan only
// through package doc, and to the sync layer only through SyncService.
package app

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/dialog"

	"github.com/coplan/coplan/assets"
	"github.com/coplan/coplan/doc"
)

// AppID is the desktop application ID (also in FyneApp.toml).
const AppID = "org.coplan.desktop"

// Config is what main hands the window.
type Config struct {
	Library *doc.Library
	// ConfigDir is the per-user config folder; the window keeps
	// app-state.json there (window size, last plan, filters).
	ConfigDir string
	// Author edits on this device. When Name is empty the welcome screen
	// asks for a profile and hands it to SaveProfile.
	Author      doc.Author
	SaveProfile func(doc.Author) error
	// Sync may be nil: peer panels are then shown disabled.
	Sync SyncService
}

// SyncService is the part of the sync layer the window calls.
type SyncService interface {
	Start(p *doc.Plan) error
	Stop(planID string)
	Status(planID string) SyncStatus
	Invite(p *doc.Plan, ttl time.Duration) (code string, err error)
	Join(code string, a doc.Author) (planID string, err error)
	Peers(planID string) []PeerStatus
}

// SyncStatus is what the status bar shows about a plan's sync.
type SyncStatus struct {
	Connected  int       // peers connected now
	LastSynced time.Time // zero: never
	Offline    bool      // no usable network
	Err        string    // last sync problem, if any
}

// PeerStatus is one peer as the sync layer sees it.
type PeerStatus struct {
	PeerID    string
	Connected bool
	LastSeen  time.Time
}

// InviteTTL is how long an invite code from the Invite dialog stays valid.
const InviteTTL = 24 * time.Hour

// Run opens the window on the last plan (or the welcome screen) and blocks
// until it is closed.
func Run(cfg Config) error {
	if cfg.Library == nil {
		return errors.New("app: no library")
	}
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(assets.Icon)
	a.Settings().SetTheme(coplanTheme{})
	ui := New(a, cfg)
	ui.win.ShowAndRun()
	return ui.closeErr
}

// UI is the application window and the plan open in it.
type UI struct {
	app   fyne.App
	cfg   Config
	win   fyne.Window
	state *appState

	plan *doc.Plan
	ws   *workspace // nil while the welcome screen shows
	wel  *welcome

	closeErr error
	closed   bool
}

// New builds the window on a (possibly test) app without showing it.
func New(a fyne.App, cfg Config) *UI {
	u := &UI{app: a, cfg: cfg, state: loadState(cfg.ConfigDir)}
	u.win = a.NewWindow("Coplan")
	u.win.SetIcon(assets.Icon)
	u.win.Resize(u.state.windowSize())
	u.win.SetCloseIntercept(u.onClose)
	u.win.SetOnDropped(u.onDropped)
	u.buildMenu()
	u.addShortcuts()
	if u.state.LastPlan != "" && cfg.Library != nil && cfg.Library.Exists(u.state.LastPlan) && cfg.Author.Name != "" {
		if err := u.OpenPlan(u.state.LastPlan); err != nil {
			slog.Warn("could not reopen last plan", "plan", u.state.LastPlan, "err", err)
			u.showWelcome()
			u.showError(fmt.Errorf("could not reopen the last plan: %w", err))
		}
	} else {
		u.showWelcome()
	}
	return u
}

// Window is the main window.
func (u *UI) Window() fyne.Window { return u.win }

// Plan is the open plan, nil on the welcome screen.
func (u *UI) Plan() *doc.Plan { return u.plan }

func (u *UI) showWelcome() {
	u.ws = nil
	u.wel = newWelcome(u)
	u.win.SetTitle("Coplan")
	u.win.SetContent(u.wel.buildUI())
}

// OpenPlan switches the window to a plan from the library, flushing and
// closing the one open before.
func (u *UI) OpenPlan(id string) error {
	if u.plan != nil && u.plan.ID() == id {
		u.closePlan() // one open copy per plan folder
	}
	p, err := u.cfg.Library.Open(id, u.cfg.Author)
	if err != nil {
		return err
	}
	u.setPlan(p)
	return nil
}

// setPlan shows p, taking ownership of it.
func (u *UI) setPlan(p *doc.Plan) {
	u.closePlan()
	p.AutoCommit(doc.DefaultPolicy)
	p.OnPersistError = func(err error) {
		fyne.Do(func() { u.showError(fmt.Errorf("your last edits could not be saved to disk: %w", err)) })
	}
	u.plan = p
	u.wel = nil
	u.ws = newWorkspace(u, p)
	u.win.SetContent(u.ws.buildUI())
	u.win.SetTitle(p.Info().Title + " — Coplan")
	u.state.LastPlan = p.ID()
	u.state.save(u.cfg.ConfigDir)
	if u.cfg.Sync != nil {
		if err := u.cfg.Sync.Start(p); err != nil {
			slog.Warn("sync did not start", "plan", p.ID(), "err", err)
		}
	}
}

// closePlan flushes and closes the open plan: no edit is left behind.
func (u *UI) closePlan() {
	if u.plan == nil {
		return
	}
	if u.ws != nil {
		u.ws.close()
		u.ws = nil
	}
	if u.cfg.Sync != nil {
		u.cfg.Sync.Stop(u.plan.ID())
	}
	if err := u.plan.Close(); err != nil {
		slog.Error("closing plan", "plan", u.plan.ID(), "err", err)
		u.closeErr = err
	}
	u.plan = nil
}

func (u *UI) onClose() {
	if u.closed {
		return
	}
	u.closed = true
	u.state.setWindowSize(u.win.Canvas().Size())
	if u.ws != nil {
		u.state.Filters = u.ws.outline.filter
	}
	u.closePlan()
	u.state.save(u.cfg.ConfigDir)
	u.win.Close()
}

// Close flushes everything and closes the window (tests and quit).
func (u *UI) Close() { u.onClose() }

func (u *UI) showError(err error) {
	if err == nil {
		return
	}
	dialog.ShowError(err, u.win)
}

func (u *UI) showInfo(title, msg string) {
	dialog.ShowInformation(title, msg, u.win)
}
