package app

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"github.com/coplan/coplan/doc"
)

// reopen builds a new window on the fixture's folders, as the next start
// does, and waits for the plan.
func reopen(t *testing.T, f *fixture) *UI {
	t.Helper()
	u := New(test.NewTempApp(t), f.cfg)
	t.Cleanup(func() {
		u.Close()
		runQueuedHops()
	})
	runHopsUntil(t, func() bool { return u.ws != nil })
	return u
}

func TestStateKeptOnSIGTERM(t *testing.T) {
	for _, tc := range []struct {
		name string
		stop func(t *testing.T, f *fixture)
	}{
		{"our handler", func(t *testing.T, f *fixture) {
			sigs := make(chan os.Signal, 1)
			stop := f.ui.quitOn(sigs)
			defer stop()
			sigs <- syscall.SIGTERM
			runHopsUntil(t, func() bool { return f.ui.closed })
		}},
		{"Fyne's handler first", func(t *testing.T, f *fixture) {
			// Fyne's own SIGTERM handler ended the event loop: the window
			// never saw a close.
			f.ui.afterRun()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.ui.win.Resize(fyne.NewSize(944, 655))
			ce := f.commitment(t, f.ids[3])
			selectTab(t, ce.tabs, "Comments")
			tc.stop(t, f)
			if f.ui.plan != nil || !f.ui.closed {
				t.Fatal("the plan is still open after the signal")
			}
			st := loadState(f.cfg.ConfigDir, nil)
			if st.Width != 944 || st.Height != 655 || st.Tab != "Comments" {
				t.Errorf("saved state %+v", st)
			}
			u := reopen(t, f)
			if sz := u.state.windowSize(); sz.Width != 944 || sz.Height != 655 {
				t.Errorf("reopened at %v", sz)
			}
			ce2, ok := u.ws.current.(*commitmentEditor)
			if !ok || ce2.id != f.ids[3] {
				t.Fatalf("reopened on %T, want commitment 4", u.ws.current)
			}
			if got := ce2.tabs.Selected().Text; tabName(got) != "Comments" {
				t.Errorf("reopened on the %q tab, want Comments", got)
			}
		})
	}
}

// tempStorage is an app's storage rooted in a test's own folder (the test
// app's is the system's temporary folder).
type tempStorage struct {
	fyne.Storage
	root fyne.URI
}

func (s tempStorage) RootURI() fyne.URI { return s.root }

type appWithStorage struct {
	fyne.App
	s fyne.Storage
}

func (a appWithStorage) Storage() fyne.Storage { return a.s }

func TestPreferencesSavedAtomicallyAtExit(t *testing.T) {
	ta := test.NewTempApp(t)
	a := appWithStorage{ta, tempStorage{ta.Storage(), storage.NewFileURI(t.TempDir())}}
	if !atomicPreferencesAtExit(a, nil) {
		t.Fatal("the exit save was not replaced")
	}
	path := filepath.Join(a.Storage().RootURI().Path(), preferencesFile)
	a.Preferences().SetString("fyne:fileDialogLastFolder", "/home/ann/plans")

	// A reader like Fyne's watcher reloads the file while the exit save
	// runs, again and again: it must never find it empty or half written.
	var stop atomic.Bool
	var wg sync.WaitGroup
	var bad atomic.Int64
	var reads atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			data, err := os.ReadFile(path)
			if os.IsNotExist(err) {
				continue
			}
			reads.Add(1)
			var m map[string]any
			if err != nil || json.NewDecoder(bytes.NewReader(data)).Decode(&m) != nil {
				bad.Add(1)
			}
		}
	}()
	hook := a.Lifecycle().(interface{ OnStopped() func() }).OnStopped()
	for i := range 200 {
		a.Preferences().SetInt("coplan:test", i) // a change each time: each exit writes
		hook()
	}
	stop.Store(true)
	wg.Wait()
	if bad.Load() > 0 {
		t.Errorf("%d of %d reads found the preferences file incomplete", bad.Load(), reads.Load())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil || m["fyne:fileDialogLastFolder"] != "/home/ann/plans" {
		t.Errorf("saved %s (%v)", data, err)
	}
	// Unchanged preferences are not written again (a write makes Fyne's
	// watcher reload and save them).
	before, _ := os.Stat(path)
	hook()
	if after, _ := os.Stat(path); !os.SameFile(before, after) {
		t.Error("unchanged preferences were written again at exit")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if e.Name() != preferencesFile {
			t.Errorf("left %s behind", e.Name())
		}
	}
}

