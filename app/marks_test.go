package app

import (
	"testing"
	"time"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
)

// A named draft forged by a member without the right to reuse a label (a
// modified client wrote it into the document through automerge-go) moves
// nothing; History lists it as refused, with who it claims to be from.
func TestHistoryListsRefusedMarks(t *testing.T) {
	f := newFixture(t)
	must(t, f.plan.AddMember(doc.Member{PeerID: bruno.PeerID, Name: bruno.Name, Org: bruno.Org, Side: bruno.Side}))
	if _, err := f.plan.SaveDraft("For consultation"); err != nil {
		t.Fatal(err)
	}
	must(t, f.plan.Commit())
	st, err := f.plan.Authority()
	if err != nil {
		t.Fatal(err)
	}
	dev, _ := authority.DeviceOfKey(bruno.Key)
	raw, err := authority.Sign(bruno.Key, f.plan.ID(), st.LinksFor(dev, authority.KindNamedDraft), time.Now(),
		authority.NewNamedDraft("For consultation", f.plan.Heads()[:1]))
	if err != nil {
		t.Fatal(err)
	}
	saved, err := f.plan.Save()
	if err != nil {
		t.Fatal(err)
	}
	d, err := am.Load(saved)
	if err != nil {
		t.Fatal(err)
	}
	sv, _ := d.RootMap().Get("statements")
	must(t, sv.Map().Set(authority.StatementID(raw).String(), raw))
	if _, err := d.Commit("forged draft"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.plan.Merge(d.Save()); err != nil {
		t.Fatal(err)
	}
	if ds := f.plan.Drafts(); len(ds) != 1 || ds[0].By != ana.PeerID {
		t.Fatalf("drafts %+v", ds)
	}
	h := f.history(t)
	if !hasText(texts(h.namedBox), "Refused, counts for nothing: A named draft “For consultation” claimed by Bruno Mensah. Already recorded") {
		t.Fatalf("named versions %q", texts(h.namedBox))
	}
}
