package cli_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// server is a `coplan serve` in its own process, its output read line by
// line.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	out  chan string // stdout and stderr lines; closed when both end
	seen []string
}

func startServe(t *testing.T, u *user, env []string, args ...string) *server {
	t.Helper()
	return startCommand(t, u, env, append([]string{"serve"}, args...)...)
}

// startCommand runs any long-running command line in its own process.
func startCommand(t *testing.T, u *user, env []string, args ...string) *server {
	t.Helper()
	cmd := u.child(env, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, out: make(chan string, 1000)}
	t.Cleanup(func() { cmd.Process.Kill() })
	done := make(chan struct{}, 2)
	for _, r := range []io.Reader{stdout, stderr} {
		go func() {
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				s.out <- sc.Text()
			}
			done <- struct{}{}
		}()
	}
	go func() { <-done; <-done; close(s.out) }()
	return s
}

// waitLine waits (at most 30 s) for a line containing want.
func (s *server) waitLine(want string) {
	s.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-s.out:
			if !ok {
				s.t.Fatalf("serve exited; output:\n%s", strings.Join(s.seen, "\n"))
			}
			s.seen = append(s.seen, l)
			if strings.Contains(l, want) {
				return
			}
		case <-deadline:
			s.t.Fatalf("serve never printed %q; output:\n%s", want, strings.Join(s.seen, "\n"))
		}
	}
}

// stop sends sig and waits (at most 20 s) for a clean exit; it returns all
// the output.
func (s *server) stop(sig syscall.Signal) string {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.After(20 * time.Second)
	for open := true; open; {
		select {
		case l, ok := <-s.out:
			if open = ok; ok {
				s.seen = append(s.seen, l)
			}
		case <-deadline:
			s.t.Fatalf("serve did not stop on %v; output:\n%s", sig, strings.Join(s.seen, "\n"))
		}
	}
	if err := s.cmd.Wait(); err != nil {
		s.t.Fatalf("serve did not stop cleanly on %v: %v", sig, err)
	}
	return strings.Join(s.seen, "\n")
}

// The whole journey on loopback: Ann serves the plan in its own process,
// invites Bryn, Bryn joins with the code, edits offline, syncs once; Ann's
// data folder then holds Bryn's words and Bryn is a member. Ctrl-C stops the
// server cleanly. The one-shot commands log warnings only.
func TestServeInviteJoinSync(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	bryn := newUser(t, "Bryn Davies", "Open Rights Cymru", "civil-society")
	plan := ann.ok("new", "--title", "NAP", "--country", "Cymru")
	cid := ann.ok("commitment", "add", plan, "--title", "Open budgets")
	addr := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freePort(t))

	serve := startServe(t, ann, []string{"COPLAN_LOG="}, plan, "--listen", addr, "--no-mdns")
	serve.waitLine(addr + "/p2p/")

	code := ann.ok("invite", plan, "--listen", addr, "--expires", "1h")
	out, errs, rc := bryn.run("join", code)
	if rc != 0 || !strings.Contains(out, plan) {
		t.Fatalf("join: exit %d, printed %q, %s", rc, out, errs)
	}
	if strings.Contains(errs, "level=INFO") {
		t.Fatalf("join logged below warn by default:\n%s", errs)
	}
	bryn.ok("commitment", "set", plan, cid, "description", "Publish the budget monthly.")
	fields := strings.Fields(ann.ok("profile", "show"))
	peerID := fields[len(fields)-1] // the last line is "device: PEER-ID"
	out, errs, rc = bryn.run("sync", plan, "--peer", addr+"/p2p/"+peerID)
	// Bryn's edit at least (join's own records may travel with it).
	if rc != 0 || !regexp.MustCompile(`^sent [1-9][0-9]* changes`).MatchString(out) {
		t.Fatalf("sync: exit %d, printed %q, %s", rc, out, errs)
	}
	if strings.Contains(errs, "level=INFO") {
		t.Fatalf("sync logged below warn by default:\n%s", errs)
	}
	// COPLAN_LOG lowers the level of a one-shot command.
	t.Setenv("COPLAN_LOG", "debug")
	out, errs, rc = bryn.run("sync", plan, "--peer", addr+"/p2p/"+peerID)
	if rc != 0 || !strings.Contains(out, "level with "+peerID) {
		t.Fatalf("second sync: exit %d, printed %q, %s", rc, out, errs)
	}
	if !strings.Contains(errs, "level=INFO") || !strings.Contains(errs, "level=DEBUG") {
		t.Fatalf("sync with COPLAN_LOG=debug logged no info and debug lines:\n%s", errs)
	}

	// The server persisted Bryn's edit into Ann's data folder.
	c := ann.show(plan)
	if c.Commitments[0].Description != "Publish the budget monthly." {
		t.Fatalf("Ann's copy has %q", c.Commitments[0].Description)
	}
	found := false
	for _, m := range c.Members {
		found = found || m.Name == "Bryn Davies"
	}
	if !found {
		t.Fatalf("Bryn is not a member: %+v", c.Members)
	}

	// Without --peer: every member whose address is known (Ann's, kept
	// since the join).
	t.Setenv("COPLAN_LOG", "")
	bryn.ok("commitment", "set", plan, cid, "description", "Publish the budget weekly.")
	out, errs, rc = bryn.run("sync", plan)
	if rc != 0 || !regexp.MustCompile(`^Ann Jones: level; sent [1-9][0-9]* changes`).MatchString(out) {
		t.Fatalf("sync without --peer: exit %d, printed %q, %s", rc, out, errs)
	}
	if c := ann.show(plan); c.Commitments[0].Description != "Publish the budget weekly." {
		t.Fatalf("Ann's copy has %q after sync without --peer", c.Commitments[0].Description)
	}

	if log := serve.stop(syscall.SIGINT); !strings.Contains(log, "coplan serve: stopping") {
		t.Fatalf("serve did not say it stopped:\n%s", log)
	}
	// Nobody there: exit 1, saying so.
	out, errs, rc = bryn.run("sync", plan, "--timeout", "3s")
	if rc != 1 || !strings.Contains(errs, "no member was reachable") || !strings.Contains(out, "Ann Jones: not synced") {
		t.Fatalf("sync with nobody reachable: exit %d, printed %q, %s", rc, out, errs)
	}
}

