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
	_ "github.com/coplan/coplan/internal/quietlocale" // before Fyne's init
	p2psync "github.com/coplan/coplan/sync"
)

func main() {
	g, rest, err := cli.ParseGlobals(os.Args[1:])
	if err != nil || len(rest) > 0 {
		os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	if err := openWindow(g); err != nil {
		fmt.Fprintln(os.Stderr, "coplan:", err)
		os.Exit(1)
	}
}

// openWindow wires the data folder, profile and sync node into the app.
func openWindow(g cli.Globals) error {
	if err := checkDisplay(); err != nil {
		return err
	}
	lib, err := doc.OpenLibrary(g.DataDir)
	if err != nil {
		return err
	}
	lib.SetLogger(slog.Default())
	id, err := p2psync.LoadOrCreateIdentity(g.ConfigDir)
	if err != nil {
		return err
	}
	prof, _, err := cli.LoadProfile(g.ConfigDir)
	if err != nil {
		return err
	}
	author := doc.Author{PeerID: id.PeerID.String(), Name: prof.Name, Org: prof.Org, Side: prof.Side}
	cfg := app.Config{Library: lib, ConfigDir: g.ConfigDir, Author: author,
		SaveProfile: func(a doc.Author) error {
			return cli.SaveProfile(g.ConfigDir, cli.Profile{Name: a.Name, Org: a.Org, Side: a.Side})
		}}
	node, err := startNode(id, lib, filepath.Join(g.DataDir, "sync"))
	if err != nil {
		slog.Warn("peer-to-peer sync is off", "err", err)
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
		return errors.New("no display to open the window on (DISPLAY is not set); the commands work without one: coplan help")
	}
	return nil
}

// startNode listens on the usual port, or any free one when another Coplan
// (a coplan serve, say) already holds it.
func startNode(id *p2psync.Identity, lib *doc.Library, stateDir string) (*p2psync.Node, error) {
	cfg := p2psync.Config{Identity: id, StateDir: stateDir, Library: lib, MDNS: true, Logger: slog.Default()}
	n, err := p2psync.NewNode(cfg)
	if err == nil {
		return n, nil
	}
	cfg.Listen = p2psync.DefaultListen(0)
	return p2psync.NewNode(cfg)
}
