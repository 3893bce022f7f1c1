package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/crypto/ssh"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/release"
)

// releasesScreen is sign-off: the signed releases, the readiness check,
// signing as minister, endorsing as co-chair, exporting a release and
// verifying an exported folder.
type releasesScreen struct {
	ws       *workspace
	statuses []release.Status
	problems []release.Problem

	releases  *fyne.Container
	readiness *fyne.Container
	sign      *widget.Button
	signHint  *widget.Label // why Sign is off, when it is
	endorse   *widget.Button
	export    *widget.Button

	// The open signing or endorsing form; tests fill it in.
	keyPath string
	label   *widget.Entry
	pass    *widget.Entry
	form    dialog.Dialog
	confirm func()
	// shown is the last result dialog's text, for tests.
	shown string
}

func newReleasesScreen(ws *workspace) *releasesScreen { return &releasesScreen{ws: ws} }

func (r *releasesScreen) buildUI() fyne.CanvasObject {
	r.sign = widget.NewButtonWithIcon("Sign as minister…", theme.ConfirmIcon(), func() {
		r.pickKey("Sign as minister", "Choose the minister's signing key (an OpenSSH private key file, or a .pub key held by ssh-agent)."+r.registeredKeys(), r.askSign)
	})
	r.sign.Importance = widget.HighImportance
	r.signHint = widget.NewLabel("")
	r.signHint.Importance = widget.LowImportance
	r.signHint.Wrapping = fyne.TextWrapWord
	r.endorse = widget.NewButtonWithIcon("Endorse as co-chair…", theme.ConfirmIcon(), func() {
		r.pickKey("Endorse as co-chair", "Choose your signing key as co-chair (an OpenSSH private key file, or a .pub key held by ssh-agent).", r.askEndorse)
	})
	r.export = widget.NewButtonWithIcon("Export release…", theme.DocumentSaveIcon(), func() {
		if n := len(r.statuses); n > 0 {
			r.pickExportFolder(r.statuses[n-1].Record.ID)
		}
	})
	verify := widget.NewButtonWithIcon("Verify a folder…", theme.SearchIcon(), r.pickVerifyFolder)
	hint := widget.NewLabel("The minister signs a release with an OpenSSH Ed25519 key registered to them on the Members screen. " +
		"Anyone can check an exported release with ssh-keygen -Y verify and sha256sum.")
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance
	r.releases = container.NewVBox()
	r.readiness = container.NewVBox()
	r.load()
	top := container.NewVBox(subHeading("Releases and sign-off"), hint, container.NewHBox(r.sign, r.endorse, r.export, verify), r.signHint, widget.NewSeparator())
	body := container.NewVBox(sectionLabel("Signed releases"), r.releases, widget.NewSeparator(), sectionLabel("Readiness check"), r.readiness)
	return container.NewBorder(top, nil, nil, nil, container.NewVScroll(body))
}

func listerFor(dir string) (fyne.ListableURI, error) {
	return storage.ListerForURI(storage.NewFileURI(dir))
}

func (r *releasesScreen) load() {
	p := r.ws.plan
	r.statuses = release.Statuses(p)
	r.problems = release.Check(p.Content())
	// Endorsing is offered to a co-chair's device, when endorsements are
	// required; the roles are the plan's signed statements'.
	me, isMember := p.Member(r.ws.ui.cfg.Author.PeerID)
	if p.Settings().EndorsementsRequired && isMember && !me.Removed && me.HasRole(doc.RoleCoChair) {
		r.endorse.Show()
	} else {
		r.endorse.Hide()
	}
	if len(r.statuses) == 0 {
		r.export.Disable()
	} else {
		r.export.Enable()
	}
	ok, why := r.canSignAsMinister()
	if ok {
		r.sign.Enable()
		r.signHint.Hide()
	} else {
		r.sign.Disable()
		r.signHint.SetText(why)
		r.signHint.Show()
	}
	// Offered only to the minister's device; everyone else reads why.
	if m, found := p.Member(r.ws.ui.cfg.Author.PeerID); found && !m.Removed && m.HasRole(doc.RoleMinister) {
		r.sign.Show()
	} else {
		r.sign.Hide()
	}
	r.showReleases()
	r.showReadiness()
}

