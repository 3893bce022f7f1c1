package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/term"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/release"
	"github.com/coplan/coplan/internal/atomicfile"
)

// Sign-off commands: signing keys, roles, the readiness check, co-chair
// endorsements, the minister's signature, the export of a signed release and
// its verification.

func runMemberRole(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 3); err != nil {
		return err
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		peer, err := resolvePeer(p, args[1])
		if err != nil {
			return err
		}
		on := str(fs, "off") != "true"
		if err := p.SetMemberRole(peer, strings.ToLower(args[2]), on); err != nil {
			return err
		}
		m, _ := p.Member(peer)
		fmt.Fprintf(e.Stdout, "%s (%s): roles %s\n", m.Name, m.Side, rolesText(m))
		return nil
	})
}

// runMemberAdd admits a device as a member (an administrator's act), or
// confirms the name, organisation and side of one that joined.
func runMemberAdd(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 2); err != nil {
		return err
	}
	name := strings.TrimSpace(str(fs, "name"))
	if name == "" || str(fs, "side") == "" {
		return usageErr("--name and --side are required")
	}
	side, err := doc.ParseSide(str(fs, "side"))
	if err != nil {
		return err
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		if err := p.AddMember(doc.Member{PeerID: args[1], Name: name, Org: str(fs, "org"), Side: side}); err != nil {
			return err
		}
		m, _ := p.Member(args[1])
		fmt.Fprintf(e.Stdout, "%s  %s, %s (%s): member, %s\n", m.PeerID, m.Name, m.Org, m.Side, m.Status)
		return nil
	})
}

// runMemberKey registers the key you sign with to your own record. The
// registration carries a signature made with the key (so nobody registers
// a published key that is not theirs), hence the private key: the file
// itself, or FILE.pub held by ssh-agent or with the private key beside it.
func runMemberKey(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 3); err != nil {
		return err
	}
	signer, done, err := loadKeyAt(e, fs, args[2], release.LoadKeySigner)
	if err != nil {
		return err
	}
	defer done()
	return e.edit(args[0], func(p *doc.Plan) error {
		peer, err := resolvePeer(p, args[1])
		if err != nil {
			return err
		}
		if err := p.AddMemberKey(peer, signer); err != nil {
			return err
		}
		m, _ := p.Member(peer)
		fmt.Fprintf(e.Stdout, "registered %s to %s\n", release.Fingerprint(signer.PublicKey()), m.Name)
		return nil
	})
}

func runSettings(e *Env, fs *flag.FlagSet, args []string) error {
	switch len(args) {
	case 1:
		return e.read(args[0], func(p *doc.Plan) error {
			printSettings(e, p.Settings())
			return nil
		})
	case 3:
		if args[1] != "endorsements" {
			return usageErr("unknown setting %q (want endorsements)", args[1])
		}
		var on bool
		switch strings.ToLower(args[2]) {
		case "required", "on", "yes", "true":
			on = true
		case "optional", "off", "no", "false":
		default:
			return usageErr("endorsements %q (want required or optional)", args[2])
		}
		return e.edit(args[0], func(p *doc.Plan) error {
			if err := p.SetEndorsementsRequired(on); err != nil {
				return err
			}
			printSettings(e, p.Settings())
			return nil
		})
	}
	return usageErr("want PLAN, or PLAN endorsements required|optional")
}

func runCheck(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	return e.read(args[0], func(p *doc.Plan) error {
		printStatuses(e, p)
		probs := release.Check(p.Content())
		if len(probs) == 0 {
			fmt.Fprintln(e.Stdout, "Ready to sign: every commitment has its decision, and every adopted one its lead agency, OGP values and dated milestones.")
			return nil
		}
		for _, pr := range probs {
			fmt.Fprintln(e.Stdout, pr.String())
		}
		return fmt.Errorf("%w: %d item(s) missing", release.ErrNotReady, len(probs))
	})
}

