package doc

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The plan-level crash test: a child process types into a stored plan
// through the Plan API and says which words it committed; it is killed with
// SIGKILL at a random moment. Every word whose commit had returned must be
// there when the plan is reopened, every time.
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
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	committed := map[string]bool{}
	deadline := time.Now().Add(3 * time.Minute)
	for run := 0; run < runs && time.Now().Before(deadline); run++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPlanCrash$")
		cmd.Env = append(os.Environ(), "COPLAN_PLAN_CRASH_CHILD=1", "COPLAN_CRASH_DIR="+dir,
			"COPLAN_CRASH_PLAN="+p.ID(), "COPLAN_CRASH_CID="+cid, fmt.Sprint("COPLAN_CRASH_RUN=", run))
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
		// Wait until the child has the plan open, then kill it at a random moment.
		ready := false
		timeout := time.After(10 * time.Second)
		for !ready {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("run %d: child exited before it was ready", run)
				}
				ready = l == "ready"
			case <-timeout:
				cmd.Process.Kill()
				t.Fatalf("run %d: child never became ready", run)
			}
		}
		time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines {
			if w, ok := strings.CutPrefix(l, "committed "); ok {
				committed[w] = true
			}
		}
		cmd.Wait()

		p, err := lib.Open(p.ID(), testAuthor)
		if err != nil {
			t.Fatalf("run %d: plan does not reopen after SIGKILL: %v", run, err)
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
}

func planCrashChild() {
	lib, err := OpenLibrary(os.Getenv("COPLAN_CRASH_DIR"))
	if err != nil {
		panic(err)
	}
	p, err := lib.Open(os.Getenv("COPLAN_CRASH_PLAN"), Author{PeerID: "crash-child", Name: "Child"})
	if err != nil {
		panic(err)
	}
	ref := CommitmentText(os.Getenv("COPLAN_CRASH_CID"), "description")
	fmt.Println("ready")
	run := os.Getenv("COPLAN_CRASH_RUN")
	for i := 0; i < 100000; i++ {
		w := fmt.Sprintf("<w%s.%d>", run, i)
		if err := p.Splice(ref, 0, 0, w); err != nil {
			panic(err)
		}
		if err := p.Commit(); err != nil {
			panic(err)
		}
		fmt.Println("committed", w)
	}
	os.Exit(0)
}
