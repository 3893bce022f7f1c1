//go:build unix

package store

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStoreCrash SIGKILLs a child process that is appending and compacting,
// then checks that every change the child saw acknowledged survived, for
// each test engine.
func TestStoreCrash(t *testing.T) {
	if os.Getenv("COPLAN_CRASH_CHILD") != "" {
		crashChild(os.Getenv("COPLAN_CRASH_ENGINE"), os.Getenv("COPLAN_CRASH_DIR"))
		return
	}
	for _, e := range testEngines {
		t.Run(e.name, func(t *testing.T) {
			runs := 60
			if testing.Short() {
				runs = 10
			}
			dir := t.TempDir()
			acked := map[string]bool{}
			start := time.Now()
			killedMid, killedCompacting := 0, 0
			for run := range runs {
				if time.Since(start) > 3*time.Minute {
					t.Fatalf("only %d runs in %v", run, time.Since(start))
				}
				lines, killed, inCompact := crashRun(t, e.name, dir)
				if killed {
					killedMid++
				}
				if inCompact {
					killedCompacting++
				}
				for _, h := range lines {
					acked[h] = true
				}
				s := testOpen(t, dir)
				snap, chunks, rep, err := s.Load()
				if err != nil {
					t.Fatalf("run %d: %v", run, err)
				}
				if rep != nil {
					t.Fatalf("run %d: SIGKILL caused damage: %+v", run, rep)
				}
				d, err := testRebuild(e, snap, chunks)
				if err != nil {
					t.Fatalf("run %d: %v", run, err)
				}
				have, err := d.ids()
				if err != nil {
					t.Fatal(err)
				}
				for h := range acked {
					if !have[h] {
						t.Fatalf("run %d: acknowledged change %s lost", run, h)
					}
				}
				s.Close()
			}
			if len(acked) == 0 {
				t.Fatalf("no change acknowledged over %d runs: the child is not getting to work", runs)
			}
			snapSize, logSize, _ := testOpen(t, dir).Sizes()
			t.Logf("%d runs (%d killed, %d of them while compacting), %d acknowledged changes, %v; final snapshot %d B, log %d B",
				runs, killedMid, killedCompacting, len(acked), time.Since(start).Round(time.Millisecond), snapSize, logSize)
		})
	}
}

// crashRun starts one child, kills it 0–30 ms after it is ready, and returns
// the change IDs it reported as durably appended.
func crashRun(t *testing.T, engine, dir string) (ids []string, killed, inCompact bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestStoreCrash$", "-test.count=1")
	cmd.Env = append(os.Environ(), "COPLAN_CRASH_CHILD=1", "COPLAN_CRASH_ENGINE="+engine, "COPLAN_CRASH_DIR="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			inCompact = line == "compacting"
			if line == "ready" {
				close(ready)
			} else if h, ok := strings.CutPrefix(line, "ok "); ok {
				ids = append(ids, h)
			}
		}
	}()
	select {
	case <-ready:
		time.Sleep(time.Duration(mrand.Int64N(int64(30 * time.Millisecond))))
	case <-done:
	case <-time.After(20 * time.Second):
	}
	killed = cmd.Process.Signal(syscall.SIGKILL) == nil
	<-done
	err = cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL) {
		t.Fatalf("child failed: %v\n%s", err, stderr.String())
	}
	if err == nil {
		killed = false
	}
	if strings.Contains(stderr.String(), "FAIL") {
		t.Fatalf("child: %s", stderr.String())
	}
	return ids, killed, inCompact && killed
}

func crashChild(engine, dir string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(3)
	}
	e, err := testEngineNamed(engine)
	if err != nil {
		fail(err)
	}
	s, err := Open(dir)
	if err != nil {
		fail(err)
	}
	snap, chunks, rep, err := s.Load()
	if err != nil {
		fail(err)
	}
	if rep != nil {
		fail(fmt.Errorf("recovery report: %+v", rep))
	}
	d, err := testRebuild(e, snap, chunks)
	if err != nil {
		fail(err)
	}
	fmt.Println("ready")
	run := time.Now().UnixNano()
	deadline := time.Now().Add(2 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		id, chunk, err := d.change(fmt.Sprint("edit-", run, "-", i), 300)
		if err != nil {
			fail(err)
		}
		if err := s.Append(chunk); err != nil {
			fail(err)
		}
		fmt.Println("ok", id)
		if i%4 == 3 {
			fmt.Println("compacting")
			if err := testMerge(s, d); err != nil {
				fail(err)
			}
			fmt.Println("compacted")
		}
	}
	os.Exit(0)
}

func testEngineNamed(name string) (testEngine, error) {
	for _, e := range testEngines {
		if e.name == name {
			return e, nil
		}
	}
	return testEngine{}, fmt.Errorf("no test engine %q", name)
}
