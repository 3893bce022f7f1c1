package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/release"
)

func (f *fixture) members(t *testing.T) *membersScreen {
	t.Helper()
	f.open(t, outlineItem{kind: kindMembers})
	m, ok := f.ui.ws.current.(*membersScreen)
	if !ok {
		t.Fatalf("centre shows %T", f.ui.ws.current)
	}
	return m
}

func selectMember(t *testing.T, m *membersScreen, peer string) {
	t.Helper()
	for i, mem := range m.members {
		if mem.PeerID == peer {
			m.list.Select(i)
			return
		}
	}
	t.Fatalf("no member %s listed", peer)
}

func TestMemberRoles(t *testing.T) {
	f := newFixture(t)
	m := f.members(t)
	selectMember(t, m, bruno.PeerID)
	if m.minister.Checked || m.cochair.Checked {
		t.Fatal("bruno starts with roles")
	}
	test.Tap(m.minister)
	test.Tap(m.cochair)
	if mem, _ := f.plan.Member(bruno.PeerID); !mem.HasRole(doc.RoleMinister) || !mem.HasRole(doc.RoleCoChair) {
		t.Fatalf("roles %v", mem.Roles)
	}
	test.Tap(m.minister)
	if mem, _ := f.plan.Member(bruno.PeerID); mem.HasRole(doc.RoleMinister) || !mem.HasRole(doc.RoleCoChair) {
		t.Fatalf("roles after unticking minister %v", mem.Roles)
	}
	// Another member's panel shows their own roles.
	selectMember(t, m, ana.PeerID)
	if m.minister.Checked || m.cochair.Checked {
		t.Error("ana's panel shows bruno's roles")
	}
}

func TestMemberKey(t *testing.T) {
	f := newFixture(t)
	m := f.members(t)
	// The control asks, in words, for the private key and says why.
	selectMember(t, m, ana.PeerID)
	m.pickKey()
	if !dialogSays(f.ui.win, "choose your private signing key file") || !dialogSays(f.ui.win, "proof") {
		t.Error("the register-key control does not ask for the private key in words")
	}
	dismissDialogs(f.ui.win)
	// A key is registered only from its member's own device: Ana's
	// window refuses to put one on Bruno's record, and registers her own
	// (its .pub, with the private key beside it).
	selectMember(t, m, bruno.PeerID)
	path, pub := keyFile(t, "ana", "")
	m.registerKey(path + ".pub")
	runHopsUntil(t, func() bool { return f.ui.task == nil })
	if !dialogSays(f.ui.win, "registered only by a device of the member it belongs to") {
		t.Error("a key on another member's record was not refused")
	}
	dismissDialogs(f.ui.win)
	if mem, _ := f.plan.Member(bruno.PeerID); len(mem.Keys) != 0 {
		t.Fatalf("bruno's keys %q after a refused registration", mem.Keys)
	}
	selectMember(t, m, ana.PeerID)
	m.registerKey(path + ".pub")
	runHopsUntil(t, func() bool { return f.ui.task == nil })
	mem, _ := f.plan.Member(ana.PeerID)
	if len(mem.Keys) != 1 || mem.Keys[0]+" ana" != pub {
		t.Fatalf("keys %q, want %q", mem.Keys, pub)
	}
	pk, _, _ := release.ParsePublicKey([]byte(pub))
	if !strings.Contains(m.keys.Text, release.Fingerprint(pk)) {
		t.Errorf("panel shows %q", m.keys.Text)
	}
	// Someone else's published public key, without its private key, is
	// refused in words; so is a file that is no key.
	_, otherPub := keyFile(t, "minister", "")
	published := filepath.Join(t.TempDir(), "minister.pub")
	os.WriteFile(published, []byte(otherPub+"\n"), 0o644)
	m.registerKey(published)
	runHopsUntil(t, func() bool { return f.ui.task == nil })
	if !dialogSays(f.ui.win, "needs its private key") {
		t.Error("a public key without its private key was not refused in words")
	}
	dismissDialogs(f.ui.win)
	bad := filepath.Join(t.TempDir(), "notes")
	os.WriteFile(bad, []byte("hello"), 0o600)
	m.registerKey(bad)
	runHopsUntil(t, func() bool { return f.ui.task == nil })
	if !dialogSays(f.ui.win, "not an OpenSSH signing key") {
		t.Error("a file that is no key was not refused")
	}
	dismissDialogs(f.ui.win)
	if mem, _ := f.plan.Member(ana.PeerID); len(mem.Keys) != 1 {
		t.Errorf("keys after refused files %q", mem.Keys)
	}
	// A private key with a passphrase asks for it; a wrong one is said so.
	locked, _ := keyFile(t, "ana2", "correct horse")
	m.registerKey(locked)
	runHopsUntil(t, func() bool { return f.ui.task == nil })
	if m.keyPass == nil || !dialogSays(f.ui.win, "id_ana2") {
		t.Fatal("no passphrase asked for an encrypted key")
	}
	m.keyPass.SetText("wrong")
	m.keyConfirm()
	runHopsUntil(t, func() bool { return f.ui.task == nil })
	if !dialogSays(f.ui.win, "wrong passphrase") {
		t.Error("a wrong passphrase was not reported")
	}
	dismissDialogs(f.ui.win)
	m.keyPass.SetText("correct horse")
	m.keyConfirm()
	runHopsUntil(t, func() bool { return f.ui.task == nil })
	if mem, _ := f.plan.Member(ana.PeerID); len(mem.Keys) != 2 {
		t.Errorf("keys after the passphrase key %q", mem.Keys)
	}
}