func (r *releasesScreen) showReleases() {
	r.releases.Objects = nil
	if len(r.statuses) == 0 {
		l := widget.NewLabel("No signed release yet.")
		l.Importance = widget.LowImportance
		r.releases.Add(l)
	}
	for i := len(r.statuses) - 1; i >= 0; i-- { // newest first
		st := r.statuses[i]
		signer := st.Record.SignerPeer
		if m := st.Manifest; m != nil {
			signer = m.Signer.Name
			if m.Signer.Org != "" {
				signer += " (" + m.Signer.Org + ")"
			}
		}
		name := widget.NewLabel(st.Record.Label)
		name.TextStyle = fyne.TextStyle{Bold: true}
		who := widget.NewLabel(fmt.Sprintf("signed by %s on %s", signer, st.Record.SignedAt.Local().Format("2 Jan 2006 15:04")))
		who.Truncation = fyne.TextTruncateEllipsis
		state := widget.NewLabel("The plan is as signed")
		state.Importance = widget.SuccessImportance
		if st.Manifest == nil {
			state.SetText("Unreadable release record")
			state.Importance = widget.DangerImportance
		} else if st.Changed {
			state.SetText(fmt.Sprintf("The plan has changed since (%s): a new version needs a new signature", plural(st.Changes, "change")))
			state.Importance = widget.WarningImportance
		}
		state.Wrapping = fyne.TextWrapWord
		id := st.Record.ID
		exp := widget.NewButtonWithIcon("Export…", theme.DocumentSaveIcon(), func() { r.pickExportFolder(id) })
		r.releases.Add(container.NewBorder(nil, nil, name, exp, who))
		r.releases.Add(state)
	}
	if r.ws.plan.Settings().EndorsementsRequired {
		var ends []string
		for _, e := range r.ws.plan.Endorsements() {
			who := shortID(e.Peer)
			if m, ok := r.ws.plan.Member(e.Peer); ok {
				who = m.Name
			}
			ends = append(ends, fmt.Sprintf("%s endorsed version %s on %s", who, e.Label, e.At.Local().Format("2 Jan 2006")))
		}
		txt := "Both co-chairs must endorse a version before the minister signs it. No endorsements yet."
		if len(ends) > 0 {
			txt = "Both co-chairs must endorse a version before the minister signs it.\n" + strings.Join(ends, "\n")
		}
		l := widget.NewLabel(txt)
		l.Wrapping = fyne.TextWrapWord
		r.releases.Add(l)
	}
	r.releases.Refresh()
}

// showReadiness lists what is missing, grouped per commitment; a
// commitment's heading opens it.
func (r *releasesScreen) showReadiness() {
	r.readiness.Objects = nil
	if len(r.problems) == 0 {
		l := widget.NewLabel("Ready to sign: every commitment has a decision, every proposal not adopted a reasoned response, and every adopted one a lead agency, OGP values and dated milestones.")
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.SuccessImportance
		r.readiness.Add(l)
		r.readiness.Refresh()
		return
	}
	sum := widget.NewLabel(fmt.Sprintf("Not ready: %s missing", items(len(r.problems))))
	sum.Importance = widget.WarningImportance
	sum.TextStyle = fyne.TextStyle{Bold: true}
	r.readiness.Add(sum)
	var lines []string
	flush := func() {
		if len(lines) > 0 {
			l := widget.NewLabel(strings.Join(lines, "\n"))
			l.Wrapping = fyne.TextWrapWord
			r.readiness.Add(l)
			lines = nil
		}
	}
	for i, pr := range r.problems {
		if i == 0 || pr.Commitment != r.problems[i-1].Commitment {
			flush()
			if pr.Commitment == 0 {
				r.readiness.Add(sectionLabel("Plan"))
			} else {
				id := pr.CommitmentID
				b := widget.NewButtonWithIcon(fmt.Sprintf("%d. %s", pr.Commitment, orDefault(pr.Title, "Untitled")), theme.NavigateNextIcon(),
					func() { r.ws.openCommitment(id) })
				b.Alignment = widget.ButtonAlignLeading
				b.Importance = widget.LowImportance
				r.readiness.Add(b)
			}
		}
		lines = append(lines, "    • "+pr.Detail)
	}
	flush()
	r.readiness.Refresh()
}

func items(n int) string { return plural(n, "item") }

