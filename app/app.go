// Package app is the Coplan desktop window: drafting a National Action Plan
// with an outline, editors for every part of the plan, live merging of
// colleagues' edits, peers, invites and files. It speaks to the plan only
// through package doc, and to the sync layer only through SyncService.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/dialog"

	"github.com/coplan/coplan/assets"
	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/internal/logging"
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
	// Logger takes the window's log lines, at internal/logging's levels;
	// nil drops them.
	Logger *slog.Logger
}

// SyncService is the part of the sync layer the window calls.
type SyncService interface {
	Start(p *doc.Plan) error
	Stop(planID string)
	Status(planID string) SyncStatus
	// Invite signs a full invite code to p, valid for ttl, for joining
	// from anywhere.
	Invite(p *doc.Plan, ttl time.Duration) (InviteCode, error)
	// InviteWords opens a short code to read aloud, for one device on the
	// same network, valid for ttl. done receives how it ended, once:
	// Member set, or Err wrapping ErrCodeExpired, ErrCodeDead or
	// ErrCodeCancelled. Ending ctx cancels the code.
	InviteWords(ctx context.Context, planID string, ttl time.Duration) (code string, done <-chan InviteResult, err error)
	// Join redeems an invite code, short or full, and receives the plan
	// it names; it gives up when ctx is done. A full code that does not
	// read (cut short, mistyped) fails with ErrCodeGarbled.
	Join(ctx context.Context, code string, a doc.Author) (planID string, err error)
	Peers(planID string) []PeerStatus
	// SyncNow dials every member at once, without waiting out backoff.
	SyncNow(planID string) error
}

// SyncStatus is what the status bar shows about a plan's sync.
type SyncStatus struct {
	Connected  int       // peers connected now
	Names      []string  // their names
	LastSynced time.Time // zero: never
	Offline    bool      // no usable network
	Err        string    // last sync problem, if any
}

// PeerStatus is one peer as the sync layer sees it.
type PeerStatus struct {
	PeerID     string
	Connected  bool
	LastSeen   time.Time
	LastSynced time.Time
	Problem    string // why it cannot be brought level, if it cannot
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
	atomicPreferencesAtExit(a, ui.log)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(sigs)
	defer ui.quitOn(sigs)()
	ui.win.ShowAndRun()
	ui.afterRun()
	ui.closeMu.Lock()
	defer ui.closeMu.Unlock()
	return ui.closeErr
}

// UI is the application window and the plan open in it.
type UI struct {
	// The Plan menu and its meeting items, enabled as authority allows.
	planMenu           *fyne.Menu
	startItem, endItem *fyne.MenuItem

	app   fyne.App
	cfg   Config
	log   *slog.Logger
	win   fyne.Window
	state *appState

	plan    *doc.Plan
	ws      *workspace // nil while the welcome screen shows
	wel     *welcome
	preview *preview     // the cached plan shown while it loads
	version *versionView // a past version shown over the workspace

	titlePlan string // the plan the window's title names

	loading string // ID of the plan loading behind the preview
	loadGen int    // tells a stale load from the current one
	task    *task  // the slow work running behind a progress dialog
	// closing holds, per plan, a channel closed once the plan is closed,
	// and loads one closed once a background load no longer holds it:
	// one open copy per plan folder.
	closing map[string]chan struct{}
	loads   map[string]chan struct{}

	// endMu is held by shutdown and by the hops that end background
	// loads (a task's end, planLoaded), so a plan is installed either
	// wholly before the window closes or not at all. The UI thread alone
	// does not order them: the test driver, and Fyne's once its event loop
	// has stopped (SIGTERM), run fyne.Do on the calling goroutine.
	endMu sync.Mutex

	closeMu  sync.Mutex
	closeErr error
	closed   bool
}

// loadPlan opens a plan off the UI thread; tests slow it down.
var loadPlan = func(lib *doc.Library, id string, a doc.Author) (*doc.Plan, error) { return lib.Open(id, a) }

// loadHeadStart is how long the preview has the machine to itself.
var loadHeadStart = 150 * time.Millisecond

