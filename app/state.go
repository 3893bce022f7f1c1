package app

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"

	"github.com/coplan/coplan/internal/atomicfile"
	"github.com/coplan/coplan/internal/logging"
)

// StateFile is the window's remembered state in the config folder.
const StateFile = "app-state.json"

// appState is what the window remembers between runs.
type appState struct {
	Width    float32 `json:"width"`
	Height   float32 `json:"height"`
	LastPlan string  `json:"lastPlan"`
	LastItem string  `json:"lastItem"` // outline item shown last
	Filters  filter  `json:"filters"`
	Tab      string  `json:"tab,omitempty"` // commitment tab last shown

	log *slog.Logger // where a state file that cannot be read or saved is told
}

var defaultSize = fyne.NewSize(1180, 760)

func loadState(dir string, log *slog.Logger) *appState {
	log = logging.Or(log)
	s := &appState{log: log}
	if dir == "" {
		return s
	}
	data, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		return s
	}
	if err := json.Unmarshal(data, s); err != nil {
		log.Warn("ignoring unreadable window state", "err", err)
		return &appState{log: log}
	}
	return s
}

func (s *appState) windowSize() fyne.Size {
	if s.Width < 480 || s.Height < 360 {
		return defaultSize
	}
	return fyne.NewSize(s.Width, s.Height)
}

func (s *appState) setWindowSize(sz fyne.Size) {
	if sz.Width >= 480 && sz.Height >= 360 {
		s.Width, s.Height = sz.Width, sz.Height
	}
}

func (s *appState) save(dir string) {
	if dir == "" {
		return
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		logging.Or(s.log).Warn("cannot save window state", "err", err)
		return
	}
	if err := atomicfile.WriteFileQuick(filepath.Join(dir, StateFile), data, 0o600); err != nil {
		logging.Or(s.log).Warn("cannot save window state", "err", err)
	}
}