func (r *releasesScreen) refresh(bool) { r.load() }
func (r *releasesScreen) close()       {}

// canSignAsMinister reports whether this device may sign a release now,
// and if not why, in words: the readiness check must pass and this
// device's member hold the minister role, as the plan's signed statements
// establish it (doc.Plan.Member reads the authority State).
func (r *releasesScreen) canSignAsMinister() (ok bool, why string) {
	mem, found := r.ws.plan.Member(r.ws.ui.cfg.Author.PeerID)
	minister := found && !mem.Removed && mem.HasRole(doc.RoleMinister)
	switch {
	case !minister && len(r.problems) > 0:
		return false, "Only the minister signs, once the readiness check below passes; this laptop's member is not the minister."
	case !minister:
		return false, "Only the minister signs: this laptop's member does not hold the minister role (see Members and peers)."
	case len(r.problems) > 0:
		return false, "Signing opens once the readiness check below passes."
	case len(mem.Keys) == 0:
		return false, "Register your signing key (the .pub file of your OpenSSH Ed25519 key) on the Members screen first: a release is signed with a key registered by the minister's own laptop."
	}
	return true, ""
}

// registeredKeys names this device's member's registered signing keys by
// fingerprint, so the minister knows which key file is meant.
func (r *releasesScreen) registeredKeys() string {
	mem, ok := r.ws.plan.Member(r.ws.ui.cfg.Author.PeerID)
	if !ok {
		return ""
	}
	var fps []string
	for _, k := range mem.Keys {
		if pub, comment, err := release.ParsePublicKey([]byte(k)); err == nil {
			fps = append(fps, strings.TrimSpace(release.Fingerprint(pub)+" "+comment))
		}
	}
	switch len(fps) {
	case 0:
		return ""
	case 1:
		return " It is the key registered to you on the Members screen: " + fps[0] + "."
	}
	return " It is one of the keys registered to you on the Members screen: " + strings.Join(fps, ", ") + "."
}

// pickKey says in words which key is wanted, then asks for the key file
// and hands its path on.
func (r *releasesScreen) pickKey(title, prompt string, then func(path string)) {
	msg := widget.NewLabel(prompt)
	msg.Wrapping = fyne.TextWrapWord
	ask := dialog.NewCustomConfirm(title, "Choose key file…", "Cancel", msg, func(ok bool) {
		if ok {
			r.openKeyFile(then)
		}
	}, r.ws.ui.win)
	ask.Resize(fyne.NewSize(460, 0))
	ask.Show()
}

// openKeyFile asks for the key file, starting in ~/.ssh.
func (r *releasesScreen) openKeyFile(then func(path string)) {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil {
			r.ws.errorf(err)
			return
		}
		if rc == nil {
			return
		}
		path := rc.URI().Path()
		rc.Close()
		then(path)
	}, r.ws.ui.win)
	if home, err := os.UserHomeDir(); err == nil {
		if l, err := listerFor(filepath.Join(home, ".ssh")); err == nil {
			d.SetLocation(l)
		}
	}
	d.Show()
}

// askSign asks for the version label (and the key's passphrase, if it has
// one) and signs.
func (r *releasesScreen) askSign(path string) {
	label := "1.0"
	if n := len(r.statuses); n > 0 {
		label = ""
	}
	r.askKeyForm(path, "Sign as minister", "Sign", label, func(s ssh.Signer, closeKey func()) error {
		if n := len(r.problems); n > 0 {
			closeKey()
			return fmt.Errorf("not ready: %s missing (see the readiness check)", items(n))
		}
		lbl := strings.TrimSpace(r.label.Text)
		r.signing("Signing release "+lbl+"…", "Signing the release manifest with your key.", closeKey, func() error {
			_, _, err := release.Sign(r.ws.plan, lbl, s, now())
			return err
		}, "Release signed", fmt.Sprintf("Release %s is signed. It syncs to every member; export it to publish it.", lbl))
		return nil
	})
}

// askEndorse asks for the version label and endorses it as co-chair.
func (r *releasesScreen) askEndorse(path string) {
	r.askKeyForm(path, "Endorse as co-chair", "Endorse", "", func(s ssh.Signer, closeKey func()) error {
		lbl := strings.TrimSpace(r.label.Text)
		r.signing("Endorsing version "+lbl+"…", "Signing your endorsement of the plan as it is now.", closeKey, func() error {
			_, err := release.Endorse(r.ws.plan, lbl, s, now())
			return err
		}, "Version endorsed", fmt.Sprintf("You endorsed version %s of the plan as it is now. Any later edit needs a new endorsement.", lbl))
		return nil
	})
}

