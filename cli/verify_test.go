package cli_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
)

// signedRelease has u found a plan titled title, make it ready, take the
// minister role with a new key and export release 1.0 into a folder. It
// returns the plan ID, the folder and the key's fingerprint.
func signedRelease(t *testing.T, u *user, title string) (plan, dir, fp string) {
	t.Helper()
	plan = u.ok("new", "--title", title, "--country", "Cymru", "--period", "2026-2027")
	c := u.ok("commitment", "add", plan, "--title", "Open contracts")
	for _, kv := range [][]string{{"state", "adopted"}, {"lead", "Cabinet Office"}, {"values", "transparency"}} {
		u.ok("commitment", "set", plan, c, kv[0], kv[1])
	}
	u.ok("milestone", "add", plan, c, "--title", "Publish", "--start", "2026-03-01", "--end", "2026-12-31")
	key := filepath.Join(t.TempDir(), "key")
	out := u.ok("key", "new", "--name", "Minister", "-o", key)
	lines := strings.Split(out, "\n")
	fp = lines[len(lines)-1]
	u.ok("member", "key", plan, "me", key+".pub")
	u.ok("member", "role", plan, "me", "minister")
	u.ok("sign", plan, "--version", "1.0", "--key", key)
	dir = filepath.Join(t.TempDir(), "release")
	u.ok("export", plan, "--release", "1.0", "-o", dir)
	return plan, dir, fp
}

func sshVerify(t *testing.T, dir, identity string) error {
	t.Helper()
	sums, _ := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	cmd := exec.Command("ssh-keygen", "-Y", "verify", "-f", "allowed_signers", "-I", identity, "-n", "coplan-release", "-s", "SHA256SUMS.sig")
	cmd.Dir, cmd.Stdin = dir, bytes.NewReader(sums)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Logf("ssh-keygen: %s", out)
	}
	return err
}

// The public check is anchored: a folder verifies only against a plan ID,
// a key fingerprint or an allowed_signers file published elsewhere (or a
// plan this device holds); with none it exits 3 and prints what to compare.
// A forger's folder (its own plan.json, SHA256SUMS, allowed_signers and
// signature, all consistent) passes ssh-keygen with its own allowed_signers
// but fails against the real plan ID and key.
func TestVerifyAnchors(t *testing.T) {
	minister := newUser(t, "Siân Ŵyn", "Cabinet Office", "government")
	plan, dir, fp := signedRelease(t, minister, "Cynllun Gweithredu")
	forger := newUser(t, "Mallory", "Nowhere", "government")
	forgedPlan, forged, forgedFP := signedRelease(t, forger, "Cynllun Gweithredu")
	public := newUser(t, "", "", "") // holds neither plan
	published := filepath.Join(t.TempDir(), "allowed_signers")
	raw, _ := os.ReadFile(filepath.Join(dir, "allowed_signers"))
	if err := os.WriteFile(published, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	// A forger who swaps only some files is caught with no anchor at all.
	partial := t.TempDir()
	for _, n := range []string{"plan.pdf", "plan.html", "plan.md", "timeline.ics", "VERIFY.txt", "release.json", "authority.proof"} {
		b, _ := os.ReadFile(filepath.Join(dir, n))
		os.WriteFile(filepath.Join(partial, n), b, 0o644)
	}
	for _, n := range []string{"plan.json", "SHA256SUMS", "SHA256SUMS.sig", "allowed_signers"} {
		b, _ := os.ReadFile(filepath.Join(forged, n))
		os.WriteFile(filepath.Join(partial, n), b, 0o644)
	}

	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"genuine, by plan ID", []string{dir, "--id", plan}, 0, "verified against: plan ID"},
		{"genuine, by key", []string{dir, "--signer", fp}, 0, "verified against: signer"},
		{"genuine, by published allowed_signers", []string{dir, "--allowed-signers", published}, 0, "verified against: signer"},
		{"genuine, no anchor", []string{dir}, 3, "signer is not authenticated"},
		{"genuine, another plan's ID", []string{dir, "--id", forgedPlan}, 1, "release.json"},
		{"forged, real plan ID", []string{forged, "--id", plan}, 1, "release.json: the release is of another plan"},
		{"forged, real key", []string{forged, "--signer", fp}, 1, "SHA256SUMS.sig"},
		{"forged, real allowed_signers", []string{forged, "--allowed-signers", published}, 1, "not the published key"},
		{"forged, no anchor", []string{forged}, 3, "signer is not authenticated"},
		{"partly swapped", []string{partial}, 1, "does not match SHA256SUMS"},
		{"not a plan ID", []string{dir, "--id", "nope"}, 2, "not a plan ID"},
		{"not a fingerprint", []string{dir, "--signer", "abc"}, 2, "not a key fingerprint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := public.run(append([]string{"verify"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out+errs, tc.want) {
				t.Fatalf("exit %d (want %d), output lacks %q:\n%s%s", code, tc.code, tc.want, out, errs)
			}
			if tc.code == 3 && (!strings.Contains(errs, "plan ID:") || !strings.Contains(errs, "signing key:")) {
				t.Fatalf("exit 3 does not print the plan ID and key to compare:\n%s", errs)
			}
		})
	}
	if _, errs, _ := public.run("verify", forged); !strings.Contains(errs, forgedPlan) || !strings.Contains(errs, forgedFP) {
		t.Fatalf("no-anchor message does not show the folder's plan ID and key:\n%s", errs)
	}
	// The minister's own device holds the plan: that anchors it.
	if out, errs, code := minister.run("verify", dir); code != 0 || !strings.Contains(out, "plan at hand") {
		t.Fatalf("verify on the minister's device: exit %d\n%s%s", code, out, errs)
	}
	if out, errs, code := minister.run("verify", forged, "--plan", plan); code != 1 {
		t.Fatalf("forged folder against the real plan: exit %d\n%s%s", code, out, errs)
	}

	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Skip("ssh-keygen not installed (Debian: openssh-client)")
	}
	if err := sshVerify(t, dir, "sian.wyn@coplan"); err != nil {
		t.Fatalf("ssh-keygen refuses the genuine release: %v", err)
	}
	if err := sshVerify(t, forged, "mallory@coplan"); err != nil {
		t.Fatalf("ssh-keygen refuses the forged folder with its own allowed_signers (it cannot tell): %v", err)
	}
	cmd := exec.Command("sha256sum", "-c", "SHA256SUMS")
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c: %v %s", err, b)
	}
}

