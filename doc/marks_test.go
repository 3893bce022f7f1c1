package doc

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc/authority"
)

// Marking a version without the right is refused where it is made, in one
// line, and nothing is written; with the right it works.
func TestMarksRefusedWhereMade(t *testing.T) {
	ann, bea := twoMembers(t)
	m, err := ann.StartMeeting("Forum 1", nil)
	if err != nil {
		t.Fatal(err)
	}
	bea = replica(t, ann, beaA)
	unchanged := func(t *testing.T, p *Plan, act func() error, want error) {
		t.Helper()
		before, _ := p.Save()
		heads := p.Heads()
		err := act()
		if !errors.Is(err, want) {
			t.Fatalf("got %v, want %v", err, want)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Fatalf("not one line: %q", err)
		}
		after, _ := p.Save()
		if !slices.Equal(heads, p.Heads()) || !bytes.Equal(before, after) {
			t.Fatal("a refused mark wrote to the plan")
		}
	}
	t.Run("a member without a role starts a meeting", func(t *testing.T) {
		if err := bea.MayStartMeeting(); !errors.Is(err, authority.ErrNotAuthorized) {
			t.Fatalf("MayStartMeeting: %v", err)
		}
		unchanged(t, bea, func() error { _, err := bea.StartMeeting("Bea's meeting", nil); return err }, authority.ErrNotAuthorized)
		if n := len(bea.Notes()); n != 1 {
			t.Fatalf("%d meeting notes, want only Ann's", n)
		}
	})
	t.Run("a member without a role ends another's meeting", func(t *testing.T) {
		running, err := bea.RunningMeeting("")
		if err != nil || running.ID != m.ID {
			t.Fatalf("running %+v, %v", running, err)
		}
		if err := bea.MayEndMeeting(running); !errors.Is(err, authority.ErrNotAuthorized) {
			t.Fatalf("MayEndMeeting: %v", err)
		}
		unchanged(t, bea, func() error { _, err := bea.EndMeeting(""); return err }, authority.ErrNotAuthorized)
	})
	t.Run("any member names a draft", func(t *testing.T) {
		if err := bea.MayNameDraft(); err != nil {
			t.Fatal(err)
		}
		d, err := bea.SaveDraft("Bea's reading")
		if err != nil {
			t.Fatal(err)
		}
		if d.By != beaA.PeerID || !slices.Equal(d.Heads, bea.Heads()[:len(d.Heads)]) && len(d.Heads) == 0 {
			t.Fatalf("draft %+v", d)
		}
		mergeInto(t, ann, bea)
		if ds := ann.Drafts(); len(ds) != 1 || ds[0].ID != d.ID || !slices.Equal(ds[0].Heads, d.Heads) {
			t.Fatalf("Ann sees drafts %+v", ds)
		}
	})
	t.Run("a co-chair starts and ends a meeting", func(t *testing.T) {
		if _, err := ann.EndMeeting(""); err != nil {
			t.Fatal(err)
		}
		if err := ann.SetMemberRole(beaA.PeerID, RoleCoChair, true); err != nil {
			t.Fatal(err)
		}
		mergeInto(t, bea, ann)
		m2, err := bea.StartMeeting("Forum 2", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bea.EndMeeting(m2.ID); err != nil {
			t.Fatal(err)
		}
		mergeInto(t, ann, bea)
		ms := ann.Meetings()
		if len(ms) != 2 || ms[1].ID != m2.ID || !ms[1].Ended() || ms[1].StartedBy != beaA.PeerID {
			t.Fatalf("meetings %+v", ms)
		}
	})
}

type marksView struct {
	drafts, meetings []string
}

func marksOf(p *Plan) marksView {
	var v marksView
	for _, d := range p.Drafts() {
		v.drafts = append(v.drafts, d.ID+" "+d.Label+" "+strings.Join(d.Heads, ","))
	}
	for _, m := range p.Meetings() {
		v.meetings = append(v.meetings, m.ID+" "+m.Title+" "+strings.Join(m.StartHeads, ",")+" / "+strings.Join(m.EndHeads, ","))
	}
	return v
}

// A modified client writing marks into the document directly, or signing
// marks it has no right to, moves no draft or meeting on any peer: the
// document's entries are no statements, and the statements are refused and
// listed as refused.
func TestForcedMarksHaveNoEffect(t *testing.T) {
	setup := func(t *testing.T) (ann, other *Plan, draft Mark, meeting Meeting) {
		ann, _ = twoMembers(t)
		must(t, ann.SetPlanField("title", "Plan, first reading"))
		d, err := ann.SaveDraft("For consultation")
		if err != nil {
			t.Fatal(err)
		}
		m, err := ann.StartMeeting("Forum 1", nil)
		if err != nil {
			t.Fatal(err)
		}
		must(t, ann.SetPlanField("title", "Plan, second reading"))
		ann.Commit()
		return ann, replica(t, ann, annA), d, m
	}
	cases := []struct {
		name    string
		refused bool // a statement that must be listed as refused
		force   func(t *testing.T, p *Plan, d Mark, m Meeting)
	}{
		{"plain mark entries in the document", false, func(t *testing.T, p *Plan, d Mark, m Meeting) {
			forceInto(t, p, func(root *am.Map) {
				for key, kind := range map[string]string{"mark:forged-draft": "draft", "mark:" + d.ID: "draft", "mark:forged-end": "meeting-end"} {
					rec := am.NewMap()
					_ = root.Set(key, rec)
					_ = rec.Set("kind", kind)
					_ = rec.Set("label", d.Label)
					_ = rec.Set("meeting", m.ID)
					_ = rec.Set("heads", strings.Join(p.Heads(), ","))
					_ = rec.Set("by", beaA.PeerID)
				}
			})
		}},
		{"the draft's statement bytes replaced under its key", false, func(t *testing.T, p *Plan, d Mark, m Meeting) {
			forged := mustSign(t, p, beaA, authority.NewNamedDraft(d.Label, p.Heads()))
			forceInto(t, p, func(root *am.Map) {
				v, _ := root.Get(statementsKey)
				_ = v.Map().Set(d.ID, forged)
			})
		}},
		{"a member's draft naming an existing label on other heads", true, func(t *testing.T, p *Plan, d Mark, m Meeting) {
			forge(t, p, beaA, authority.NewNamedDraft(d.Label, p.Heads()))
		}},
		{"a member without a role starts a meeting", true, func(t *testing.T, p *Plan, d Mark, m Meeting) {
			forge(t, p, beaA, authority.NewMeetingStart("Bea's forum", p.Heads(), []string{"Bea Costa"}))
		}},
		{"a member without a role ends another's meeting", true, func(t *testing.T, p *Plan, d Mark, m Meeting) {
			start, _ := authority.ParseID(m.ID)
			forge(t, p, beaA, authority.NewMeetingEnd(start, p.Heads(), nil))
		}},
		{"a non-member names a draft", true, func(t *testing.T, p *Plan, d Mark, m Meeting) {
			forge(t, p, carlA, authority.NewNamedDraft("Carl's", p.Heads()))
		}},
		{"a draft whose signature does not verify", true, func(t *testing.T, p *Plan, d Mark, m Meeting) {
			raw := mustSign(t, p, annA, authority.NewNamedDraft("Tampered", p.Heads()))
			raw[len(raw)-1] ^= 1
			forceInto(t, p, func(root *am.Map) {
				v, _ := root.Get(statementsKey)
				_ = v.Map().Set(authority.StatementID(raw).String(), raw)
			})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ann, other, d, m := setup(t)
			want := marksOf(ann)
			if len(want.drafts) != 1 || len(want.meetings) != 1 {
				t.Fatalf("setup: %+v", want)
			}
			tc.force(t, ann, d, m)
			if got := marksOf(ann); !slices.Equal(got.drafts, want.drafts) || !slices.Equal(got.meetings, want.meetings) {
				t.Fatalf("marks changed where forced:\nbefore %+v\nafter  %+v", want, got)
			}
			mergeInto(t, other, ann)
			if got := marksOf(other); !slices.Equal(got.drafts, want.drafts) || !slices.Equal(got.meetings, want.meetings) {
				t.Fatalf("marks changed on another peer:\nbefore %+v\nafter  %+v", want, got)
			}
			v, err := other.ResolveVersion("draft:" + d.Label)
			if err != nil || !slices.Equal(v.Heads, d.Heads) {
				t.Fatalf("draft:%s resolves to %v, %v; want %v", d.Label, v.Heads, err, d.Heads)
			}
			if _, err := other.RunningMeeting(""); err != nil {
				t.Fatalf("the meeting no longer runs: %v", err)
			}
			refused := other.RefusedMarks()
			if tc.refused != (len(refused) == 1) {
				t.Fatalf("refused marks %+v", refused)
			}
			for _, r := range refused {
				if r.Reason == "" || r.ID == "" || r.Kind == "" {
					t.Fatalf("refused mark %+v", r)
				}
				t.Logf("refused: %s %q by %s: %s", r.Kind, r.Label, r.By, r.Reason)
			}
		})
	}
}

// mustSign signs a statement with a's key on p's links, checking nothing.
func mustSign(t *testing.T, p *Plan, a Author, body authority.Body) []byte {
	t.Helper()
	st, err := p.Authority()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := authority.Sign(a.Key, p.ID(), st.LinksFor(devOf(a), body.Kind()), p.now(), body)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// A meeting ended in the millisecond it started is ended: marks sort by
// time, and an end may sort before its start.
func TestMeetingEndedInItsStartMillisecond(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
	p := newTestPlanAt(t, clock)
	for i := range 8 {
		m, err := p.StartMeeting(fmt.Sprintf("Forum %d", i), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.EndMeeting(m.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range p.Meetings() {
		if !m.Ended() {
			t.Errorf("%s started and ended at %s shows as running", m.Title, clock.t)
		}
	}
}