// serve logs at info unless COPLAN_LOG says otherwise, and stops cleanly on
// SIGTERM as on Ctrl-C.
func TestServeLogLevel(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	plan := ann.ok("new", "--title", "NAP", "--country", "Cymru")
	for _, tc := range []struct {
		env          string
		info         bool
		wantInOutput string
	}{
		{env: "", info: true, wantInOutput: `msg="sync node listening"`},
		{env: "warn"},
		{env: "error"},
		{env: "DEBUG", info: true, wantInOutput: `msg="syncing plan"`},
		{env: "loud", info: true, wantInOutput: `COPLAN_LOG="loud": want debug, info, warn or error`},
	} {
		t.Run("COPLAN_LOG="+tc.env, func(t *testing.T) {
			addr := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freePort(t))
			s := startServe(t, ann, []string{"COPLAN_LOG=" + tc.env}, plan, "--listen", addr, "--no-mdns")
			s.waitLine(addr + "/p2p/")
			log := s.stop(syscall.SIGTERM)
			if got := strings.Contains(log, "level=INFO"); got != tc.info {
				t.Errorf("info lines: %v, want %v", got, tc.info)
			}
			if !strings.Contains(log, tc.wantInOutput) {
				t.Errorf("output lacks %q", tc.wantInOutput)
			}
			if t.Failed() {
				t.Logf("output:\n%s", log)
			}
		})
	}
}

// A serve running while `coplan` commands change its data folder: each
// change reaches a member connected to the serve within 5 s (an edit, a
// role, a signed release), and the member removed there is disconnected
// and refused.
func TestServePicksUpFolderChanges(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	bryn := newUser(t, "Bryn Davies", "Open Rights Cymru", "civil-society")
	plan := ann.ok("new", "--title", "NAP", "--country", "Cymru")
	cid := ann.ok("commitment", "add", plan, "--title", "Open budgets")
	for _, kv := range [][]string{{"state", "adopted"}, {"lead", "Treasury"}, {"values", "transparency"}} {
		ann.ok("commitment", "set", plan, cid, kv[0], kv[1])
	}
	ann.ok("milestone", "add", plan, cid, "--title", "Monthly data", "--start", "2026-03-01", "--end", "2026-12-31")
	key := t.TempDir() + "/minister"
	ann.ok("key", "new", "--name", "Ann Jones", "-o", key)
	ann.ok("member", "key", plan, "me", key+".pub")
	ann.ok("member", "role", plan, "me", "minister")

	annAddr := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freePort(t))
	annServe := startServe(t, ann, []string{"COPLAN_LOG="}, plan, "--listen", annAddr, "--no-mdns")
	annServe.waitLine(annAddr + "/p2p/")
	bryn.ok("join", ann.ok("invite", plan, "--listen", annAddr, "--expires", "1h"))
	brynAddr := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freePort(t))
	brynServe := startServe(t, bryn, []string{"COPLAN_LOG="}, plan, "--listen", brynAddr, "--no-mdns")
	brynServe.waitLine("sync session open")

	within := func(what string, cond func() bool) {
		t.Helper()
		start := time.Now()
		for !cond() {
			if time.Since(start) > 5*time.Second {
				t.Fatalf("%s did not reach Bryn within 5 s", what)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("%s reached Bryn in %s", what, time.Since(start).Round(10*time.Millisecond))
	}
	ann.ok("commitment", "set", plan, cid, "description", "Edited beside the serve.")
	within("an edit", func() bool { return bryn.show(plan).Commitments[0].Description == "Edited beside the serve." })
	// Roles go to members an administrator confirmed; a joiner is claimed.
	brynFields := strings.Fields(bryn.ok("profile", "show"))
	ann.ok("member", "add", plan, brynFields[len(brynFields)-1], "--name", "Bryn Davies", "--org", "Open Rights Cymru", "--side", "civil-society")
	ann.ok("member", "role", plan, "Bryn Davies", "co-chair")
	within("a role", func() bool {
		for _, m := range bryn.show(plan).Members {
			if m.Name == "Bryn Davies" && m.HasRole("co-chair") {
				return true
			}
		}
		return false
	})
	ann.ok("sign", plan, "--version", "1.0", "--key", key)
	within("a signed release", func() bool { return strings.Contains(bryn.ok("releases", plan), "1.0") })

	ann.ok("member", "remove", plan, "Bryn Davies")
	annServe.waitLine("device removed from the plan")
	fields := strings.Fields(ann.ok("profile", "show"))
	annID := fields[len(fields)-1]
	t.Setenv("COPLAN_LOG", "debug")
	started := time.Now()
	out, errs, rc := bryn.run("sync", plan, "--peer", annAddr+"/p2p/"+annID, "--timeout", "10s")
	if rc == 0 {
		t.Fatalf("the removed member still syncs: %s", out)
	}
	// Refused at the gate after each connection: dialled again with
	// backoff, not in a loop.
	if n := strings.Count(errs, "msg=reconnected"); n > 10 {
		t.Fatalf("the refused device dialled %d times in %s", n, time.Since(started))
	}
	t.Logf("the removed member is refused after %s", time.Since(started).Round(time.Millisecond))
}
