// Package profile says where Coplan keeps its files and who is using this
// computer: the default data and config folders (COPLAN_DATA and
// COPLAN_CONFIG, or --data-dir and --config-dir), the profile in the config
// folder's profile.json, and the doc.Author built from that profile and the
// device's key. main (for the window) and cli (for the commands) share
// it, so both read the same folders and the same person.
package profile

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
	"github.com/coplan/coplan/internal/atomicfile"
)

// Environment variables that override the default folders.
const (
	DataEnv   = "COPLAN_DATA"
	ConfigEnv = "COPLAN_CONFIG"
)

// FileName is the profile's file name in the config folder.
const FileName = "profile.json"

// DefaultDataDir is the OS's per-user data folder for Coplan, unless
// COPLAN_DATA says otherwise.
func DefaultDataDir() string {
	if d := os.Getenv(DataEnv); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Application Support", "Coplan")
	case "windows":
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "Coplan")
		}
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "coplan")
	}
	return filepath.Join(home, ".local", "share", "coplan")
}

// DefaultConfigDir holds the profile and the device key, unless
// COPLAN_CONFIG says otherwise.
func DefaultConfigDir() string {
	if d := os.Getenv(ConfigEnv); d != "" {
		return d
	}
	d, err := os.UserConfigDir()
	if err != nil {
		home, _ := os.UserHomeDir()
		d = filepath.Join(home, ".config")
	}
	return filepath.Join(d, "coplan")
}

// Folders are the data folder (plans, sync state) and the config folder
// (profile, device key, signing keys).
type Folders struct {
	DataDir, ConfigDir string
}

// DefaultFolders are the folders before any flag.
func DefaultFolders() Folders {
	return Folders{DataDir: DefaultDataDir(), ConfigDir: DefaultConfigDir()}
}

// AddFlags declares --data-dir and --config-dir on fs, defaulting to f.
func (f *Folders) AddFlags(fs *flag.FlagSet) {
	fs.StringVar(&f.DataDir, "data-dir", f.DataDir, "data folder (default from COPLAN_DATA or the OS's per-user data folder)")
	fs.StringVar(&f.ConfigDir, "config-dir", f.ConfigDir, "config folder for the profile and device key (default from COPLAN_CONFIG)")
}

// ParseFolders reads the folder flags that lead args and returns the
// folders and the rest of the arguments.
func ParseFolders(args []string) (Folders, []string, error) {
	f := DefaultFolders()
	fs := flag.NewFlagSet("coplan", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		return f, nil, err
	}
	return f, fs.Args(), nil
}

// Profile is the person using this computer.
type Profile struct {
	Name string   `json:"name"`
	Org  string   `json:"org"`
	Side doc.Side `json:"side"`
}

// Load reads the profile from configDir; ok is false when none is set yet
// (no file, or no name in it).
func Load(configDir string) (p Profile, ok bool, err error) {
	path := filepath.Join(configDir, FileName)
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return p, false, nil
	}
	if err != nil {
		return p, false, err
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, false, fmt.Errorf("%s: %w", path, err)
	}
	return p, p.Name != "", nil
}

// Save writes the profile into configDir (created 0700), as a 0600 file.
func Save(configDir string, p Profile) error {
	if err := os.MkdirAll(configDir, 0o700); err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(p, "", "  ")
	return atomicfile.WriteFile(filepath.Join(configDir, FileName), append(raw, '\n'), 0o600)
}

// Author is who p is as the document records it, on the device whose
// Ed25519 private key is key (the device's libp2p identity: its raw bytes
// through doc.DeviceKey). The key signs the plan's statements; the peer ID
// is derived from it.
func (p Profile) Author(key ed25519.PrivateKey) doc.Author {
	a := doc.Author{Name: p.Name, Org: p.Org, Side: p.Side, Key: key}
	if d, err := authority.DeviceOfKey(key); err == nil {
		a.PeerID = d.PeerID()
	}
	return a
}

// FromAuthor is the profile part of an author (the window's profile form
// edits an Author).
func FromAuthor(a doc.Author) Profile {
	return Profile{Name: a.Name, Org: a.Org, Side: a.Side}
}