// signing runs sign in the background, closes the key after it, and says
// msg under heading once it is done.
func (r *releasesScreen) signing(title, status string, closeKey func(), sign func() error, heading, msg string) {
	started := r.busy(title, status, false, func() error {
		defer closeKey()
		return sign()
	}, func() {
		r.load()
		r.result(heading, msg)
	})
	if !started {
		closeKey()
	}
}

// askKeyForm shows the label (and passphrase) form for the key at path;
// on confirm it loads the key and calls use with it and its closer, which
// use must call once done with the key (after background signing: an
// agent key's connection must outlive the form).
func (r *releasesScreen) askKeyForm(path, title, verb, label string, use func(s ssh.Signer, closeKey func()) error) {
	_, closeKey, err := release.LoadSigner(path, nil)
	needPass := errors.Is(err, release.ErrNeedPassphrase)
	if err != nil && !needPass {
		r.ws.errorf(keyError(err))
		return
	}
	if closeKey != nil {
		closeKey()
	}
	r.keyPath = path
	r.label = widget.NewEntry()
	r.label.SetPlaceHolder("e.g. 1.0 or Final draft")
	r.label.SetText(label)
	fitems := []*widget.FormItem{widget.NewFormItem("Key", widget.NewLabel(filepath.Base(path))), widget.NewFormItem("Version label", r.label)}
	r.pass = nil
	if needPass {
		r.pass = widget.NewPasswordEntry()
		fitems = append(fitems, widget.NewFormItem("Passphrase", r.pass))
	}
	r.confirm = func() {
		if strings.TrimSpace(r.label.Text) == "" {
			r.ws.errorf(errors.New("a version label is needed, e.g. 1.0"))
			return
		}
		s, closeKey, err := release.LoadSigner(path, func() ([]byte, error) {
			if r.pass == nil {
				return nil, release.ErrNeedPassphrase
			}
			return []byte(r.pass.Text), nil
		})
		if err != nil {
			r.ws.errorf(keyError(err))
			return
		}
		if err := use(s, closeKey); err != nil {
			r.ws.errorf(err)
		}
	}
	r.form = dialog.NewForm(title, verb, "Cancel", fitems, func(ok bool) {
		if ok {
			r.confirm()
		}
	}, r.ws.ui.win)
	r.form.Resize(fyne.NewSize(460, 0))
	r.form.Show()
}

// busy runs work off the UI thread behind a progress dialog saying status
// (rendering a large plan's PDF takes a while), then done on the UI thread.
// With cancellable, Cancel drops work's result. It reports false, running
// nothing, while other work runs.
func (r *releasesScreen) busy(title, status string, cancellable bool, work func() error, done func()) bool {
	return r.ws.ui.runTask(title, status, cancellable, func(*task) error { return work() }, func(err error) {
		switch {
		case canceled(err):
		case err != nil:
			r.ws.errorf(signOffError(err))
		default:
			done()
		}
	})
}

func (r *releasesScreen) result(title, msg string) {
	r.shown = msg
	r.ws.ui.showInfo(title, msg)
}

// keyError says in words why a key could not be used.
func keyError(err error) error {
	switch {
	case errors.Is(err, release.ErrWrongPassphrase):
		return errors.New("wrong passphrase for the key")
	case errors.Is(err, release.ErrNoAgent), errors.Is(err, release.ErrNotInAgent):
		return fmt.Errorf("a .pub file means the key held by ssh-agent: %w", err)
	}
	return fmt.Errorf("cannot use this key: %w", err)
}