// A member without the authority is refused where it acts, and what it
// forces into a .coplan copy through automerge-go (a self-signed minister
// grant, a members-map record) changes nothing when the copy is merged.
func TestForcedGrantThroughMergeHasNoEffect(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	cso := newUser(t, "Eleni Papadopoulou", "Open Society Forum", "civil-society")
	plan := ann.ok("new", "--title", "Cynllun", "--country", "Cymru", "--period", "2025-2027")
	ann.ok("member", "add", plan, cso.device(), "--name", "Eleni Papadopoulou", "--side", "civil-society")
	stick := filepath.Join(t.TempDir(), "plan.coplan")
	ann.ok("export", plan, "-o", stick)
	cso.ok("import", stick)
	if _, errs, code := cso.run("member", "role", plan, "me", "minister"); code != 1 || !strings.Contains(errs, "only an administrator may grant roles") {
		t.Fatalf("cso gave itself the minister role: exit %d %s", code, errs)
	}
	before := ann.ok("member", "list", plan, "--json")

	// The forgery, written with cso's own device key.
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
	grant, err := authority.Sign(key, plan, st.LinksFor(dev, authority.KindGrantRole), time.Now(), authority.NewGrantRole(dev, authority.RoleMinister))
	if err != nil {
		t.Fatal(err)
	}
	saved, _ := p.Save()
	forged := forgeCopy(t, saved, "Set minister role", func(d *am.Doc) {
		putStatement(t, d, grant)
		members := am.NewMap()
		d.RootMap().Set("members", members)
		rec := am.NewMap()
		members.Set(dev.PeerID(), rec)
		rec.Set("name", "Eleni Papadopoulou")
		roles := am.NewMap()
		rec.Set("roles", roles)
		roles.Set("minister", true)
	})
	ann.ok("merge", plan, forged)
	if after := ann.ok("member", "list", plan, "--json"); after != before {
		t.Fatalf("members changed after merging the forgery:\nbefore %s\nafter  %s", before, after)
	}
	out := ann.ok("member", "list", plan)
	rows, refused, _ := strings.Cut(out, "\nRefused statements")
	if strings.Contains(rows, "Eleni Papadopoulou") && strings.Contains(rows, "minister") {
		t.Fatalf("the forged grant counts:\n%s", out)
	}
	if !strings.Contains(refused, "Give Eleni Papadopoulou the minister role") {
		t.Fatalf("the forged grant is not listed as refused:\n%s", out)
	}
}

// A plan made before signed authority is read-only and says how to
// upgrade; coplan upgrade makes the signed copy and says the others join
// it by invite.
func TestUpgradeLegacyPlan(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	d := am.New()
	root := d.RootMap()
	root.Set("schema", int64(doc.SchemaVersion))
	plan := am.NewMap()
	root.Set("plan", plan)
	old := "0123456789abcdef0123456789abcdef"
	plan.Set("id", old)
	plan.Set("title", "Old plan")
	plan.Set("vision", am.NewText(""))
	for _, k := range []string{"commitments", "comments", "timeline", "notes", "members", "actors"} {
		root.Set(k, am.NewMap())
	}
	if _, err := d.Commit("Create plan Old plan"); err != nil {
		t.Fatal(err)
	}
	lib, err := doc.OpenLibrary(ann.data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Adopt(d.Save(), doc.Author{})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()

	if _, errs, code := ann.run("show", old); code != 0 || !strings.Contains(errs, "coplan upgrade "+old) {
		t.Fatalf("show of a legacy plan: exit %d, stderr %s", code, errs)
	}
	if _, errs, code := ann.run("plan", "set", old, "title", "New"); code != 1 || !strings.Contains(errs, "coplan upgrade") {
		t.Fatalf("editing a legacy plan: exit %d, stderr %s", code, errs)
	}
	out, errs, code := ann.run("upgrade", old)
	if code != 0 || !strings.Contains(errs, "invite") || !strings.Contains(errs, "founded by you") {
		t.Fatalf("upgrade: exit %d\n%s%s", code, out, errs)
	}
	id := strings.TrimSpace(out)
	if id == old || !doc.ValidPlanID(id) {
		t.Fatalf("upgraded plan ID %q", id)
	}
	ann.ok("plan", "set", id, "title", "Upgraded")
	if c := ann.show(id); c.Title != "Upgraded" || len(c.Members) != 1 || c.Members[0].Name != "Ann Jones" {
		t.Fatalf("upgraded plan %+v", c)
	}
	if _, errs, code := ann.run("upgrade", id); code != 1 || !strings.Contains(errs, "needs no upgrade") {
		t.Fatalf("upgrading a signed plan: exit %d %s", code, errs)
	}
}
