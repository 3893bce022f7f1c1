package cli_test

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"testing"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
	p2psync "github.com/coplan/coplan/sync"
)

// These play a member with a modified client: they write a plan copy
// directly through automerge-go, past every check of the CLI and the app.

// deviceKey is u's device key, as its modified client would hold it.
func (u *user) deviceKey() ed25519.PrivateKey {
	u.t.Helper()
	id, err := p2psync.LoadOrCreateIdentity(u.conf)
	if err != nil {
		u.t.Fatal(err)
	}
	raw, _ := id.Key.Raw()
	key, err := doc.DeviceKey(raw)
	if err != nil {
		u.t.Fatal(err)
	}
	return key
}

// exportedBytes exports plan as u and returns the saved document inside.
func (u *user) exportedBytes(plan string) []byte {
	u.t.Helper()
	stick := filepath.Join(u.t.TempDir(), "plan.coplan")
	u.ok("export", plan, "-o", stick)
	raw, err := os.ReadFile(stick)
	if err != nil {
		u.t.Fatal(err)
	}
	saved, err := doc.DecodeFile(raw)
	if err != nil {
		u.t.Fatal(err)
	}
	return saved
}

// forgeCopy loads saved, lets edit write into it, commits that as msg and
// writes the result as a .coplan file, whose path it returns.
func forgeCopy(t *testing.T, saved []byte, msg string, edit func(d *am.Doc)) string {
	t.Helper()
	d, err := am.Load(saved)
	if err != nil {
		t.Fatal(err)
	}
	edit(d)
	if _, err := d.Commit(msg); err != nil {
		t.Fatal(err)
	}
	forged := filepath.Join(t.TempDir(), "forged.coplan")
	if err := os.WriteFile(forged, doc.EncodeFile(d.Save()), 0o644); err != nil {
		t.Fatal(err)
	}
	return forged
}

// putStatement writes signed statements into d's statements map.
func putStatement(t *testing.T, d *am.Doc, signed ...[]byte) {
	t.Helper()
	stmts, err := d.RootMap().Get("statements")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range signed {
		if err := stmts.Map().Set(authority.StatementID(s).String(), s); err != nil {
			t.Fatal(err)
		}
	}
}
