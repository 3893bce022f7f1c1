package cli_test

import (
	"fmt"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

var shortCodeLine = regexp.MustCompile(`^[0-9]{1,2}-[a-z]+-[a-z]+$`)

// waitShortCode reads the inviter's output until its short code.
func (s *server) waitShortCode() string {
	s.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-s.out:
			if !ok {
				s.t.Fatalf("invite exited; output:\n%s", strings.Join(s.seen, "\n"))
			}
			s.seen = append(s.seen, l)
			if shortCodeLine.MatchString(l) {
				return l
			}
		case <-deadline:
			s.t.Fatalf("invite printed no short code; output:\n%s", strings.Join(s.seen, "\n"))
		}
	}
}

// wait waits for the process to exit by itself and returns its output and
// whether it exited 0: at most 90 s, since the inviter stays for the first
// sync, which may take its whole 30 s level timeout.
func (s *server) wait() (string, bool) {
	s.t.Helper()
	deadline := time.After(90 * time.Second)
	for open := true; open; {
		select {
		case l, ok := <-s.out:
			if open = ok; ok {
				s.seen = append(s.seen, l)
			}
		case <-deadline:
			s.t.Fatalf("still running; output:\n%s", strings.Join(s.seen, "\n"))
		}
	}
	err := s.cmd.Wait()
	return strings.Join(s.seen, "\n"), err == nil
}

// `coplan invite PLAN --words` prints a short code and waits; `coplan join`
// with the words, typed as three arguments in capitals, joins; the inviter
// then says who joined and exits by itself. On loopback with mDNS off, so
// the joiner is given the inviter's address.
func TestInviteWordsJoin(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	bryn := newUser(t, "Bryn Davies", "Open Rights Cymru", "civil-society")
	plan := ann.ok("new", "--title", "NAP", "--country", "Cymru")
	fields := strings.Fields(ann.ok("profile", "show"))
	annID := fields[len(fields)-1]
	addr := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freePort(t))

	inv := startCommand(t, ann, []string{"COPLAN_LOG="}, "invite", plan, "--words", "--ttl", "2m", "--no-mdns", "--listen", addr)
	code := inv.waitShortCode()
	words := strings.Fields(strings.ToUpper(strings.ReplaceAll(code, "-", " ")))
	out, errs, rc := bryn.run(append(append([]string{"join"}, words...), "--peer", addr+"/p2p/"+annID)...)
	if rc != 0 || !strings.Contains(out, plan) || !strings.Contains(out, "you are now a member") {
		t.Fatalf("join %v: exit %d, printed %q, %s", words, rc, out, errs)
	}
	log, ok := inv.wait()
	if !ok || !strings.Contains(log, "Bryn Davies (Open Rights Cymru, civil-society) joined NAP") {
		t.Fatalf("the inviter did not end by saying who joined (exit ok %v):\n%s", ok, log)
	}
	if !strings.Contains(log, "coplan join "+code) || !strings.Contains(log, "Valid for 2 minutes, for one device") {
		t.Fatalf("the inviter did not say how to join:\n%s", log)
	}
	found := false
	for _, m := range ann.show(plan).Members {
		found = found || m.Name == "Bryn Davies"
	}
	if !found {
		t.Fatal("Bryn is not a member in Ann's data folder")
	}
}

// A malformed code is refused before anything touches the network, with
// a message that shows what a code looks like; Ctrl-C cancels a waiting
// inviter, which says so.
func TestInviteWordsRefusedAndCancelled(t *testing.T) {
	bryn := newUser(t, "Bryn Davies", "Open Rights Cymru", "civil-society")
	for _, tc := range []struct{ code, want string }{
		{"7 penguin", "that code has 1 word; a Coplan code looks like 7-penguin-pretzel"},
		{"penguin pretzel", "no number at the start"},
		{"7 penguin parliament", `"parliament" is not one of the words`},
	} {
		_, errs, rc := bryn.run("join", tc.code, "--timeout", "5s")
		if rc == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("join %q: exit %d, %q; want a message with %q", tc.code, rc, errs, tc.want)
		}
	}
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	plan := ann.ok("new", "--title", "NAP", "--country", "Cymru")
	addr := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freePort(t))
	inv := startCommand(t, ann, []string{"COPLAN_LOG="}, "invite", plan, "--words", "--no-mdns", "--listen", addr)
	inv.waitShortCode()
	if err := inv.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	log, ok := inv.wait()
	if ok || !strings.Contains(log, "nobody joined: the code was cancelled") {
		t.Fatalf("Ctrl-C: exit ok %v, output:\n%s", ok, log)
	}
}

// Three wrong codes: the joiner is told each time how many tries are left
// and then that the code is dead; the inviter stops and says so.
func TestInviteWordsWrongCode(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	bryn := newUser(t, "Bryn Davies", "Open Rights Cymru", "civil-society")
	plan := ann.ok("new", "--title", "NAP", "--country", "Cymru")
	fields := strings.Fields(ann.ok("profile", "show"))
	annID := fields[len(fields)-1]
	addr := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freePort(t))
	inv := startCommand(t, ann, []string{"COPLAN_LOG="}, "invite", plan, "--words", "--no-mdns", "--listen", addr)
	code := inv.waitShortCode()
	number := strings.SplitN(code, "-", 2)[0]
	want := []string{"2 attempts left", "1 attempt left", "the code no longer works: too many wrong attempts; ask for a new code"}
	for i, words := range []string{"sushi sushi", "penguin sushi", "sushi penguin"} {
		if strings.Contains(code, strings.ReplaceAll(words, " ", "-")) {
			t.Skip("drew the wrong code by chance")
		}
		_, errs, rc := bryn.run("join", number+" "+words, "--peer", addr+"/p2p/"+annID)
		if rc == 0 || !strings.Contains(errs, want[i]) {
			t.Fatalf("wrong code %d: exit %d, %q; want %q", i+1, rc, errs, want[i])
		}
	}
	log, ok := inv.wait()
	if ok || !strings.Contains(log, "nobody joined: the code no longer works: too many wrong attempts (3 were tried); run coplan invite --words again") {
		t.Fatalf("inviter after three wrong codes: exit ok %v:\n%s", ok, log)
	}
}