// endorse is `coplan endorse` once withSigner has the key and the plan.
func endorse(e *Env, p *doc.Plan, label string, signer ssh.Signer) error {
	rec, err := release.Endorse(p, label, signer, time.Now())
	if err != nil {
		return err
	}
	m, _ := p.Member(rec.Peer)
	fmt.Fprintf(e.Stdout, "%s (%s co-chair) endorsed version %s (content %s)\n", m.Name, m.Side, label, rec.ContentSHA256[:16])
	return nil
}

// sign is `coplan sign` once withSigner has the key and the plan.
func sign(e *Env, p *doc.Plan, label string, signer ssh.Signer) error {
	rec, m, err := release.Sign(p, label, signer, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "Signed version %s of %q as %s (minister), key %s\nrelease %s, heads %s\n",
		m.Version, m.Plan.Title, m.Signer.Name, m.Signer.KeyFingerprint, rec.ID, strings.Join(m.Heads, ","))
	fmt.Fprintf(e.Stdout, "Publish it with: coplan export %s --release %s -o DIR\n", p.ID(), m.Version)
	return nil
}

func runReleases(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	return e.read(args[0], func(p *doc.Plan) error {
		if len(p.Releases()) == 0 {
			fmt.Fprintln(e.Stdout, "No signed releases yet.")
			return nil
		}
		printStatuses(e, p)
		return nil
	})
}

// exportRelease writes a signed release's files into dir (export --release).
func exportRelease(e *Env, ref, label, dir string) error {
	if dir == "" || dir == "-" {
		return usageErr("-o DIR is required with --release")
	}
	return e.read(ref, func(p *doc.Plan) error {
		m, err := release.Export(p, label, dir)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "Wrote version %s of %q to %s\nCheck it with: coplan verify %s\n", m.Version, m.Plan.Title, dir, dir)
		return nil
	})
}

// errNotAuthenticated is verify's exit 3: the folder is self-consistent
// but no anchor from outside it says whose plan and key these are.
type errNotAuthenticated struct{ planID, fingerprint string }

func (e *errNotAuthenticated) Error() string {
	return fmt.Sprintf("the files are self-consistent, but the signer is not authenticated: the folder cannot vouch for itself.\n"+
		"  plan ID:          %s\n  signing key:      %s\n"+
		"Compare both with the ones the government publishes on an official channel, then check against them:\n"+
		"  coplan verify DIR --id %s   or   coplan verify DIR --signer %s", e.planID, e.fingerprint, e.planID, e.fingerprint)
}

func runVerify(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	dir := args[0]
	var a release.Anchor
	a.PlanID = strings.TrimSpace(str(fs, "id"))
	if a.PlanID != "" && !doc.ValidPlanID(strings.ToLower(a.PlanID)) {
		return usageErr("--id %q is not a plan ID (32 hex digits)", a.PlanID)
	}
	for _, fp := range *fs.Lookup("signer").Value.(*listFlag) {
		if !strings.HasPrefix(fp, "SHA256:") {
			return usageErr("--signer %q is not a key fingerprint (SHA256:…)", fp)
		}
		a.Signers = append(a.Signers, fp)
	}
	if f := str(fs, "allowed-signers"); f != "" {
		raw, err := os.ReadFile(f)
		if err != nil {
			return usageErr("--allowed-signers: %v", err)
		}
		fps, err := release.AllowedSignerFingerprints(raw)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		a.Signers = append(a.Signers, fps...)
	}
	ref := str(fs, "plan")
	if ref == "" && a.PlanID == "" && len(a.Signers) == 0 {
		// A plan this device holds is an anchor from outside the folder.
		if raw, err := os.ReadFile(filepath.Join(dir, release.FileManifest)); err == nil {
			if m, err := release.ParseManifest(raw); err == nil && doc.ValidPlanID(m.Plan.ID) {
				if lib, err := e.Library(); err == nil && lib.Exists(m.Plan.ID) {
					ref = m.Plan.ID
				}
			}
		}
	}
	if ref != "" {
		p, err := e.OpenPlan(ref, false)
		if err != nil {
			return err
		}
		defer p.Abandon()
		a.Plan = p
	}
	rep, err := release.Verify(dir, a)
	if errors.Is(err, release.ErrNotAnchored) {
		return &errNotAuthenticated{planID: rep.PlanID, fingerprint: rep.Fingerprint}
	}
	if err != nil {
		return err
	}
	m := rep.Manifest
	fmt.Fprintf(e.Stdout, "OK: version %s of %q, signed %s by %s (minister), key %s\n", m.Version, m.Plan.Title,
		m.SignedAt.UTC().Format("2006-01-02 15:04 UTC"), m.Signer.Name, m.Signer.KeyFingerprint)
	fmt.Fprintf(e.Stdout, "%d files match SHA256SUMS; plan.json matches the signed content hash\n", len(rep.Files))
	fmt.Fprintf(e.Stdout, "the plan's signed statements, from its genesis (plan %s), show the signer held the minister role with this key\n", m.Plan.ID)
	for _, en := range m.Endorsements {
		fmt.Fprintf(e.Stdout, "endorsed by %s (%s co-chair), key %s\n", en.Name, en.Side, en.KeyFingerprint)
	}
	fmt.Fprintf(e.Stdout, "verified against: %s\n", strings.Join(rep.Anchors, ", "))
	if rep.PlanChecked {
		fmt.Fprintln(e.Stdout, "the plan's history has this content at the signed heads, and its own statements hold the release valid")
	}
	return nil
}

