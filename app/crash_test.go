package app

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/coplan/coplan/doc"
)

// crashKillAfter is how long after the child's last keystroke the parent
// kills it (issue 13: a crash 300 ms after the last keystroke keeps it).
const crashKillAfter = 300 * time.Millisecond

// A person types through the window (the long-text editor, or a short
// field's Entry) in a real process on a real data folder, and the process
// is killed with SIGKILL 300 ms after the last keystroke: when the plan is
// reopened from disk, everything typed is there, the last keystroke too.
// The child says on standard output when it typed its last keystroke and,
// for the log, when the commit holding it was saved.
func TestCrashKeepsLastKeystroke(t *testing.T) {
	if mode := os.Getenv("COPLAN_APP_CRASH_CHILD"); mode != "" {
		crashTypingChild(t, mode)
		return
	}
	if testing.Short() {
		t.Skip("kills child processes")
	}
	dir := t.TempDir()
	lib, err := doc.OpenLibrary(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Create("Crash plan", "Freedonia", "2025", "2027", ana)
	if err != nil {
		t.Fatal(err)
	}
	cid, err := p.AddCommitment(doc.NewCommitment{Title: "Open contracting", Lead: "Cabinet Office"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetText(doc.CommitmentText(cid, "description"), "The commitment will publish contracts.\n\nSecond paragraph."); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	planID := p.ID()

	for _, mode := range []string{"long", "short"} {
		t.Run(mode, func(t *testing.T) {
			const runs = 10
			deadline := time.Now().Add(2 * time.Minute)
			var slowest time.Duration
			var all []time.Duration
			done := 0
			for run := 0; run < runs && time.Now().Before(deadline); run++ {
				typed, saved := crashRun(t, dir, planID, cid, mode, run)
				slowest = max(slowest, saved)
				all = append(all, saved.Round(time.Millisecond))
				q, rep, err := lib.OpenWithReport(planID, ana)
				if err != nil {
					t.Fatalf("run %d: the plan does not reopen after SIGKILL: %v", run, err)
				}
				if rep != nil {
					t.Errorf("run %d: the kill read as damage: %q", run, rep.Messages)
				}
				var got string
				if mode == "long" {
					got, err = q.Text(doc.CommitmentText(cid, "description"))
				} else {
					var c doc.Commitment
					c, err = q.Commitment(cid)
					got = c.Lead
				}
				q.Abandon()
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(got, typed) {
					t.Fatalf("run %d: typed %q, killed %v after the last keystroke; the plan reopens with %q", run, typed, crashKillAfter, got)
				}
				done++
			}
			if done < runs {
				t.Fatalf("only %d of %d runs before the deadline", done, runs)
			}
			t.Logf("%d runs: the last keystroke was on disk at most %v after it was typed (each: %v)", done, slowest, all)
		})
	}
}

// crashRun runs one child and kills it crashKillAfter after its last
// keystroke; it returns what the child typed and how long after the last
// keystroke the child saw it saved (0 if it did not say before the kill).
func crashRun(t *testing.T, dir, planID, cid, mode string, run int) (string, time.Duration) {
	t.Helper()
	tmp := filepath.Join(dir, fmt.Sprintf("tmp-%s-%d", mode, run)) // the child's temp files, tidied with ours
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashKeepsLastKeystroke$", "-test.count=1")
	cmd.Env = append(os.Environ(), "COPLAN_APP_CRASH_CHILD="+mode, "TMPDIR="+tmp,
		"COPLAN_CRASH_DATA="+filepath.Join(dir, "data"), "COPLAN_CRASH_CONFIG="+filepath.Join(dir, "config"),
		"COPLAN_CRASH_PLAN="+planID, "COPLAN_CRASH_CID="+cid, "COPLAN_CRASH_RUN="+strconv.Itoa(run))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = nil
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	kill := func() {
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Logf("kill %d: %v", cmd.Process.Pid, err)
		}
	}
	var typed string
	var saved time.Duration
	note := func(l string) {
		if ms, ok := strings.CutPrefix(l, "crash-child saved after "); ok {
			if d, err := time.ParseDuration(ms); err == nil {
				saved = d
			}
		}
	}
	timeout := time.After(60 * time.Second)
	for typed == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				cmd.Wait()
				t.Fatalf("run %d: the child exited before its last keystroke", run)
			}
			note(l)
			if s, ok := strings.CutPrefix(l, "crash-child typed "); ok {
				typed = s
			}
		case <-timeout:
			kill()
			cmd.Wait()
			t.Fatalf("run %d: the child never finished typing", run)
		}
	}
	time.Sleep(crashKillAfter)
	kill()
	for l := range lines {
		note(l)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatalf("run %d: the child exited by itself before the kill", run)
	}
	return typed, saved
}

// crashTypingChild opens the plan in the window as the app does and types
// into the commitment's description (long) or lead agency (short), key by
// key at a typist's pace, then waits to be killed.
func crashTypingChild(t *testing.T, mode string) {
	a := test.NewTempApp(t)
	lib, err := doc.OpenLibrary(os.Getenv("COPLAN_CRASH_DATA"))
	if err != nil {
		t.Fatal(err)
	}
	cfgDir := os.Getenv("COPLAN_CRASH_CONFIG")
	planID, cid := os.Getenv("COPLAN_CRASH_PLAN"), os.Getenv("COPLAN_CRASH_CID")
	(&appState{LastPlan: planID, LastItem: outlineItem{kind: kindCommitment, id: cid}.key(), Width: 1100, Height: 720}).save(cfgDir)
	u := New(a, Config{Library: lib, ConfigDir: cfgDir, Author: ana, SaveProfile: func(doc.Author) error { return nil }})
	u.win.Resize(fyne.NewSize(1100, 720))
	runHopsUntil(t, func() bool { return u.plan != nil })
	ce, ok := u.ws.current.(*commitmentEditor)
	if !ok {
		t.Fatalf("the window shows %T, not the commitment", u.ws.current)
	}
	c := u.win.Canvas()
	if mode == "long" {
		selectTab(t, ce.tabs, "Commitment")
		ed := ce.long["description"].ed.(*editorText)
		ed.SetCursorOffset(0)
		ed.focus(c)
	} else {
		c.Focus(ce.lead.entry)
	}
	events, stop := u.plan.Subscribe()
	defer stop()

	typed := fmt.Sprintf("Run %s typed this", os.Getenv("COPLAN_CRASH_RUN"))
	for i, r := range typed {
		if i > 0 {
			time.Sleep(time.Duration(40+(i*37)%80) * time.Millisecond) // 40–120 ms between keys
		}
		if c.Focused() == nil {
			t.Fatal("nothing has the focus")
		}
		c.Focused().TypedRune(r)
	}
	last := time.Now()
	fmt.Printf("crash-child typed %s\n", typed)
	// Say when the commit holding the last keystroke was saved (a plan
	// publishes a local event once its commit is on disk), then wait.
	for drained := false; !drained; {
		select {
		case <-events:
		default:
			drained = true
		}
	}
	select {
	case <-events:
		fmt.Printf("crash-child saved after %v\n", time.Since(last))
	case <-time.After(10 * time.Second):
	}
	time.Sleep(time.Minute)
	t.Fatal("not killed")
}
