package app

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"

	"fyne.io/fyne/v2"

	"github.com/coplan/coplan/internal/atomicfile"
)

// quitOn closes the window as Quit does when a signal arrives on sigs
// (SIGTERM from a session ending, Ctrl+C in a terminal): the window's
// state is saved and the plan closed before the app ends through Fyne.
// stop ends the watch.
func (u *UI) quitOn(sigs <-chan os.Signal) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			u.log.Info("quitting on a signal", "signal", sig.String())
			onUI(u.quit)
		case <-done:
		}
	}()
	return func() { close(done) }
}

// afterRun closes what the window did not get to close: Fyne handles
// SIGTERM itself too and, when its handler wins the race with quitOn, ends
// the app without the window's close. The window's state is saved and the
// plan closed all the same; the window itself is gone by then.
func (u *UI) afterRun() {
	if u.shutdown() {
		u.log.Debug("closed after the app had stopped")
	}
}

// preferencesFile is where Fyne keeps its preferences (the file dialogs'
// last folder) inside the app's storage.
const preferencesFile = "preferences.json"

// atomicPreferencesAtExit replaces Fyne's last save of its preferences as
// the app stops. That save truncates the file before writing it, while
// Fyne's own watcher of the file, no longer queued behind the stopped event
// loop, reloads it at once and may read it empty: "Preferences load error:
// EOF" on shutdown, one time in three. Worse, any reload saves the file
// again the same way. Fyne saves every change as it is made, so the last
// save is only needed when something changed in the last moments: it is
// skipped when the file already holds the preferences, and otherwise
// written to a temporary file renamed into place. With a Fyne that does
// not expose the hook and values this needs, its own save is left as it is.
func atomicPreferencesAtExit(a fyne.App, log *slog.Logger) bool {
	hook, ok := a.Lifecycle().(interface{ SetOnStoppedHookExecuted(func()) })
	values, ok2 := a.Preferences().(interface {
		ReadValues(func(map[string]any))
	})
	root := a.Storage().RootURI()
	if !ok || !ok2 || root == nil || root.Scheme() != "file" {
		return false
	}
	path := filepath.Join(root.Path(), preferencesFile)
	hook.SetOnStoppedHookExecuted(func() {
		if err := savePreferences(path, values.ReadValues); err != nil {
			log.Warn("saving the toolkit's preferences (the file dialogs' last folder)", "err", err)
		}
	})
	return true
}

// savePreferences writes the values read to path atomically, unless the
// file holds them already.
func savePreferences(path string, read func(func(map[string]any))) error {
	var data []byte
	var err error
	read(func(m map[string]any) { data, err = json.Marshal(m) })
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(path); err == nil && sameJSON(old, data) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFileQuick(path, data, 0o600)
}

// sameJSON reports whether two JSON documents hold the same values.
func sameJSON(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}
