package app

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/crypto/ssh"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/release"
)

// keyFile makes an OpenSSH key, writes the private half to a file and
// returns its path and public line.
func keyFile(t *testing.T, name, pass string) (path, pub string) {
	t.Helper()
	priv, pubB, err := release.NewKey(name, []byte(pass))
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "id_"+name)
	if err := os.WriteFile(path, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".pub", pubB, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, strings.TrimSpace(string(pubB))
}

// makeReady gives every seeded commitment what the readiness check wants.
func makeReady(t *testing.T, f *fixture) {
	t.Helper()
	p := f.plan
	for i, id := range f.ids {
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		if i == 4 {
			must(p.SetText(doc.CommitmentText(id, "response"), "The lobbying law is already before Parliament."))
			continue
		}
		must(p.SetCommitmentState(id, doc.Adopted))
		if i > 0 {
			m, err := p.AddMilestone(id, fmt.Sprintf("Milestone %d", i))
			must(err)
			must(p.SetMilestoneField(id, m, "start", "2025-10-01"))
			must(p.SetMilestoneField(id, m, "end", "2026-06-30"))
		}
	}
	must := p.Commit()
	if must != nil {
		t.Fatal(must)
	}
}

func (f *fixture) releases(t *testing.T) *releasesScreen {
	t.Helper()
	f.open(t, outlineItem{kind: kindReleases})
	r, ok := f.ui.ws.current.(*releasesScreen)
	if !ok {
		t.Fatalf("centre shows %T", f.ui.ws.current)
	}
	return r
}

// dialogText is the text the topmost dialog shows.
func dialogText(w fyne.Window) string {
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	var b strings.Builder
	walk(top, func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Label:
			b.WriteString(v.Text + "\n")
		case *widget.RichText:
			b.WriteString(v.String() + "\n")
		}
	})
	return b.String()
}

// dialogSays reports whether the topmost dialog shows text (any case).
func dialogSays(w fyne.Window, text string) bool {
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return false
	}
	found := false
	walk(top, func(o fyne.CanvasObject) {
		var s string
		switch v := o.(type) {
		case *widget.Label:
			s = v.Text
		case *widget.RichText:
			s = v.String()
		}
		if strings.Contains(strings.ToLower(s), strings.ToLower(text)) {
			found = true
		}
	})
	return found
}

func dismissDialogs(w fyne.Window) {
	for w.Canvas().Overlays().Top() != nil {
		w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())
	}
}

