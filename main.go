// Command coplan drafts an OGP National Action Plan together, offline
// first: with no arguments it opens the desktop window, otherwise it runs a
// command line command.
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"

	"github.com/coplan/coplan/app"
	"github.com/coplan/coplan/cli"
	"github.com/coplan/coplan/doc"
	_ "github.com/coplan/coplan/internal/cmalloc" // few C malloc arenas: Automerge mallocs from many cgo threads
	"github.com/coplan/coplan/internal/logging"
	"github.com/coplan/coplan/internal/profile"
	_ "github.com/coplan/coplan/internal/quietlocale" // before Fyne's init
	p2psync "github.com/coplan/coplan/sync"
)

func main() {
	f, rest, err := profile.ParseFolders(os.Args[1:])
	if err != nil || len(rest) > 0 {
		os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	if err := openWindow(f); err != nil {
		fmt.Fprintln(os.Stderr, "coplan:", err)
		os.Exit(1)
	}
}

// openWindow wires the data folder, profile and sync node into the app.
func openWindow(f profile.Folders) error {
	if err := checkDisplay(); err != nil {
		return err
	}
	log := logging.New(os.Stderr, slog.LevelInfo)
	lib, err := doc.OpenLibrary(f.DataDir)
	if err != nil {
		return err
	}
	lib.SetLogger(log)
	id, err := p2psync.LoadOrCreateIdentity(f.ConfigDir)
	if err != nil {
		return err
	}
	prof, _, err := profile.Load(f.ConfigDir)
	if err != nil {
		return err
	}
	raw, err := id.Key.Raw()
	if err != nil {
		return err
	}
	key, err := doc.DeviceKey(raw)
	if err != nil {
		return err
	}
	cfg := app.Config{Library: lib, ConfigDir: f.ConfigDir, Author: prof.Author(key), Logger: log,
		SaveProfile: func(a doc.Author) error { return profile.Save(f.ConfigDir, profile.FromAuthor(a)) }}
	node, err := startNode(id, lib, filepath.Join(f.DataDir, "sync"), log)
	if err != nil {
		log.Error("peer-to-peer sync is off", "err", err)
	} else {
		defer node.Close()
		cfg.Sync = syncAdapter{node}
	}
	return app.Run(cfg)
}

// checkDisplay turns GLFW's panic without a display into a sentence.
func checkDisplay() error {
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" {
		return nil
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display to open the window on (DISPLAY is not set); the commands work without one: " + os.Args[0] + " help")
	}
	return nil
}

// startNode listens on the usual port, or any free one when another Coplan
// (a coplan serve, say) already holds it.
func startNode(id *p2psync.Identity, lib *doc.Library, stateDir string, log *slog.Logger) (*p2psync.Node, error) {
	cfg := p2psync.Config{Identity: id, StateDir: stateDir, Library: lib, MDNS: true, Logger: log}
	n, err := p2psync.NewNode(cfg)
	if err == nil {
		return n, nil
	}
	cfg.Listen = p2psync.DefaultListen(0)
	return p2psync.NewNode(cfg)
}
