package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// signOffWorld is one data folder used by three people, each with their own
// config folder (profile and device identity), as on a shared office desk.
type signOffWorld struct {
	t    *testing.T
	data string
	cfg  map[string]string
}

func (w *signOffWorld) run(who string, stdin string, args ...string) (string, string, int) {
	w.t.Helper()
	var out, errb bytes.Buffer
	full := append([]string{"--data-dir", w.data, "--config-dir", w.cfg[who]}, args...)
	code := Run(full, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func (w *signOffWorld) ok(who string, args ...string) string {
	w.t.Helper()
	out, errs, code := w.run(who, "", args...)
	if code != 0 {
		w.t.Fatalf("coplan %s (as %s): exit %d\n%s%s", strings.Join(args, " "), who, code, out, errs)
	}
	return out
}

func (w *signOffWorld) fails(who string, want string, args ...string) string {
	w.t.Helper()
	out, errs, code := w.run(who, "", args...)
	if code == 0 {
		w.t.Fatalf("coplan %s (as %s) succeeded:\n%s", strings.Join(args, " "), who, out)
	}
	if !strings.Contains(out+errs, want) {
		w.t.Fatalf("coplan %s: output lacks %q:\n%s%s", strings.Join(args, " "), want, out, errs)
	}
	return out + errs
}

func TestCLISignOff(t *testing.T) {
	tmp := t.TempDir()
	w := &signOffWorld{t: t, data: filepath.Join(tmp, "data"), cfg: map[string]string{}}
	for _, who := range []string{"minister", "gov", "cso"} {
		w.cfg[who] = filepath.Join(tmp, who)
	}
	w.ok("minister", "profile", "set", "--name", "Siân Ŵyn", "--org", "Cabinet Office", "--side", "government")
	w.ok("gov", "profile", "set", "--name", "Gareth Jones", "--org", "Cabinet Office", "--side", "government")
	w.ok("cso", "profile", "set", "--name", "Eleni Papadopoulou", "--org", "Open Society Forum", "--side", "civil-society")
	plan := strings.TrimSpace(w.ok("minister", "new", "--title", "Cynllun Gweithredu 2026–2027", "--country", "Cymru", "--period", "2026-2027"))

	c1 := strings.TrimSpace(w.ok("minister", "commitment", "add", plan, "--title", "Agor contractau — Διαφάνεια"))
	c2 := strings.TrimSpace(w.ok("cso", "commitment", "add", plan, "--title", "Lobbying register"))

	// Not ready: check and sign list the same missing items.
	out := w.fails("minister", "not ready", "check", plan)
	for _, want := range []string{"no decision", "no lead implementing agency", "no OGP value", "no milestones"} {
		if !strings.Contains(out, want) {
			t.Fatalf("check lacks %q:\n%s", want, out)
		}
	}

	keys := filepath.Join(tmp, "keys")
	mustRel(t, os.WriteFile(filepath.Join(tmp, "pass"), []byte("correct horse\n"), 0o600))
	w.ok("minister", "key", "new", "--name", "Siân Ŵyn", "-o", filepath.Join(keys, "minister"), "--passphrase-file", filepath.Join(tmp, "pass"))
	w.ok("gov", "key", "new", "--name", "Gareth Jones", "-o", filepath.Join(keys, "gov"))
	w.ok("cso", "key", "new", "--name", "Eleni Papadopoulou", "-o", filepath.Join(keys, "cso"))
	w.fails("gov", "exists", "key", "new", "--name", "Gareth Jones", "-o", filepath.Join(keys, "gov"))
	// The founder (an administrator) admits the others by their devices;
	// each registers its own key from its own device.
	w.fails("gov", "not a member of the plan", "member", "key", plan, "me", filepath.Join(keys, "gov.pub"))
	w.ok("minister", "member", "add", plan, w.device("gov"), "--name", "Gareth Jones", "--org", "Cabinet Office", "--side", "government")
	w.ok("minister", "member", "add", plan, w.device("cso"), "--name", "Eleni Papadopoulou", "--org", "Open Society Forum", "--side", "civil-society")
	w.fails("cso", "only an administrator may confirm members", "member", "add", plan, w.device("gov"), "--name", "Gareth Jones", "--side", "government")
	// Registering signs a proof with the private key: FILE.pub finds it
	// beside the public key, and asks for its passphrase.
	w.fails("minister", "passphrase", "member", "key", plan, "me", filepath.Join(keys, "minister.pub"))
	w.ok("minister", "member", "key", plan, "me", filepath.Join(keys, "minister.pub"), "--passphrase-file", filepath.Join(tmp, "pass"))
	w.ok("gov", "member", "key", plan, "me", filepath.Join(keys, "gov.pub"))
	w.ok("cso", "member", "key", plan, "me", filepath.Join(keys, "cso.pub"))
	w.fails("cso", "registered only by a device of the member it belongs to", "member", "key", plan, "Gareth Jones", filepath.Join(keys, "cso.pub"))
	w.ok("minister", "member", "role", plan, "me", "minister")
	w.fails("cso", "only an administrator may grant roles", "member", "role", plan, "me", "minister")
	w.ok("minister", "member", "role", plan, "Gareth Jones", "co-chair")
	w.ok("minister", "member", "role", plan, "eleni papadopoulou", "co-chair")

	sign := []string{"sign", plan, "--version", "1.0", "--key", filepath.Join(keys, "minister"), "--passphrase-file", filepath.Join(tmp, "pass")}
	out = w.fails("minister", "not ready", sign...)
	if !strings.Contains(out, "no decision") {
		t.Fatalf("sign refusal does not list the missing items:\n%s", out)
	}

	for _, kv := range [][]string{{"state", "adopted"}, {"lead", "Swyddfa'r Cabinet"}, {"values", "transparency"}} {
		w.ok("minister", "commitment", "set", plan, c1, kv[0], kv[1])
	}
	w.ok("minister", "milestone", "add", plan, c1, "--title", "Cyhoeddi data — ŵ ŷ", "--start", "2026-03-01", "--end", "2026-12-31")
	w.ok("minister", "commitment", "set", plan, c2, "state", "not-adopted")
	w.fails("minister", "civil-society proposal not adopted without a reasoned response", "check", plan)
	w.ok("minister", "commitment", "set", plan, c2, "response", "Already before Parliament; Ελληνικά.")
	if out := w.ok("minister", "check", plan); !strings.Contains(out, "Ready to sign") {
		t.Fatalf("check: %s", out)
	}

	// Endorsements, once the plan requires them.
	w.ok("minister", "settings", plan, "endorsements", "required")
	w.fails("minister", "endorsement by the government co-chair and the civil-society co-chair", sign...)
	w.fails("minister", "co-chair role", "endorse", plan, "--version", "1.0", "--key", filepath.Join(keys, "minister"), "--passphrase-file", filepath.Join(tmp, "pass"))
	w.ok("gov", "endorse", plan, "--version", "1.0", "--key", filepath.Join(keys, "gov"))
	w.ok("cso", "endorse", plan, "--version", "1.0", "--key", filepath.Join(keys, "cso"))
	// The passphrase can come on standard input too; a wrong one fails.
	if _, errs, code := w.run("minister", "wrong\n", "sign", plan, "--version", "1.0", "--key", filepath.Join(keys, "minister")); code == 0 || !strings.Contains(errs, "passphrase") {
		t.Fatalf("wrong passphrase: exit %d %s", code, errs)
	}
	if out, errs, code := w.run("minister", "correct horse\n", "sign", plan, "--version", "1.0", "--key", filepath.Join(keys, "minister")); code != 0 {
		t.Fatalf("sign: %s%s", out, errs)
	}
	w.fails("minister", "exists", sign...)

	dir := filepath.Join(tmp, "out")
	w.ok("gov", "export", plan, "--release", "1.0", "-o", dir)
	out = w.ok("cso", "verify", dir)
	if !strings.Contains(out, "OK: version 1.0") || !strings.Contains(out, "held the minister role") {
		t.Fatalf("verify: %s", out)
	}

	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Log("ssh-keygen not installed (Debian: openssh-client): skipping the OpenSSH check")
	} else {
		sums, _ := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
		cmd := exec.Command("ssh-keygen", "-Y", "verify", "-f", "allowed_signers", "-I", "sian.wyn@coplan", "-n", "coplan-release", "-s", "SHA256SUMS.sig")
		cmd.Dir, cmd.Stdin = dir, bytes.NewReader(sums)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v %s", err, b)
		}
		cmd = exec.Command("sha256sum", "-c", "SHA256SUMS")
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sha256sum: %v %s", err, b)
		}
	}

	// Editing goes on; the release stays as signed and the plan says so.
	w.ok("gov", "commitment", "set", plan, c1, "contact", "agored@llyw.cymru")
	if out := w.ok("minister", "releases", plan); !strings.Contains(out, "has changed since release 1.0") {
		t.Fatalf("releases: %s", out)
	}
	dir2 := filepath.Join(tmp, "out2")
	w.ok("minister", "export", plan, "--release", "1.0", "-o", dir2)
	for _, n := range []string{"plan.pdf", "plan.html", "plan.md", "plan.json", "timeline.ics", "release.json", "SHA256SUMS", "SHA256SUMS.sig", "allowed_signers", "VERIFY.txt"} {
		a, _ := os.ReadFile(filepath.Join(dir, n))
		b, _ := os.ReadFile(filepath.Join(dir2, n))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two exports (or is empty)", n)
		}
	}

	// One changed byte: verify names the file and exits non-zero.
	html, _ := os.ReadFile(filepath.Join(dir, "plan.html"))
	html[len(html)/2] ^= 1
	mustRel(t, os.WriteFile(filepath.Join(dir, "plan.html"), html, 0o644))
	w.fails("cso", "plan.html", "verify", dir)
}

// device is the peer ID of who's device, as profile show prints it.
func (w *signOffWorld) device(who string) string {
	w.t.Helper()
	out := w.ok(who, "profile", "show")
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "device: "); ok {
			return strings.TrimSpace(v)
		}
	}
	w.t.Fatalf("profile show prints no device:\n%s", out)
	return ""
}

func mustRel(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
