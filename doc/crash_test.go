package doc

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coplan/coplan/doc/store"
)

// The plan-level crash test: a child process types into a stored plan
// through the Plan API, compacting in the background every few commits, and
// says which words it committed and when a compaction starts and ends; it
// is killed with SIGKILL at a random moment, in every other run just after
// a compaction started. In half the runs it commits with Commit (fsynced),
// in the other half as the commit policy does while typing (the change
// only written; the store's flusher fsyncs it later), which a SIGKILL must
// not lose either. Every word whose commit had returned must be there
// when the plan is reopened, every time, and the kill must not read as
// damage.
func TestPlanCrash(t *testing.T) {
	if os.Getenv("COPLAN_PLAN_CRASH_CHILD") != "" {
		planCrashChild()
		return
	}
	runs := 50
	if testing.Short() {
		runs = 10
	}
	dir := t.TempDir()
	lib, err := OpenLibrary(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Create("Crash", "Testland", "2025", "2027", testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	cid, err := p.AddCommitment(NewCommitment{Title: "Crash"})
	if err != nil {
		t.Fatal(err)
	}
	// Enough text that a compaction takes a moment.
	if err := p.Splice(CommitmentText(cid, "description"), 0, 0, strings.Repeat("Open contracting data, published monthly. ", 2000)); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	committed := map[string]bool{}
	midCompaction, typed := 0, 0
	deadline := time.Now().Add(3 * time.Minute)
	for run := 0; run < runs && time.Now().Before(deadline); run++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPlanCrash$")
		cmd.Env = append(os.Environ(), "COPLAN_PLAN_CRASH_CHILD=1", "COPLAN_CRASH_DIR="+dir,
			"COPLAN_CRASH_PLAN="+p.ID(), "COPLAN_CRASH_CID="+cid, fmt.Sprint("COPLAN_CRASH_RUN=", run),
			fmt.Sprint("COPLAN_CRASH_TYPING=", run%4 >= 2))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Wait until the child has the plan open (odd runs: until it starts
		// a compaction), then kill it at a random moment.
		want := "ready"
		if run%2 == 1 {
			want = "compacting"
		}
		compacting := false
		note := func(l string) {
			if w, ok := strings.CutPrefix(l, "committed "); ok {
				committed[w] = true
				if run%4 >= 2 {
					typed++
				}
			}
			switch l {
			case "compacting":
				compacting = true
			case "compacted":
				compacting = false
			}
		}
		timeout := time.After(20 * time.Second)
		for seen := false; !seen; {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("run %d: child exited before %s", run, want)
				}
				note(l)
				seen = l == want
			case <-timeout:
				cmd.Process.Kill()
				t.Fatalf("run %d: child never got to %s", run, want)
			}
		}
		if want == "ready" {
			time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
		} else {
			time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines {
			note(l)
		}
		cmd.Wait()
		if compacting {
			midCompaction++
		}

		p, rep, err := lib.OpenWithReport(p.ID(), testAuthor)
		if err != nil {
			t.Fatalf("run %d: plan does not reopen after SIGKILL: %v", run, err)
		}
		if rep != nil {
			t.Fatalf("run %d: a SIGKILL read as damage: %q", run, rep.Messages)
		}
		text, err := p.Text(CommitmentText(cid, "description"))
		p.Abandon()
		if err != nil {
			t.Fatal(err)
		}
		for w := range committed {
			if !strings.Contains(text, w) {
				t.Fatalf("run %d: %q was committed before the kill but is lost", run, w)
			}
		}
	}
	if len(committed) < runs {
		t.Fatalf("only %d words committed over %d runs: the child is not getting to work", len(committed), runs)
	}
	if typed < runs/4 {
		t.Fatalf("only %d words committed by the policy while typing", typed)
	}
	if midCompaction < runs/5 {
		t.Fatalf("only %d of %d kills landed during a compaction", midCompaction, runs)
	}
	t.Logf("%d runs, %d killed during a background compaction, %d words committed (%d by the policy)", runs, midCompaction, len(committed), typed)
}

// crashLog prints the plan's compaction events to standard output, where
// the parent reads them.
type crashLog struct{}

func (crashLog) Enabled(context.Context, slog.Level) bool { return true }
func (crashLog) Handle(_ context.Context, r slog.Record) error {
	switch {
	case strings.HasPrefix(r.Message, "compacting"):
		fmt.Println("compacting")
	case strings.HasPrefix(r.Message, "compacted"), strings.HasPrefix(r.Message, "compaction"):
		fmt.Println("compacted")
	}
	return nil
}
func (h crashLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h crashLog) WithGroup(string) slog.Handler      { return h }

func planCrashChild() {
	lib, err := OpenLibrary(os.Getenv("COPLAN_CRASH_DIR"))
	if err != nil {
		panic(err)
	}
	lib.SetLogger(slog.New(crashLog{}))
	compactDue = func(st store.Stats, _, _ time.Duration, _ bool) bool { return st.LogRecords >= 6 }
	p, err := lib.Open(os.Getenv("COPLAN_CRASH_PLAN"), Author{PeerID: "crash-child", Name: "Child"})
	if err != nil {
		panic(err)
	}
	ref := CommitmentText(os.Getenv("COPLAN_CRASH_CID"), "description")
	typing := os.Getenv("COPLAN_CRASH_TYPING") == "true"
	clock := &fakeClock{t: time.Now()}
	if typing {
		if err := p.AutoCommit(CommitPolicy{Pause: time.Second, Max: time.Hour, Now: clock.now}); err != nil {
			panic(err)
		}
	}
	fmt.Println("ready")
	run := os.Getenv("COPLAN_CRASH_RUN")
	prev := ""
	for i := 0; i < 100000; i++ {
		w := fmt.Sprintf("<w%s.%d>", run, i)
		if err := p.Splice(ref, 0, 0, w); err != nil {
			panic(err)
		}
		if typing {
			// After a pause this keystroke committed the word before.
			if prev != "" {
				fmt.Println("committed", prev)
			}
			prev = w
			clock.advance(2 * time.Second)
			continue
		}
		if err := p.Commit(); err != nil {
			panic(err)
		}
		fmt.Println("committed", w)
	}
	os.Exit(0)
}