func runKeyNew(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 0); err != nil {
		return err
	}
	name := strings.TrimSpace(str(fs, "name"))
	if name == "" {
		return usageErr("--name is required")
	}
	out := str(fs, "o")
	if out == "" {
		out = filepath.Join(e.ConfigDir, "keys", strings.TrimSuffix(release.Identity(name), "@coplan")+"_ed25519")
	}
	for _, f := range []string{out, out + ".pub"} {
		if _, err := os.Stat(f); err == nil {
			return fmt.Errorf("%w: %s exists; not overwriting a key", doc.ErrInvalid, f)
		}
	}
	var pass []byte
	if pf := str(fs, "passphrase-file"); pf != "" {
		var err error
		if pass, err = readPassFile(pf); err != nil {
			return err
		}
	} else if str(fs, "passphrase") == "true" {
		var err error
		if pass, err = askPassphrase(e, "New passphrase: ", true); err != nil {
			return err
		}
	}
	priv, pub, err := release.NewKey(name, pass)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(out, priv, 0o600); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(out+".pub", pub, 0o644); err != nil {
		return err
	}
	pk, _, _ := release.ParsePublicKey(pub)
	fmt.Fprintf(e.Stdout, "%s\n%s.pub\n%s\n", out, out, release.Fingerprint(pk))
	fmt.Fprintf(e.Stderr, "Register it with: coplan member key PLAN me %s (the private key: registering signs a proof with it that the key is yours)\n", out)
	return nil
}

// loadSigner opens --key, asking for a passphrase only when the key has one.
func loadSigner(e *Env, fs *flag.FlagSet) (ssh.Signer, func(), error) {
	return loadKeyAt(e, fs, str(fs, "key"), release.LoadSigner)
}

// loadKeyAt opens the key at path with load, asking for its passphrase
// (or reading --passphrase-file) only when the key has one.
func loadKeyAt(e *Env, fs *flag.FlagSet, path string, load func(string, func() ([]byte, error)) (ssh.Signer, func(), error)) (ssh.Signer, func(), error) {
	pass := func() ([]byte, error) {
		if pf := str(fs, "passphrase-file"); pf != "" {
			return readPassFile(pf)
		}
		return askPassphrase(e, "Passphrase for "+path+": ", false)
	}
	return load(path, pass)
}

func readPassFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return []byte(strings.TrimRight(string(b), "\r\n")), nil
}