// signOffError turns a refusal into a sentence for a dialog.
func signOffError(err error) error {
	var nr *release.NotReadyError
	switch {
	case errors.As(err, &nr):
		return fmt.Errorf("not ready: %s missing (see the readiness check)", items(len(nr.Problems)))
	case errors.Is(err, release.ErrKeyNotRegistered):
		return errors.New("key not registered to a minister: register its .pub file to the minister on the Members screen first")
	case errors.Is(err, release.ErrNotMinister):
		return fmt.Errorf("key not registered to a minister: %w", err)
	case errors.Is(err, release.ErrNotCoChair):
		return fmt.Errorf("key not registered to a co-chair: %w", err)
	case errors.Is(err, release.ErrNotEndorsed):
		return fmt.Errorf("not endorsed yet: %w", err)
	case errors.Is(err, doc.ErrReleaseExists):
		return fmt.Errorf("%w: choose another version label", err)
	}
	return err
}

// pickExportFolder asks where to export a release, then exports it into a
// folder of its own there.
func (r *releasesScreen) pickExportFolder(id string) {
	d := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
		if err != nil {
			r.ws.errorf(err)
			return
		}
		if l == nil {
			return
		}
		r.exportTo(id, l.Path())
	}, r.ws.ui.win)
	d.Show()
}

// exportTo writes release id into a new folder inside parent and shows
// VERIFY.txt.
func (r *releasesScreen) exportTo(id, parent string) {
	rec, err := release.Find(r.ws.plan, id)
	if err != nil {
		r.ws.errorf(err)
		return
	}
	dir := filepath.Join(parent, fileNameFor(r.ws.plan.Info().Title)+"-"+fileNameFor(rec.Label))
	r.busy("Exporting release "+rec.Label+"…", "Writing the plan, its signature and checksums into "+filepath.Base(dir)+".", false, func() error {
		_, err := release.Export(r.ws.plan, id, dir)
		return err
	}, func() {
		text, err := os.ReadFile(filepath.Join(dir, release.FileVerify))
		if err != nil {
			r.ws.errorf(err)
			return
		}
		r.shown = dir + "\n" + string(text)
		r.showText("Release exported", "Release "+rec.Label+" is in "+dir+". Publish the whole folder; VERIFY.txt says how anyone can check it:", string(text), dir)
	})
}

// showText shows a message, a long monospace text and a folder to copy.
func (r *releasesScreen) showText(title, msg, text, dir string) {
	m := widget.NewLabel(msg)
	m.Wrapping = fyne.TextWrapWord
	t := widget.NewTextGridFromString(text)
	copyBtn := widget.NewButtonWithIcon("Copy folder path", theme.ContentCopyIcon(), func() { r.ws.ui.app.Clipboard().SetContent(dir) })
	scroll := container.NewScroll(t)
	scroll.SetMinSize(fyne.NewSize(620, 260))
	d := dialog.NewCustom(title, "Done", container.NewBorder(m, container.NewHBox(copyBtn), nil, nil, scroll), r.ws.ui.win)
	d.Resize(fyne.NewSize(700, 460))
	d.Show()
}

func (r *releasesScreen) pickVerifyFolder() {
	d := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
		if err != nil {
			r.ws.errorf(err)
			return
		}
		if l == nil {
			return
		}
		r.verify(l.Path())
	}, r.ws.ui.win)
	d.Show()
}

// verify checks an exported release folder against its signature and this
// plan, and says what was established or the first thing wrong.
func (r *releasesScreen) verify(dir string) {
	var rep *release.Report
	r.busy("Verifying…", "Checking the signature and every file in "+filepath.Base(dir)+".", true, func() error {
		var err error
		rep, err = release.VerifyDir(dir, r.ws.plan)
		if err != nil {
			return fmt.Errorf("%s does not verify: %w", dir, err)
		}
		return nil
	}, func() {
		m := rep.Manifest
		msg := fmt.Sprintf("Release %s of “%s” is genuine.\n\nSigned by %s (%s), minister, on %s with key %s.\nEvery file matches the signed SHA256SUMS (%s).",
			m.Version, m.Plan.Title, m.Signer.Name, m.Signer.Org, m.SignedAt.Local().Format("2 Jan 2006 15:04"), m.Signer.KeyFingerprint, plural(len(rep.Files), "file"))
		if len(m.Endorsements) > 0 {
			var names []string
			for _, e := range m.Endorsements {
				names = append(names, e.Name)
			}
			msg += "\nEndorsed by " + strings.Join(names, " and ") + "."
		}
		if rep.PlanChecked {
			msg += "\nChecked against this plan: the signed content is the plan at that version, and the signer held the minister role."
		}
		r.result("Release verified", msg)
	})
}