// gatedSync is a fakeSync whose Start waits for release: the window is
// then midway through installing the plan it opened.
type gatedSync struct {
	*fakeSync
	entered chan struct{} // closed as the first Start begins
	release chan struct{}
	once    sync.Once
}

func (g *gatedSync) Start(p *doc.Plan) error {
	g.once.Do(func() { close(g.entered) })
	<-g.release
	return g.fakeSync.Start(p)
}

// pumpHops runs the queued hops to the UI on a goroutine of their own, as
// the test driver does, and Fyne's driver once its event loop has stopped
// (a SIGTERM): fyne.Do then runs on the goroutine that calls it. stop
// ends the pump once the hop it is running returns, and reports what a
// hop panicked with, if one did (the pump then stops).
func pumpHops() (stop func() (panicked any)) {
	quit, done := make(chan struct{}), make(chan struct{})
	var crash any
	go func() {
		defer close(done)
		defer func() { crash = recover() }()
		for {
			if f := nextHop(); f != nil {
				f()
				continue
			}
			select {
			case <-uiHops.ready:
			case <-quit:
				return
			}
		}
	}()
	return func() any { close(quit); <-done; return crash }
}

// The window closing (a SIGTERM, a Quit, a test's Close) while a
// background load hands it the plan it opened: the close waits for the
// plan to be installed, then closes it and saves the state naming it, so
// the next start reopens it. It used to save the state before the open
// had recorded the plan, and the open then installed a plan the close had
// already closed: the next start came up on the welcome screen.
func TestCloseWhilePlanArrives(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T, f *fixture, cfg *Config) *UI
	}{
		{"opened from the welcome screen (a task)", func(t *testing.T, f *fixture, cfg *Config) *UI {
			cfg.ConfigDir = t.TempDir() // no state: the welcome screen
			u := New(test.NewTempApp(t), *cfg)
			if u.wel == nil {
				t.Fatal("a fresh config did not open on the welcome screen")
			}
			if err := u.OpenPlan(f.plan.ID()); err != nil {
				t.Fatal(err)
			}
			return u
		}},
		{"reopened from its cache (planLoaded)", func(t *testing.T, f *fixture, cfg *Config) *UI {
			u := New(test.NewTempApp(t), *cfg)
			if u.preview == nil {
				t.Fatal("the last plan was not shown from its cache")
			}
			return u
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.ui.Close() // the plan and its content cache on disk
			runQueuedHops()
			gs := &gatedSync{fakeSync: &fakeSync{}, entered: make(chan struct{}), release: make(chan struct{})}
			cfg := f.cfg
			cfg.Sync = gs
			u := tc.open(t, f, &cfg)
			stop := pumpHops()
			select {
			case <-gs.entered:
			case <-time.After(30 * time.Second):
				close(gs.release)
				stop()
				t.Fatal("the plan was never handed to the window")
			}
			// The window closes now, on another goroutine than the hop's.
			saved := make(chan *appState, 1)
			go func() {
				u.Close()
				saved <- loadState(cfg.ConfigDir, nil)
			}()
			var st *appState
			select {
			case st = <-saved: // the close did not wait for the plan
			case <-time.After(time.Second):
			}
			close(gs.release)
			if st == nil {
				select {
				case st = <-saved:
				case <-time.After(30 * time.Second):
					t.Fatal("the window never closed")
				}
			}
			if r := stop(); r != nil {
				t.Errorf("installing the plan crashed after the window had closed: %v", r)
			}
			runQueuedHops()
			if st.LastPlan != f.plan.ID() {
				t.Errorf("the state saved as the window closed names plan %q, want %q", st.LastPlan, f.plan.ID())
			}
			if u.plan != nil || u.ws != nil {
				t.Error("the closed window still holds the plan")
			}

			cfg.Sync = f.sync
			next := New(test.NewTempApp(t), cfg) // the next start
			t.Cleanup(func() {
				next.Close()
				runQueuedHops()
			})
			if next.wel != nil {
				t.Fatal("the next start came up on the welcome screen")
			}
			runHopsUntil(t, func() bool { return next.plan != nil })
			if next.plan.ID() != f.plan.ID() {
				t.Errorf("the next start opened plan %s, want %s", next.plan.ID(), f.plan.ID())
			}
		})
	}
}
