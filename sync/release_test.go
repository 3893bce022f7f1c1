package sync

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/release"
)

// A release signed on one laptop travels over libp2p with the plan and
// verifies on another, which exports byte-identical files.
func TestReleaseSyncsAndVerifies(t *testing.T) {
	g := newGroup(t, "Minister", "Bo")
	a, b := g[0], g[1]
	cid := commitmentID(t, a.p)
	must(t, a.p.SetCommitmentState(cid, doc.Adopted))
	must(t, a.p.SetCommitmentShort(cid, doc.FieldLead, "Ministry of Finance"))
	must(t, a.p.SetCommitmentValues(cid, doc.Values{Transparency: true}))
	mid, err := a.p.AddMilestone(cid, "Publish contracts")
	must(t, err)
	must(t, a.p.SetMilestoneField(cid, mid, "start", "2025-03-01"))
	must(t, a.p.SetMilestoneField(cid, mid, "end", "2025-12-31"))
	priv, _, err := release.NewKey("minister", nil)
	must(t, err)
	signer, err := ssh.ParsePrivateKey(priv)
	must(t, err)
	// The founder (an administrator) says it is on the government side,
	// then takes the minister role.
	must(t, a.p.AddMember(doc.Member{PeerID: a.author.PeerID, Name: a.name, Org: a.author.Org, Side: doc.Government}))
	must(t, a.p.SetMemberRole(a.author.PeerID, doc.RoleMinister, true))
	must(t, a.p.AddMemberKey(a.author.PeerID, signer))
	must(t, a.p.Commit())
	if _, _, err := release.Sign(a.p, "1.0", signer, time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}

	syncOnce(t, a, b)
	if !sameHeads(a, b) {
		t.Fatal("heads differ after sync")
	}
	if len(b.p.Releases()) != 1 {
		t.Fatalf("B holds %d releases after sync, want 1", len(b.p.Releases()))
	}
	dirA, dirB := t.TempDir(), t.TempDir()
	if _, err := release.Export(a.p, "1.0", dirA); err != nil {
		t.Fatal(err)
	}
	if _, err := release.Export(b.p, "1.0", dirB); err != nil {
		t.Fatal(err)
	}
	if _, err := release.VerifyDir(dirB, b.p); err != nil {
		t.Fatalf("release does not verify on the receiving peer: %v", err)
	}
	ents, err := os.ReadDir(dirA)
	must(t, err)
	for _, e := range ents {
		x, _ := os.ReadFile(filepath.Join(dirA, e.Name()))
		y, _ := os.ReadFile(filepath.Join(dirB, e.Name()))
		if string(x) != string(y) {
			t.Fatalf("%s differs between the two peers' exports", e.Name())
		}
	}
}
