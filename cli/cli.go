// Package cli implements the coplan command line: every subcommand parses
// its arguments, opens the data folder and calls doc (or sync), printing one
// line of error and exiting non-zero on bad input without writing anything.
// The commands are listed in one table (commands.go); each runs through a
// named run function in the file for its area. The folders and the profile
// come from internal/profile, shared with the window.
package cli

import (
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/internal/logging"
	"github.com/coplan/coplan/internal/profile"
	p2psync "github.com/coplan/coplan/sync"
)

// Env is what a command runs with.
type Env struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader
	DataDir        string
	ConfigDir      string
}

// Command is one subcommand, named by one or two words ("new", "commitment add").
type Command struct {
	Name    string
	Args    string // usage after the name
	Summary string
	Flags   func(fs *flag.FlagSet) // declares the command's flags
	Run     func(e *Env, fs *flag.FlagSet, args []string) error
}

// errUsage marks a usage error (exit 2).
var errUsage = errors.New("usage")

func usageErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

// errNoProfile refuses an edit nobody could be credited with.
var errNoProfile = errors.New("no profile yet: run coplan profile set --name NAME --org ORG --side government|civil-society")

// Run executes a command line (without the program name) and returns the
// exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g, rest, err := profile.ParseFolders(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stderr, "coplan:", err)
		return 2
	}
	if err != nil || len(rest) == 0 || rest[0] == "help" {
		Usage(stdout)
		return 0
	}
	cmd, n := find(rest)
	if cmd == nil {
		fmt.Fprintf(stderr, "coplan: unknown command %q (run coplan help)\n", strings.Join(rest[:min(2, len(rest))], " "))
		return 2
	}
	fs := flag.NewFlagSet("coplan "+cmd.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g.AddFlags(fs)
	if cmd.Flags != nil {
		cmd.Flags(fs)
	}
	pos, err := parseInterspersed(fs, rest[n:])
	if errors.Is(err, flag.ErrHelp) {
		printCommandHelp(stdout, cmd, fs)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "coplan %s: %v\nusage: coplan %s %s\n", cmd.Name, err, cmd.Name, cmd.Args)
		return 2
	}
	e := &Env{Stdout: stdout, Stderr: stderr, Stdin: stdin, DataDir: g.DataDir, ConfigDir: g.ConfigDir}
	if err := cmd.Run(e, fs, pos); err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprintf(stderr, "coplan %s: %s\nusage: coplan %s %s\n", cmd.Name, strings.TrimPrefix(err.Error(), "usage: "), cmd.Name, cmd.Args)
			return 2
		}
		fmt.Fprintf(stderr, "coplan %s: %v\n", cmd.Name, err)
		var na *errNotAuthenticated
		if errors.As(err, &na) {
			return 3
		}
		return 1
	}
	return 0
}

func find(args []string) (*Command, int) {
	if len(args) >= 2 {
		for _, c := range commands {
			if c.Name == args[0]+" "+args[1] {
				return c, 2
			}
		}
	}
	for _, c := range commands {
		if c.Name == args[0] {
			return c, 1
		}
	}
	return nil, 0
}