func TestRemoveMember(t *testing.T) {
	f := newFixture(t)
	w := f.ui.win
	m := f.members(t)
	selectMember(t, m, ana.PeerID)
	m.confirmRemove()
	if !dialogSays(w, "cannot remove this laptop") {
		t.Error("removing yourself was not refused")
	}
	dismissDialogs(w)
	selectMember(t, m, bruno.PeerID)
	test.Tap(m.remove)
	if !dialogSays(w, "Remove Bruno Mensah") {
		t.Fatal("no confirmation asked")
	}
	// Cancel first: nothing happens.
	test.Tap(findButton(t, w.Canvas().Overlays().Top(), "Cancel"))
	if !f.plan.IsMember(bruno.PeerID) {
		t.Fatal("cancel removed the member")
	}
	test.Tap(m.remove)
	test.Tap(findButton(t, w.Canvas().Overlays().Top(), "Remove"))
	if f.plan.IsMember(bruno.PeerID) {
		t.Fatal("bruno is still a member")
	}
	if !m.remove.Disabled() || !strings.Contains(m.who.Text, "removed") {
		t.Error("the panel of a removed member still offers actions")
	}
}

func TestDeleteNotes(t *testing.T) {
	f := newFixture(t)
	w := f.ui.win
	f.open(t, outlineItem{kind: kindNotes})
	n := f.ui.ws.current.(*notesScreen)
	n.add()
	if len(n.ids) != 2 {
		t.Fatalf("%d notes", len(n.ids))
	}
	second := n.current
	test.Tap(n.del)
	test.Tap(findButton(t, w.Canvas().Overlays().Top(), "Delete"))
	notes := f.plan.Notes()
	if len(notes) != 1 || notes[0].ID == second {
		t.Fatalf("notes after delete %+v", notes)
	}
	if n.current != notes[0].ID {
		t.Errorf("shows %q, want the remaining notes", n.current)
	}
	test.Tap(n.del)
	test.Tap(findButton(t, w.Canvas().Overlays().Top(), "Delete"))
	if len(f.plan.Notes()) != 0 || !n.del.Disabled() {
		t.Error("the last notes were not deleted, or Delete is still offered")
	}
}
