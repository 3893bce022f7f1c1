// Package app is the Coplan desktop window: drafting a National Action Plan
// with an outline, editors for every part of the plan, live merging of
// colleagues' edits, peers, invites and files. It speaks to the plan only
// through package doc, and to the sync layer only through SyncService.
package app

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
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
	ui.closeMu.Lock()
	defer ui.closeMu.Unlock()
	return ui.closeErr
}

// UI is the application window and the plan open in it.
type UI struct {
	app   fyne.App
	cfg   Config
	win   fyne.Window
	state *appState

	plan    *doc.Plan
	ws      *workspace // nil while the welcome screen shows
	wel     *welcome
	preview *preview // the cached plan shown while it loads

	loading string // ID of the plan loading in the background
	loadGen int    // tells a stale load from the current one
	// closing holds, per plan, a channel closed once the plan is closed:
	// one open copy per plan folder.
	closing map[string]chan struct{}

	closeMu  sync.Mutex
	closeErr error
	closed   bool
}

// loadPlan opens a plan off the UI thread; tests slow it down.
var loadPlan = func(lib *doc.Library, id string, a doc.Author) (*doc.Plan, error) { return lib.Open(id, a) }

// loadHeadStart is how long the preview has the machine to itself.
var loadHeadStart = 150 * time.Millisecond

// onUI runs f on the UI goroutine; tests queue it for their own goroutine.
var onUI = fyne.Do

// New builds the window on a (possibly test) app without showing it.
func New(a fyne.App, cfg Config) *UI {
	u := &UI{app: a, cfg: cfg, state: loadState(cfg.ConfigDir), closing: map[string]chan struct{}{}}
	u.win = a.NewWindow("Coplan")
	u.win.SetIcon(assets.Icon)
	u.win.Resize(u.state.windowSize())
	u.win.SetCloseIntercept(u.onClose)
	u.win.SetOnDropped(u.onDropped)
	u.buildMenu()
	u.addShortcuts()
	if u.state.LastPlan != "" && cfg.Library != nil && cfg.Library.Exists(u.state.LastPlan) && cfg.Author.Name != "" {
		if u.openCached(u.state.LastPlan) {
			return u
		}
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
	u.ws, u.preview = nil, nil
	u.wel = newWelcome(u)
	u.win.SetTitle("Coplan")
	u.win.SetContent(u.wel.buildUI())
}

// OpenPlan switches the window to a plan from the library, flushing and
// closing the one open before.
func (u *UI) OpenPlan(id string) error {
	if u.loading != "" {
		return errStillOpening
	}
	if u.plan != nil && u.plan.ID() == id {
		u.closePlan()
	}
	u.waitClosed(id)
	p, err := u.cfg.Library.Open(id, u.cfg.Author)
	if err != nil {
		return err
	}
	u.setPlan(p)
	return nil
}

var errStillOpening = errors.New("Coplan is still opening the plan: try again in a moment")

// openCached shows a plan at once from its content cache and loads the
// document in the background; it reports false when there is no cache.
func (u *UI) openCached(id string) bool {
	if u.loading != "" {
		return false
	}
	c, ok := u.cfg.Library.ContentCache(id)
	if !ok {
		return false
	}
	if u.plan != nil && u.plan.ID() != id {
		u.state.LastItem = "" // the other plan's item means nothing here
	}
	u.closePlan()
	u.ws, u.wel = nil, nil
	u.preview = newPreview(u, c)
	u.win.SetContent(u.preview.buildUI())
	u.win.SetTitle(c.Title + " — Coplan")
	u.loadGen++
	u.loading = id
	gen, lib, author, closed := u.loadGen, u.cfg.Library, u.cfg.Author, u.closing[id]
	go func() {
		if closed != nil {
			<-closed
		}
		// Let the preview paint first: on a small machine the load would
		// otherwise slow the first frame several times over.
		time.Sleep(loadHeadStart)
		p, err := loadPlan(lib, id, author)
		onUI(func() { u.planLoaded(gen, p, err) })
	}()
	return true
}

// planLoaded swaps the preview for the live workspace, on the item the
// preview shows.
func (u *UI) planLoaded(gen int, p *doc.Plan, err error) {
	if gen != u.loadGen || u.closed {
		if p != nil {
			p.Close()
		}
		return
	}
	u.loading = ""
	pv := u.preview
	u.preview = nil
	if err != nil {
		u.showWelcome()
		u.showError(fmt.Errorf("could not open the plan: %w", err))
		return
	}
	search := false
	if pv != nil {
		u.state.LastItem = pv.selectedKey()
		u.state.Filters = pv.outline.filter
		search = u.win.Canvas().Focused() == pv.outline.search
	}
	u.setPlan(p)
	if search {
		u.win.Canvas().Focus(u.ws.outline.search)
	}
}

// stillOpening says so when a plan is loading, for actions that would
// open another.
func (u *UI) stillOpening() bool {
	if u.loading == "" {
		return false
	}
	u.showInfo("Opening", errStillOpening.Error())
	return true
}

// waitClosed waits until a plan closing in the background is closed.
func (u *UI) waitClosed(id string) {
	if ch := u.closing[id]; ch != nil {
		<-ch
		delete(u.closing, id)
	}
}

// setPlan shows p, taking ownership of it.
func (u *UI) setPlan(p *doc.Plan) {
	u.closePlan()
	p.AutoCommit(doc.DefaultPolicy)
	p.OnPersistError = func(err error) {
		fyne.Do(func() { u.showError(fmt.Errorf("your last edits could not be saved to disk: %w", err)) })
	}
	u.plan = p
	u.wel, u.preview = nil, nil
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

// closePlan flushes and closes the open plan: no edit is left behind. The
// content cache is written and the plan closed off the UI thread; opening
// the same plan again waits for that.
func (u *UI) closePlan() {
	if u.plan == nil {
		return
	}
	if u.ws != nil {
		u.ws.close()
		u.ws = nil
	}
	p := u.plan
	u.plan = nil
	if u.cfg.Sync != nil {
		u.cfg.Sync.Stop(p.ID())
	}
	done := make(chan struct{})
	u.closing[p.ID()] = done
	go func() {
		defer close(done)
		if err := p.WriteContentCache(); err != nil {
			slog.Warn("content cache not written", "plan", p.ID(), "err", err)
		}
		if err := p.Close(); err != nil {
			slog.Error("closing plan", "plan", p.ID(), "err", err)
			u.closeMu.Lock()
			u.closeErr = err
			u.closeMu.Unlock()
		}
	}()
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
	if u.preview != nil {
		u.state.Filters = u.preview.outline.filter
	}
	u.closePlan()
	for id := range u.closing {
		u.waitClosed(id)
	}
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