// New builds the window on a (possibly test) app without showing it.
func New(a fyne.App, cfg Config) *UI {
	u := &UI{app: a, cfg: cfg, log: logging.Or(cfg.Logger), closing: map[string]chan struct{}{}, loads: map[string]chan struct{}{}}
	u.state = loadState(cfg.ConfigDir, u.log)
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
		id := u.state.LastPlan
		u.showWelcome()
		u.openPlan(id, "", func(err error) {
			u.log.Error("could not reopen last plan", "plan", id, "err", err)
			u.showError(fmt.Errorf("could not reopen the last plan: %w", err))
		})
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
	u.setTitle("")
	u.win.SetContent(u.wel.buildUI())
}

// OpenPlan switches the window to a plan from the library. The plan loads
// off the UI thread behind a progress dialog with a Cancel; the plan shown
// before stays until the new one is ready. While another plan is opening it
// refuses with errStillOpening.
func (u *UI) OpenPlan(id string) error {
	if u.busy() {
		return errStillOpening
	}
	u.openPlan(id, "", u.showError)
	return nil
}

// errStillOpening is what OpenPlan says while another plan is opening.
var errStillOpening = errors.New("a plan is still opening: try again in a moment")

const stillOpeningMsg = "Coplan is still opening the plan: try again in a moment"

// openPlan loads plan id (its title, when known, says which) and shows it;
// failed hears why it could not be opened.
func (u *UI) openPlan(id, title string, failed func(error)) {
	if u.stillOpening() {
		return
	}
	if u.plan != nil && u.plan.ID() == id {
		// Reopened (under a new profile): shown as it is while it loads.
		u.openPreview(id, u.plan.Content())
		return
	}
	status := "Reading the plan from disk…"
	if title != "" {
		status = fmt.Sprintf("Reading “%s” from disk…", title)
	}
	lib, author := u.cfg.Library, u.cfg.Author
	wait, done := u.prepareLoad(id)
	var p *doc.Plan
	started := u.runTask("Opening the plan", status, true, func(t *task) error {
		if !wait(t.ctx) {
			return context.Canceled
		}
		var err error
		p, err = loadPlan(lib, id, author)
		return err
	}, func(err error) {
		switch {
		case canceled(err):
			u.dispose(p, done)
		case err != nil:
			close(done)
			failed(err)
		default:
			close(done)
			u.setPlan(p)
		}
	})
	if !started {
		close(done)
	}
}

// prepareLoad returns what a background load of plan id must wait for
// (a close or an earlier load of it that still holds its folder) and the
// channel that load closes once it no longer holds the plan: handed to the
// window, or closed.
func (u *UI) prepareLoad(id string) (wait func(context.Context) bool, done chan struct{}) {
	before := []chan struct{}{u.closing[id], u.loads[id]}
	done = make(chan struct{})
	u.loads[id] = done
	wait = func(ctx context.Context) bool {
		for _, ch := range before {
			if ch == nil {
				continue
			}
			select {
			case <-ch:
			case <-ctx.Done():
				return false
			}
		}
		return true
	}
	return wait, done
}

// dispose closes, off the UI thread, a plan that was opened for nothing
// (cancelled, or too late), then closes done.
func (u *UI) dispose(p *doc.Plan, done chan struct{}) {
	go func() {
		if done != nil {
			defer close(done)
		}
		if p == nil {
			return
		}
		if err := p.Close(); err != nil {
			u.log.Warn("closing a plan opened for nothing", "plan", p.ID(), "err", err)
		}
	}()
}

// openCached shows a plan at once from its content cache and loads the
// document in the background; it reports false when there is no cache.
func (u *UI) openCached(id string) bool {
	if u.busy() {
		return false
	}
	c, ok := u.cfg.Library.ContentCache(id)
	if !ok {
		return false
	}
	u.openPreview(id, c)
	return true
}

// openPreview shows content c of plan id read-only and loads the plan
// behind it.
func (u *UI) openPreview(id string, c doc.Content) {
	if u.plan != nil && u.plan.ID() != id {
		u.state.LastItem = "" // the other plan's item means nothing here
	}
	u.closePlan()
	u.ws, u.wel = nil, nil
	u.preview = newPreview(u, c)
	u.win.SetContent(u.preview.buildUI())
	u.setTitle(c.Title)
	u.loadGen++
	u.loading = id
	gen, lib, author := u.loadGen, u.cfg.Library, u.cfg.Author
	wait, done := u.prepareLoad(id)
	go func() {
		wait(context.Background())
		// Let the preview paint first: on a small machine the load would
		// otherwise slow the first frame several times over.
		time.Sleep(loadHeadStart)
		p, err := loadPlan(lib, id, author)
		onUI(func() { u.planLoaded(gen, p, err, done) })
	}()
}