func TestSignOff(t *testing.T) {
	f := newFixture(t)
	w := f.ui.win
	keyPath, _ := keyFile(t, "ana", "correct horse")
	if err := f.plan.AddMemberKey(ana.PeerID, loadKeyPass(t, keyPath, "correct horse")); err != nil {
		t.Fatal(err)
	}
	// The minister is on the government side: Ana, the founder, says so.
	if err := f.plan.AddMember(doc.Member{PeerID: ana.PeerID, Name: ana.Name, Org: ana.Org, Side: doc.Government}); err != nil {
		t.Fatal(err)
	}
	if err := f.plan.SetMemberRole(ana.PeerID, doc.RoleMinister, true); err != nil {
		t.Fatal(err)
	}
	r := f.releases(t)

	// Not ready: the problems are listed per commitment and open it.
	if len(r.problems) == 0 || !hasLabel(r.readiness, fmt.Sprintf("Not ready: %d items missing", len(r.problems))) {
		t.Fatalf("readiness shows no problems: %v", r.problems)
	}
	test.Tap(findButton(t, r.readiness, "2. Beneficial ownership register"))
	if ce, ok := f.ui.ws.current.(*commitmentEditor); !ok || ce.id != f.ids[1] {
		t.Fatalf("clicking a problem shows %T", f.ui.ws.current)
	}
	r = f.releases(t)
	r.askSign(keyPath)
	if r.pass == nil {
		t.Fatal("no passphrase asked for an encrypted key")
	}
	r.pass.SetText("correct horse")
	r.confirm()
	if !dialogSays(w, "not ready") {
		t.Error("signing an unready plan did not say it is not ready")
	}
	dismissDialogs(w)

	makeReady(t, f)
	f.ui.ws.drain()
	if len(r.problems) != 0 {
		t.Fatalf("still not ready: %v", r.problems)
	}
	if !hasLabel(r.readiness, "Ready to sign") {
		t.Error("a ready plan is not said to be ready")
	}

	// A stranger's key is refused.
	strangerPath, _ := keyFile(t, "stranger", "")
	r.askSign(strangerPath)
	if r.pass != nil {
		t.Error("a passphrase was asked for a key without one")
	}
	r.confirm()
	runHop(t)
	if !dialogSays(w, "key not registered to a minister") {
		t.Error("a stranger's key was not refused as not registered")
	}
	dismissDialogs(w)

	// The minister, with a wrong then the right passphrase.
	r.askSign(keyPath)
	r.label.SetText("1.0")
	r.pass.SetText("wrong")
	r.confirm()
	if !dialogSays(w, "wrong passphrase") {
		t.Error("a wrong passphrase was not reported")
	}
	dismissDialogs(w)
	r.pass.SetText("correct horse")
	r.confirm()
	runHop(t)
	if len(r.statuses) != 1 || r.statuses[0].Record.Label != "1.0" || r.statuses[0].Changed {
		t.Fatalf("statuses after signing: %+v", r.statuses)
	}
	if !hasLabel(r.releases, "signed by Ana Costa") || !hasLabel(r.releases, "The plan is as signed") {
		t.Error("the release is not listed with its signer")
	}
	dismissDialogs(w)

	// Export, then verify the folder; a modified file is caught.
	parent := t.TempDir()
	r.exportTo(r.statuses[0].Record.ID, parent)
	runHop(t)
	dir := filepath.Join(parent, "fourth-national-action-plan-10")
	if _, err := os.Stat(filepath.Join(dir, release.FileVerify)); err != nil {
		t.Fatalf("export: %v", err)
	}
	if !strings.Contains(r.shown, "ssh-keygen") || !strings.HasPrefix(r.shown, dir) {
		t.Errorf("export showed %q", r.shown)
	}
	dismissDialogs(w)
	r.verify(dir)
	runHop(t)
	if !strings.Contains(r.shown, "Release 1.0 of “Fourth National Action Plan” is genuine") || !strings.Contains(r.shown, "Checked against this plan") {
		t.Errorf("verify showed %q", r.shown)
	}
	dismissDialogs(w)
	if err := os.WriteFile(filepath.Join(dir, release.FileMarkdown), []byte("# A forged plan\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.verify(dir)
	runHop(t)
	if !dialogSays(w, "plan.md") {
		t.Error("a modified plan.md was not named")
	}
	dismissDialogs(w)

	// Editing after sign-off shows the plan has changed since.
	if err := f.plan.SetCommitmentShort(f.ids[0], doc.FieldLead, "Public Procurement Agency"); err != nil {
		t.Fatal(err)
	}
	f.plan.Commit()
	f.ui.ws.drain()
	if !r.statuses[0].Changed || !hasLabel(r.releases, "The plan has changed since") {
		t.Error("an edit after sign-off is not shown")
	}
}

func TestEndorseThenSign(t *testing.T) {
	f := newFixture(t)
	w := f.ui.win
	makeReady(t, f)
	anaKey, _ := keyFile(t, "ana", "")
	brunoKey, _ := keyFile(t, "bruno", "")
	// Bruno registers his key from his own device; the copy comes back.
	registerFrom(t, f.plan, bruno, brunoKey)
	for _, step := range []error{
		f.plan.AddMemberKey(ana.PeerID, loadKey(t, anaKey)),
		f.plan.SetMemberRole(ana.PeerID, doc.RoleCoChair, true), f.plan.SetMemberRole(bruno.PeerID, doc.RoleCoChair, true),
		f.plan.SetMemberRole(bruno.PeerID, doc.RoleMinister, true), f.plan.SetEndorsementsRequired(true), f.plan.Commit(),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	r := f.releases(t)
	if !r.endorse.Visible() {
		t.Fatal("no Endorse button when endorsements are required")
	}
	r.askSign(brunoKey)
	r.label.SetText("2.0")
	r.confirm()
	runHop(t)
	if !dialogSays(w, "not endorsed yet") {
		t.Error("signing before the co-chairs endorsed was not refused")
	}
	dismissDialogs(w)
	// Ana endorses in her window; Bruno's key is his device's to use.
	r.askEndorse(anaKey)
	r.label.SetText("2.0")
	r.confirm()
	runHop(t)
	dismissDialogs(w)
	r.askEndorse(brunoKey)
	r.label.SetText("2.0")
	r.confirm()
	runHop(t)
	if !dialogSays(w, "is registered to Bruno Mensah") {
		t.Errorf("Bruno's key used from Ana's device was not refused: %q", dialogText(w))
	}
	dismissDialogs(w)
	brunoSigner := loadKey(t, brunoKey)
	onBruno(t, f.plan, func(q *doc.Plan) error { _, err := release.Endorse(q, "2.0", brunoSigner, now()); return err })
	if n := len(f.plan.Endorsements()); n != 2 {
		t.Fatalf("%d endorsements", n)
	}
	// Only the minister's device signs: Ana's window is refused, Bruno's
	// signing arrives as a sync would bring it.
	r.askSign(brunoKey)
	r.label.SetText("2.0")
	r.confirm()
	runHop(t)
	if !dialogSays(w, "only the minister may sign") {
		t.Errorf("signing with the minister's key from Ana's device was not refused: %q", dialogText(w))
	}
	dismissDialogs(w)
	onBruno(t, f.plan, func(q *doc.Plan) error { _, _, err := release.Sign(q, "2.0", brunoSigner, now()); return err })
	r.load()
	if len(r.statuses) != 1 || r.statuses[0].Manifest == nil || len(r.statuses[0].Manifest.Endorsements) != 2 {
		t.Fatalf("signed release %+v", r.statuses)
	}
}

// startAgent runs a real ssh-agent on a socket of its own holding the key
// at path, for this test only.
func startAgent(t *testing.T, path string) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "agent.sock")
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := agent.Start(); err != nil {
		t.Skipf("no ssh-agent: %v", err)
	}
	t.Cleanup(func() { agent.Process.Kill(); agent.Wait() })
	for i := 0; ; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if i == 100 {
			t.Fatal("ssh-agent made no socket in 5 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	add := exec.Command("ssh-add", path)
	add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("ssh-add: %v: %s", err, out)
	}
	t.Setenv("SSH_AUTH_SOCK", sock)
}

// A .pub file signs with the key ssh-agent holds; signing runs in the
// background, so the agent connection must outlive the form.
func TestSignWithAgentKey(t *testing.T) {
	f := newFixture(t)
	makeReady(t, f)
	keyPath, _ := keyFile(t, "ana", "")
	startAgent(t, keyPath)
	// Registered through the agent too: it signs the key's proof.
	if err := f.plan.AddMemberKey(ana.PeerID, loadKey(t, keyPath+".pub")); err != nil {
		t.Fatal(err)
	}
	// The minister is on the government side: Ana, the founder, says so.
	if err := f.plan.AddMember(doc.Member{PeerID: ana.PeerID, Name: ana.Name, Org: ana.Org, Side: doc.Government}); err != nil {
		t.Fatal(err)
	}
	if err := f.plan.SetMemberRole(ana.PeerID, doc.RoleMinister, true); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(keyPath); err != nil { // only the agent has it now
		t.Fatal(err)
	}
	r := f.releases(t)
	r.askSign(keyPath + ".pub")
	if r.pass != nil {
		t.Error("a passphrase was asked for an agent key")
	}
	r.label.SetText("1.0")
	r.confirm()
	runHop(t)
	if len(r.statuses) != 1 || r.statuses[0].Record.Label != "1.0" {
		t.Fatalf("not signed with the agent's key: statuses %+v, dialog says error: %v", r.statuses, dialogSays(f.ui.win, "error"))
	}
}

// onBruno runs fn on a copy of p on Bruno's device and merges it back.
func onBruno(t *testing.T, p *doc.Plan, fn func(q *doc.Plan) error) {
	t.Helper()
	saved, err := p.Save()
	if err != nil {
		t.Fatal(err)
	}
	q, err := doc.LoadPlan(saved, bruno)
	if err != nil {
		t.Fatal(err)
	}
	if err := fn(q); err != nil {
		t.Fatal(err)
	}
	back, _ := q.Save()
	if _, err := p.Merge(back); err != nil {
		t.Fatal(err)
	}
}

// loadKeyPass is loadKey for a key with a passphrase.
func loadKeyPass(t *testing.T, path, pass string) ssh.Signer {
	t.Helper()
	s, done, err := release.LoadSigner(path, func() ([]byte, error) { return []byte(pass), nil })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(done)
	return s
}

func loadKey(t *testing.T, path string) ssh.Signer {
	t.Helper()
	s, done, err := release.LoadSigner(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(done)
	return s
}

// registerFrom registers the key at path to a's member record from a's own
// device, on a copy of p that is then merged back (as a sync would bring it).
func registerFrom(t *testing.T, p *doc.Plan, a doc.Author, path string) {
	t.Helper()
	saved, err := p.Save()
	if err != nil {
		t.Fatal(err)
	}
	q, err := doc.LoadPlan(saved, a)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AddMemberKey(a.PeerID, loadKey(t, path)); err != nil {
		t.Fatal(err)
	}
	back, err := q.Save()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Merge(back); err != nil {
		t.Fatal(err)
	}
}