// askPassphrase reads a passphrase from the terminal without echo, or one
// line of standard input when that is not a terminal (scripts, tests).
func askPassphrase(e *Env, prompt string, confirm bool) ([]byte, error) {
	if f, ok := e.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.Stderr, prompt)
		p, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.Stderr)
		if err != nil {
			return nil, err
		}
		if confirm {
			fmt.Fprint(e.Stderr, "Again: ")
			again, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(e.Stderr)
			if err != nil {
				return nil, err
			}
			if string(again) != string(p) {
				return nil, errors.New("the passphrases differ")
			}
		}
		return p, nil
	}
	if e.Stdin == nil {
		return nil, release.ErrNeedPassphrase
	}
	line, err := bufio.NewReader(e.Stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return nil, fmt.Errorf("%w: none on standard input", release.ErrNeedPassphrase)
	}
	return []byte(strings.TrimRight(line, "\r\n")), nil
}

// resolvePeer finds a member by peer ID, unique ID prefix, name, or "me"
// (the member this device belongs to).
func resolvePeer(p *doc.Plan, ref string) (string, error) {
	if strings.EqualFold(ref, "me") {
		a := p.Author()
		if a.PeerID == "" {
			return "", fmt.Errorf("%w: no device identity", doc.ErrInvalid)
		}
		m, ok := p.Member(a.PeerID)
		if !ok || m.Removed {
			return "", fmt.Errorf("%w: this device (%s) is not a member of the plan; an administrator adds it with coplan member add %s %s --name NAME --side SIDE",
				doc.ErrNotFound, a.PeerID, p.ID()[:8], a.PeerID)
		}
		return m.PeerID, nil
	}
	var byPrefix, byName []string
	for _, m := range p.Members() {
		if m.PeerID == ref {
			return ref, nil
		}
		if strings.HasPrefix(m.PeerID, ref) {
			byPrefix = append(byPrefix, m.PeerID)
		}
		if strings.EqualFold(m.Name, strings.TrimSpace(ref)) {
			byName = append(byName, m.PeerID)
		}
	}
	for _, found := range [][]string{byPrefix, byName} {
		switch len(found) {
		case 1:
			return found[0], nil
		case 0:
		default:
			return "", fmt.Errorf("%w: member %q matches %d", doc.ErrAmbiguous, ref, len(found))
		}
	}
	return "", fmt.Errorf("%w: member %q", doc.ErrNotFound, ref)
}

func rolesText(m doc.Member) string {
	if len(m.Roles) == 0 {
		return "none"
	}
	return strings.Join(m.Roles, ", ")
}

func printSettings(e *Env, s doc.Settings) {
	if s.EndorsementsRequired {
		fmt.Fprintln(e.Stdout, "endorsements: required (both co-chairs endorse a version before the minister signs it)")
	} else {
		fmt.Fprintln(e.Stdout, "endorsements: optional")
	}
}

// printStatuses says, per release, whether the plan changed since: after
// sign-off editing goes on as the next draft.
func printStatuses(e *Env, p *doc.Plan) {
	for _, st := range release.Statuses(p) {
		m := st.Manifest
		if m == nil {
			fmt.Fprintf(e.Stdout, "Release %s: unreadable manifest\n", st.Record.Label)
			continue
		}
		state := "the plan is unchanged since"
		if st.Changed {
			state = "the plan has changed since"
		}
		fmt.Fprintf(e.Stdout, "Release %s (%s), signed %s by %s: %s release %s\n", m.Version, st.Record.ID,
			m.SignedAt.UTC().Format("2006-01-02"), m.Signer.Name, state, m.Version)
	}
}

// withSigner runs a signing command: PLAN, --version and --key checked, the
// key loaded (asking for its passphrase if needed), the plan opened for
// writing; nothing is written if fn fails.
func withSigner(fn func(e *Env, p *doc.Plan, label string, signer ssh.Signer) error) func(*Env, *flag.FlagSet, []string) error {
	return func(e *Env, fs *flag.FlagSet, args []string) error {
		if err := nargs(args, 1); err != nil {
			return err
		}
		label := str(fs, "version")
		if label == "" || str(fs, "key") == "" {
			return usageErr("--version and --key are required")
		}
		signer, done, err := loadSigner(e, fs)
		if err != nil {
			return err
		}
		defer done()
		return e.edit(args[0], func(p *doc.Plan) error { return fn(e, p, label, signer) })
	}
}