// planLoaded swaps the preview for the live workspace, on the item the
// preview shows.
func (u *UI) planLoaded(gen int, p *doc.Plan, err error, done chan struct{}) {
	u.endMu.Lock()
	defer u.endMu.Unlock()
	if gen != u.loadGen || u.closed {
		u.dispose(p, done)
		return
	}
	close(done)
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

// busy reports whether a plan is loading or slow work is running.
func (u *UI) busy() bool { return u.loading != "" || u.task != nil }

// stillOpening says so when a plan is loading or slow work is running, for
// actions that would start more.
func (u *UI) stillOpening() bool {
	switch {
	case u.task != nil:
		u.showInfo("Busy", "Coplan is still busy: "+strings.ToLower(u.task.title)+". Try again in a moment, or cancel it.")
	case u.loading != "":
		u.showInfo("Opening", stillOpeningMsg)
	default:
		return false
	}
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
		onUI(func() { u.showError(fmt.Errorf("your last edits could not be saved to disk: %w", err)) })
	}
	u.plan = p
	u.wel, u.preview = nil, nil
	u.ws = newWorkspace(u, p)
	if u.cfg.Sync != nil {
		// Started before the window is built, so the status bar's first
		// words are about the plan's sync, not "offline, never synced",
		// and need no change in the first frame (a change then can size
		// the window to a wrapped label not yet given its width).
		if err := u.cfg.Sync.Start(p); err != nil {
			u.log.Error("sync did not start", "plan", p.ID(), "err", err)
		}
		u.ws.status.syncStarted()
	}
	u.win.SetContent(u.ws.buildUI())
	u.setTitle(p.Info().Title)
	u.state.LastPlan = p.ID()
	u.state.save(u.cfg.ConfigDir)
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
			u.log.Warn("content cache not written", "plan", p.ID(), "err", err)
		}
		if err := p.Close(); err != nil {
			u.log.Error("closing plan", "plan", p.ID(), "err", err)
			u.closeMu.Lock()
			u.closeErr = err
			u.closeMu.Unlock()
		}
	}()
}

func (u *UI) onClose() {
	if u.shutdown() {
		u.win.Close()
	}
}

// shutdown saves the window's state and closes the plan, once: work past
// its point of no return (a merge, a signature) lands first. It reports
// false when it had already run.
func (u *UI) shutdown() bool {
	u.endMu.Lock()
	defer u.endMu.Unlock()
	if u.closed {
		return false
	}
	u.closed = true
	if t := u.task; t != nil && t.abort() {
		<-t.done // a merge or a signature lands before the plan closes
	}
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
	return true
}

// Close flushes everything and closes the window (tests and quit).
func (u *UI) Close() { u.onClose() }

// setTitle names the window after the app, the plan shown (if any) and
// whose profile it is: "Coplan — UK NAP 2025–27 — Ann Minister (Cabinet
// Office)".
func (u *UI) setTitle(plan string) {
	u.titlePlan = plan
	parts := []string{"Coplan"}
	if plan != "" {
		parts = append(parts, plan)
	}
	if who := profileText(u.cfg.Author); who != "" {
		parts = append(parts, who)
	}
	u.win.SetTitle(strings.Join(parts, " — "))
	if u.ws != nil && u.ws.status != nil && u.ws.status.who != nil {
		u.ws.status.who.SetText(profileText(u.cfg.Author))
	}
}

// profileText is whose profile this is: "Ann Minister (Cabinet Office)".
func profileText(a doc.Author) string {
	switch {
	case a.Name == "":
		return ""
	case a.Org == "":
		return a.Name
	}
	return a.Name + " (" + a.Org + ")"
}

func (u *UI) showError(err error) {
	if err == nil {
		return
	}
	dialog.ShowError(err, u.win)
}

func (u *UI) showInfo(title, msg string) {
	dialog.ShowInformation(title, msg, u.win)
}
