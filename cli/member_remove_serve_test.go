package cli_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// waitLineWithin is waitLine with its own bound, for a line containing
// any of want; it says how long it took.
func (s *server) waitLineWithin(d time.Duration, want ...string) time.Duration {
	s.t.Helper()
	start := time.Now()
	deadline := time.After(d)
	for {
		select {
		case l, ok := <-s.out:
			if !ok {
				s.t.Fatalf("process exited; output:\n%s", strings.Join(s.seen, "\n"))
			}
			s.seen = append(s.seen, l)
			for _, w := range want {
				if strings.Contains(l, w) {
					return time.Since(start)
				}
			}
		case <-deadline:
			s.t.Fatalf("no %q within %s; output:\n%s", want, d, strings.Join(s.seen, "\n"))
		}
	}
}

// linesFor collects the output lines that arrive within d.
func (s *server) linesFor(d time.Duration) []string {
	var got []string
	deadline := time.After(d)
	for {
		select {
		case l, ok := <-s.out:
			if !ok {
				return got
			}
			s.seen = append(s.seen, l)
			got = append(got, l)
		case <-deadline:
			return got
		}
	}
}

// A `coplan serve` already running refuses a device that another process
// removes on the same data folder (`coplan member remove`) within 2 s:
// it closes the device's open session, which the removed device sees end,
// and its new connections are refused. (TestServePicksUpFolderChanges
// covers the refusal of a later `coplan sync` with a 30 s bound; this pins
// the time and the open session.)
func TestServeDropsDeviceRemovedByAnotherProcess(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	bryn := newUser(t, "Bryn Davies", "Open Rights Cymru", "civil-society")
	plan := ann.ok("new", "--title", "NAP", "--country", "Cymru")
	annAddr := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freePort(t))
	annServe := startServe(t, ann, []string{"COPLAN_LOG="}, plan, "--listen", annAddr, "--no-mdns")
	annServe.waitLine(annAddr + "/p2p/")
	bryn.ok("join", ann.ok("invite", plan, "--listen", annAddr, "--expires", "1h"))
	brynAddr := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freePort(t))
	brynServe := startServe(t, bryn, []string{"COPLAN_LOG="}, plan, "--listen", brynAddr, "--no-mdns")
	brynServe.waitLine("sync session open")
	annServe.waitLine("sync session open")

	ann.ok("member", "remove", plan, "Bryn Davies")
	removed := time.Now()
	took := annServe.waitLineWithin(2*time.Second, "device removed from the plan")
	t.Logf("the running serve closed the removed device's session %s after the removal was written", took.Round(time.Millisecond))
	// The removed side sees its session end (within the same 2 s, give or
	// take its log reaching this test).
	brynServe.waitLineWithin(2*time.Second-time.Since(removed)+500*time.Millisecond, "sync session closed", "sync stream reset")

	// The removed device keeps dialling (with backoff); for 3 s no session
	// opens on either side, and a one-shot sync is refused.
	for _, l := range append(annServe.linesFor(1500*time.Millisecond), brynServe.linesFor(1500*time.Millisecond)...) {
		if strings.Contains(l, "sync session open") {
			t.Fatalf("a session opened again after the removal: %s", l)
		}
	}
	fields := strings.Fields(ann.ok("profile", "show"))
	if out, _, rc := bryn.run("sync", plan, "--peer", annAddr+"/p2p/"+fields[len(fields)-1], "--timeout", "5s"); rc == 0 {
		t.Fatalf("the removed device synced again: %s", out)
	}
	for _, m := range ann.show(plan).Members {
		if m.Name == "Bryn Davies" && !m.Removed {
			t.Fatal("Bryn is still a member on Ann's side")
		}
	}
}
