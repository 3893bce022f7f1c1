package cli_test

import (
	"crypto/ed25519"
	"os"
	"strings"
	"testing"
	"time"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
)

// A copy whose marks were forged through automerge-go (a plain mark entry,
// and a named draft signed by a device that is no member, reusing Ann's
// label on other heads) merges without moving Ann's draft; coplan versions
// lists the forged statement as refused.
func TestCLIForgedMarksRefused(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	plan := ann.ok("new", "--title", "UK NAP 6", "--country", "United Kingdom")
	ann.ok("draft", plan, "For consultation")
	before := ann.ok("versions", plan, "--json")
	edited := forgeCopy(t, ann.exportedBytes(plan), "an edit to name", func(d *am.Doc) {
		cm, _ := d.RootMap().Get("plan")
		if err := cm.Map().Set("country", "Elsewhere"); err != nil {
			t.Fatal(err)
		}
	})
	raw, err := os.ReadFile(edited)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := doc.DecodeFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	forged := forgeCopy(t, saved, "forged marks", func(d *am.Doc) {
		var heads []string
		for _, h := range d.Heads() {
			heads = append(heads, h.String())
		}
		sv, _ := d.RootMap().Get("statements")
		vals, _ := sv.Map().Values()
		var genesis authority.ID
		for _, v := range vals {
			if st, err := authority.Parse(v.Bytes()); err == nil && st.Kind == authority.KindGenesis {
				genesis = st.ID
			}
		}
		_, stranger, _ := ed25519.GenerateKey(nil)
		forgedDraft, err := authority.Sign(stranger, plan, authority.Links{Parents: []authority.ID{genesis}}, time.Now(),
			authority.NewNamedDraft("For consultation", heads))
		if err != nil {
			t.Fatal(err)
		}
		putStatement(t, d, forgedDraft)
		mark := am.NewMap()
		if err := d.RootMap().Set("mark:forged", mark); err != nil {
			t.Fatal(err)
		}
		_ = mark.Set("kind", "draft")
		_ = mark.Set("label", "Forged draft")
		_ = mark.Set("heads", strings.Join(heads, ","))
	})
	ann.ok("merge", plan, forged)

	if after := ann.ok("versions", plan, "--json"); after != before {
		t.Fatalf("the named versions changed:\nbefore %s\nafter  %s", before, after)
	}
	out := ann.ok("versions", plan)
	if !strings.Contains(out, "Refused, counts for nothing: named draft “For consultation” claimed by 12D3KooW") ||
		!strings.Contains(out, "not a member") || strings.Contains(out, "Forged draft") {
		t.Fatalf("versions:\n%s", out)
	}
	if show := ann.ok("show", plan, "--at", "draft:For consultation"); strings.Contains(show, "Elsewhere") {
		t.Fatalf("the draft shows the forger's version:\n%s", show)
	}
}
