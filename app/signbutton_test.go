package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/coplan/coplan/doc"
)

func TestSignAsMinisterOnlyWhenReadyAndMinister(t *testing.T) {
	for _, tc := range []struct {
		name            string
		minister, ready bool
		why             string
	}{
		{"neither", false, false, "Only the minister signs, once the readiness check"},
		{"ready, not the minister", false, true, "does not hold the minister role"},
		{"the minister, not ready", true, false, "once the readiness check below passes"},
		{"the minister, ready", true, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.minister {
				makeMinister(t, f)
			}
			if !tc.minister { // another member is the minister
				if err := f.plan.SetMemberRole(bruno.PeerID, doc.RoleMinister, true); err != nil {
					t.Fatal(err)
				}
			}
			if tc.ready {
				makeReady(t, f)
			}
			r := f.releases(t)
			if r.sign.Visible() != tc.minister {
				t.Errorf("Sign as minister shown %v on a device whose member is minister %v", r.sign.Visible(), tc.minister)
			}
			ok, why := r.canSignAsMinister()
			if ok != (tc.minister && tc.ready) || r.sign.Disabled() == ok {
				t.Fatalf("can sign %v (button disabled %v), want %v", ok, r.sign.Disabled(), tc.minister && tc.ready)
			}
			if !strings.Contains(why, tc.why) || r.signHint.Visible() != (why != "") || r.signHint.Text != why {
				t.Errorf("reason %q shown %v (%q), want %q", why, r.signHint.Visible(), r.signHint.Text, tc.why)
			}
			if !ok {
				return
			}
			// It asks in words for the key before any file dialog.
			test.Tap(r.sign)
			w := f.ui.win
			if !dialogSays(w, "Choose the minister's signing key (an OpenSSH private key file, or a .pub key held by ssh-agent)") {
				t.Fatal("Sign as minister did not say which key it wants")
			}
			if mem, _ := f.plan.Member(ana.PeerID); len(mem.Keys) != 1 || !dialogSays(w, "It is the key registered to you on the Members screen: SHA256:") {
				t.Errorf("Sign as minister did not name the registered key: %q", dialogText(w))
			}
			prompt := w.Canvas().Overlays().Top()
			test.Tap(findButton(t, prompt, "Choose key file"))
			if top := w.Canvas().Overlays().Top(); top == nil || top == prompt || dialogSays(w, "Choose the minister's") {
				t.Error("choosing a key file did not open the file dialog")
			}
			dismissDialogs(w)
		})
	}
	t.Run("the minister without a registered key", func(t *testing.T) {
		f := newFixture(t)
		if err := f.plan.AddMember(doc.Member{PeerID: ana.PeerID, Name: ana.Name, Org: ana.Org, Side: doc.Government}); err != nil {
			t.Fatal(err)
		}
		if err := f.plan.SetMemberRole(ana.PeerID, doc.RoleMinister, true); err != nil {
			t.Fatal(err)
		}
		makeReady(t, f)
		r := f.releases(t)
		if !r.sign.Visible() || !r.sign.Disabled() || !strings.Contains(r.signHint.Text, "Register your signing key") {
			t.Errorf("shown %v, disabled %v, hint %q", r.sign.Visible(), r.sign.Disabled(), r.signHint.Text)
		}
	})
	t.Run("the role taken away", func(t *testing.T) {
		f := newFixture(t)
		makeMinister(t, f)
		makeReady(t, f)
		r := f.releases(t)
		if r.sign.Disabled() {
			t.Fatal("the minister cannot sign a ready plan")
		}
		if err := f.plan.SetMemberRole(ana.PeerID, doc.RoleMinister, false); err != nil {
			t.Fatal(err)
		}
		f.plan.Commit()
		f.ui.ws.drain()
		if !r.sign.Disabled() || r.sign.Visible() {
			t.Error("Sign stays on after the minister role was taken away")
		}
	})
}

// makeMinister makes this device's member (Ana) the minister, on the
// government side as the minister must be.
func makeMinister(t *testing.T, f *fixture) {
	t.Helper()
	if err := f.plan.AddMember(doc.Member{PeerID: ana.PeerID, Name: ana.Name, Org: ana.Org, Side: doc.Government}); err != nil {
		t.Fatal(err)
	}
	if err := f.plan.SetMemberRole(ana.PeerID, doc.RoleMinister, true); err != nil {
		t.Fatal(err)
	}
	path, _ := keyFile(t, "minister", "")
	if err := f.plan.AddMemberKey(ana.PeerID, loadKey(t, path)); err != nil {
		t.Fatal(err)
	}
}
