package cli_test

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	am "github.com/automerge/automerge-go"
	"golang.org/x/crypto/ssh"

	"github.com/coplan/coplan/cli"
	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
	"github.com/coplan/coplan/doc/release"
)

// A civil-society member who has the minister's published public key tries
// to register it on its own record, to block the minister's sign-off: the
// CLI refuses it in one line and writes nothing; forced into a .coplan copy
// through automerge-go (with no proof, or one made with the member's own
// key) and merged, it counts for nothing, and the minister registers the
// key and signs a release that verifies.
func TestKeySquattingRefused(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	cso := newUser(t, "Eleni Papadopoulou", "Open Society Forum", "civil-society")
	plan := ann.ok("new", "--title", "Cynllun", "--country", "Cymru", "--period", "2026-2027")
	ann.ok("member", "add", plan, cso.device(), "--name", "Eleni Papadopoulou", "--side", "civil-society")
	ann.ok("member", "role", plan, "me", "minister")
	annKey := filepath.Join(t.TempDir(), "ann")
	out := ann.ok("key", "new", "--name", "Ann Jones", "-o", annKey)
	fp := out[strings.LastIndex(out, "\n")+1:]
	published := filepath.Join(t.TempDir(), "ann.pub") // as the government publishes it
	pub, _ := os.ReadFile(annKey + ".pub")
	if err := os.WriteFile(published, pub, 0o644); err != nil {
		t.Fatal(err)
	}
	stick := filepath.Join(t.TempDir(), "plan.coplan")
	ann.ok("export", plan, "-o", stick)
	cso.ok("import", stick)

	// Where it is made: the CLI needs the private key, which cso lacks.
	csoKey := filepath.Join(t.TempDir(), "eleni")
	cso.ok("key", "new", "--name", "Eleni", "-o", csoKey)
	mixed := filepath.Join(t.TempDir(), "ann")
	own, _ := os.ReadFile(csoKey)
	if err := os.WriteFile(mixed, own, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mixed+".pub", pub, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, file, want string
	}{
		{"the published key alone", published, "private key is not at hand"},
		{"the published key beside one's own private key", mixed + ".pub", "the private key beside it (ann) is another key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := cli.FolderHash(t, cso.data)
			_, errs, code := cso.run("member", "key", plan, "me", tc.file)
			if code != 1 || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
				t.Fatalf("exit %d, stderr %q, want one line with %q", code, errs, tc.want)
			}
			if cli.FolderHash(t, cso.data) != before {
				t.Fatal("a refused registration wrote to the data folder")
			}
		})
	}

	// Forced: registrations signed by cso's device, written into a copy.
	devKey := cso.deviceKey()
	dev, _ := authority.DeviceOfKey(devKey)
	p, err := doc.ReadFile(stick, doc.Author{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := p.Authority()
	if err != nil {
		t.Fatal(err)
	}
	key, gotFP, err := authority.ParseSigningKey(string(pub))
	if err != nil || gotFP != fp {
		t.Fatalf("published key: %v (fingerprint %s, key new printed %s)", err, gotFP, fp)
	}
	ownSigner, done, err := release.LoadSigner(csoKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	sig, err := ownSigner.Sign(rand.Reader, authority.KeyProofData(plan, dev, dev, key))
	if err != nil {
		t.Fatal(err)
	}
	saved, _ := p.Save()
	forged := forgeCopy(t, saved, "Register signing key of Eleni Papadopoulou", func(d *am.Doc) {
		for _, proof := range [][]byte{nil, ssh.Marshal(sig)} {
			b := authority.RegisterKey{Member: dev, Key: key, Fingerprint: fp, Proof: proof}
			s, err := authority.Sign(devKey, plan, st.LinksFor(dev, authority.KindRegisterKey), time.Now(), b)
			if err != nil {
				t.Fatal(err)
			}
			putStatement(t, d, s)
		}
	})
	ann.ok("merge", plan, forged)
	blob := strings.Fields(key)[1]
	if js := ann.ok("member", "list", plan, "--json"); strings.Contains(js, blob) {
		t.Fatalf("the squatted key counts:\n%s", js)
	}
	list := ann.ok("member", "list", plan)
	_, refused, _ := strings.Cut(list, "\nRefused statements")
	if strings.Count(refused, "Register signing key of Eleni Papadopoulou") != 2 || strings.Count(refused, "holds the signing key") != 2 {
		t.Fatalf("the forged registrations are not listed as refused, with the reason:\n%s", list)
	}

	// The minister registers her key (by its .pub, the private key beside
	// it) and signs; the release verifies from the plan ID.
	if out := ann.ok("member", "key", plan, "me", annKey+".pub"); !strings.Contains(out, "registered "+fp+" to Ann Jones") {
		t.Fatalf("member key: %s", out)
	}
	c := strings.TrimSpace(ann.ok("commitment", "add", plan, "--title", "Open contracts"))
	for _, kv := range [][]string{{"state", "adopted"}, {"lead", "Cabinet Office"}, {"values", "transparency"}} {
		ann.ok("commitment", "set", plan, c, kv[0], kv[1])
	}
	ann.ok("milestone", "add", plan, c, "--title", "Publish", "--start", "2026-03-01", "--end", "2026-12-31")
	ann.ok("sign", plan, "--version", "1.0", "--key", annKey)
	dir := filepath.Join(t.TempDir(), "release")
	ann.ok("export", plan, "--release", "1.0", "-o", dir)
	public := newUser(t, "", "", "")
	if out := public.ok("verify", dir, "--id", plan); !strings.Contains(out, "OK") {
		t.Fatalf("verify: %s", out)
	}
	// And the squatter's copy, once synced, agrees.
	ann.ok("export", plan, "-o", stick)
	cso.ok("merge", plan, stick)
	if out := cso.ok("member", "list", plan, "--json"); !strings.Contains(out, blob) {
		t.Fatalf("the minister's key is not registered on the squatter's copy:\n%s", out)
	}
}
