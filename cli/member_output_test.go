package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
)

// `coplan member list` says how each member is established, warns while
// there is one administrator, and lists a forged statement merged from a
// copy as refused; `coplan show` lists it too.
func TestMemberListIdentityWarningAndRefused(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	cso := newUser(t, "Eleni Papadopoulou", "Open Society Forum", "civil-society")
	plan := ann.ok("new", "--title", "Cynllun", "--country", "Cymru", "--period", "2025-2027")
	ann.ok("member", "add", plan, cso.device(), "--name", "Eleni Papadopoulou", "--side", "civil-society")

	out := ann.ok("member", "list", plan)
	for _, want := range []string{"identity: confirmed (founder)", "identity: confirmed by Ann Jones  devices: 1",
		"Warning: only one administrator (Ann Jones)"} {
		if !strings.Contains(out, want) {
			t.Errorf("member list does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Refused statements") {
		t.Errorf("a plan without refused statements lists some:\n%s", out)
	}

	// Eleni forges an administrator grant for herself in a copy.
	stick := filepath.Join(t.TempDir(), "plan.coplan")
	ann.ok("export", plan, "--format", "coplan", "-o", stick)
	key := cso.deviceKey()
	p, err := doc.ReadFile(stick, doc.Author{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := p.Authority()
	if err != nil {
		t.Fatal(err)
	}
	dev, _ := authority.DeviceOfKey(key)
	grant, err := authority.Sign(key, plan, st.LinksFor(dev, authority.KindGrantRole), time.Now(), authority.NewGrantRole(dev, authority.RoleAdmin))
	if err != nil {
		t.Fatal(err)
	}
	saved, _ := p.Save()
	forged := forgeCopy(t, saved, "Give Eleni the administrator role", func(d *am.Doc) { putStatement(t, d, grant) })
	ann.ok("merge", plan, forged)

	for name, out := range map[string]string{"member list": ann.ok("member", "list", plan), "show": ann.ok("show", plan)} {
		for _, want := range []string{"Refused statements (1; they count for nothing):", "Give Eleni Papadopoulou the administrator role",
			"grant role statement signed by Eleni Papadopoulou (" + cso.device() + "), written into the plan by an unknown device in change",
			"refused: signer lacks the authority"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s does not say %q:\n%s", name, want, out)
			}
		}
	}
	var v struct {
		Refused []doc.RefusedStatement `json:"refused"`
	}
	ann.json(&v, "show", plan, "--json")
	if len(v.Refused) != 1 || v.Refused[0].Signer.PeerID != cso.device() || v.Refused[0].Kind != "grant role" {
		t.Errorf("show --json refused %+v", v.Refused)
	}

	ann.ok("member", "role", plan, "Eleni Papadopoulou", "administrator")
	if out := ann.ok("member", "list", plan); strings.Contains(out, "Warning: only one administrator") {
		t.Errorf("the warning stays with two administrators:\n%s", out)
	}
}
