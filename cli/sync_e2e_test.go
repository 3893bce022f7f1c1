package cli_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
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

// The whole journey on loopback with the real binary: Ann serves the plan,
// invites Bryn, Bryn joins with the code, edits offline, syncs once; Ann's
// data folder then holds Bryn's words and Bryn is a member. Ctrl-C stops the
// server cleanly.
func TestServeInviteJoinSync(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	bryn := newUser(t, "Bryn Davies", "Open Rights Cymru", "civil-society")
	plan := ann.ok("new", "--title", "NAP", "--country", "Cymru")
	cid := ann.ok("commitment", "add", plan, "--title", "Open budgets")
	addr := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freePort(t))

	serve := exec.Command(binary, "serve", plan, "--listen", addr, "--no-mdns")
	serve.Env = append(os.Environ(), "COPLAN_DATA="+ann.data, "COPLAN_CONFIG="+ann.conf)
	stderr, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	serve.Stdout = serve.Stderr
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	logs := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs <- sc.Text()
		}
		close(logs)
	}()
	defer serve.Process.Kill()
	var seen []string
	waitLog := func(want string) {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case l, ok := <-logs:
				if !ok {
					t.Fatalf("serve exited; log:\n%s", strings.Join(seen, "\n"))
				}
				seen = append(seen, l)
				if strings.Contains(l, want) {
					return
				}
			case <-deadline:
				t.Fatalf("serve never logged %q; log:\n%s", want, strings.Join(seen, "\n"))
			}
		}
	}
	waitLog("127.0.0.1")

	code := ann.ok("invite", plan, "--listen", addr, "--expires", "1h")
	if out := bryn.ok("join", code); !strings.Contains(out, plan) {
		t.Fatalf("join printed %q", out)
	}
	bryn.ok("commitment", "set", plan, cid, "description", "Publish the budget monthly.")
	fields := strings.Fields(ann.ok("profile", "show"))
	peerID := fields[len(fields)-1] // the last line is "device: PEER-ID"
	out := bryn.ok("sync", plan, "--peer", addr+"/p2p/"+peerID)
	if !strings.Contains(out, "sent") {
		t.Fatalf("sync did not say what moved: %q", out)
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

	serve.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve did not stop cleanly on Ctrl-C: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on Ctrl-C")
	}
}