// parseInterspersed lets flags come before, between or after positional
// arguments; "--" ends flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// Usage prints the command reference.
func Usage(w io.Writer) {
	fmt.Fprintln(w, "Coplan drafts an OGP National Action Plan together, offline first.")
	fmt.Fprintln(w, "\nUsage: coplan [--data-dir DIR] [--config-dir DIR] COMMAND [ARGS]")
	fmt.Fprintln(w, "       coplan            (no command) opens the desktop window")
	fmt.Fprintln(w, "\nCommands:")
	sorted := append([]*Command(nil), commands...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, c := range sorted {
		head := strings.TrimSpace(c.Name + " " + c.Args)
		if len(head) > 44 {
			fmt.Fprintf(w, "  %s\n  %-44s %s\n", head, "", c.Summary)
		} else {
			fmt.Fprintf(w, "  %-44s %s\n", head, c.Summary)
		}
	}
	fmt.Fprintln(w, "\nRun coplan COMMAND --help for a command's flags.")
}

func printCommandHelp(w io.Writer, c *Command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "coplan %s %s\n\n%s\n\nFlags:\n", c.Name, c.Args, c.Summary)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// Author is who this user is, as the document records it: the profile plus
// the device's peer ID. With needProfile it fails when no profile is set.
func (e *Env) Author(needProfile bool) (doc.Author, error) {
	prof, ok, err := profile.Load(e.ConfigDir)
	if err != nil {
		return doc.Author{}, err
	}
	if !ok && needProfile {
		return doc.Author{}, errNoProfile
	}
	key, err := e.deviceKey()
	if err != nil {
		return doc.Author{}, err
	}
	return prof.Author(key), nil
}

// deviceKey is this device's Ed25519 key (its libp2p identity, made on
// first use), which signs the plan's statements.
func (e *Env) deviceKey() (ed25519.PrivateKey, error) {
	id, err := p2psync.LoadOrCreateIdentity(e.ConfigDir)
	if err != nil {
		return nil, err
	}
	raw, err := id.Key.Raw()
	if err != nil {
		return nil, err
	}
	return doc.DeviceKey(raw)
}

// Library opens the data folder. Its plans log to standard error at the
// one-shot commands' level (warn, or what COPLAN_LOG says).
func (e *Env) Library() (*doc.Library, error) {
	return e.libraryLogging(logging.New(e.Stderr, slog.LevelWarn))
}

// libraryLogging opens the data folder with its plans logging to log.
func (e *Env) libraryLogging(log *slog.Logger) (*doc.Library, error) {
	lib, err := doc.OpenLibrary(e.DataDir)
	if err != nil {
		return nil, err
	}
	lib.SetLogger(log)
	return lib, nil
}

// isFileRef tells a .coplan path from a plan ID.
func isFileRef(ref string) bool {
	if strings.HasSuffix(ref, doc.FileExt) || strings.ContainsRune(ref, os.PathSeparator) {
		_, err := os.Stat(ref)
		return err == nil
	}
	return false
}

// OpenPlan opens PLAN (ID, unique prefix, or .coplan path) for reading; a
// file is loaded read-only. Call the returned close when done.
func (e *Env) OpenPlan(ref string, write bool) (*doc.Plan, error) {
	return e.openPlanIn(nil, ref, write)
}

// openPlanIn is OpenPlan from lib, or from the data folder opened afresh
// when lib is nil.
func (e *Env) openPlanIn(lib *doc.Library, ref string, write bool) (*doc.Plan, error) {
	if isFileRef(ref) {
		if write {
			return nil, fmt.Errorf("%s is a file: import it first (coplan import %s), then edit the plan by ID", ref, ref)
		}
		return doc.ReadFile(ref, doc.Author{})
	}
	author, err := e.Author(write)
	if err != nil {
		if write || !doc.IsReadOnlyError(err) {
			return nil, err
		}
		author = doc.Author{} // reading needs no identity; a read-only config folder cannot hold a new one
	}
	if lib == nil {
		if lib, err = e.Library(); err != nil {
			return nil, err
		}
	}
	id, err := lib.Resolve(ref)
	if err != nil {
		return nil, err
	}
	p, rep, err := lib.OpenWithReport(id, author)
	if err != nil {
		return nil, err
	}
	if rep != nil {
		for _, m := range rep.Messages {
			fmt.Fprintln(e.Stderr, "coplan: warning:", m)
		}
	}
	if ro := p.ReadOnly(); ro != nil {
		if write {
			p.Abandon()
			return nil, ro
		}
		fmt.Fprintf(e.Stderr, "coplan: note: the data folder %s is read-only: reading only, edits are off\n", e.DataDir)
	}
	if !write && p.NeedsUpgrade() {
		fmt.Fprintln(e.Stderr, "coplan: warning:", upgradeNote(id))
	}
	return p, nil
}
