package doc

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func showJSON(t testing.TB, c Content) string {
	t.Helper()
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A version opened at a past point shows exactly what a copy saved at
// that point shows, however the version is named.
func TestPastVersionEqualsSavedCopy(t *testing.T) {
	clock := &fakeClock{t: at(9, 0)}
	ann := newTestPlanAt(t, clock)
	c1, _ := ann.AddCommitment(NewCommitment{Title: "Open contracting"})
	c2, _ := ann.AddCommitment(NewCommitment{Title: "Beneficial ownership"})
	ann.SetText(CommitmentText(c1, "description"), "Publish every contract.")
	tl, _ := ann.AddTimeline("Consultation", "2025-12-01", "")
	if err := ann.Commit(); err != nil {
		t.Fatal(err)
	}
	mau := replica(t, ann, maurice)
	autoCommit(t, mau, clock)

	type point struct {
		name  string
		saved []byte
		refs  []string
	}
	var points []point
	save := func(name string, refs ...string) {
		t.Helper()
		saved, err := ann.Save()
		if err != nil {
			t.Fatal(err)
		}
		hs := ann.Heads()
		var prefixes []string
		for _, h := range hs {
			prefixes = append(prefixes, h[:10])
		}
		refs = append(refs, strings.Join(hs, ","), strings.Join(prefixes, " "),
			clock.t.Local().Format("2006-01-02 15:04:05"))
		points = append(points, point{name, saved, refs})
	}

	clock.advance(time.Minute)
	if _, err := ann.SaveDraft("Draft for consultation, 1 Nov"); err != nil {
		t.Fatal(err)
	}
	save("first draft", "draft:Draft for consultation, 1 Nov", "Draft for consultation, 1 Nov")

	// Both edit apart, then merge: the version has two heads until the
	// next edit.
	clock.advance(time.Minute)
	ann.SetText(CommitmentText(c1, "description"), "Publish every contract over £10,000.")
	ann.SetCommitmentState(c2, Agreed)
	ann.Commit()
	mau.SetText(CommitmentText(c1, "description"), "Publish every contract, in full.")
	mau.SetTimelineField(tl, "date", "2025-12-15")
	mau.Commit()
	exchange(t, ann, mau)
	if len(ann.Heads()) != 2 {
		t.Fatalf("heads %v: the merge should leave two", ann.Heads())
	}
	save("merged")

	clock.advance(time.Minute)
	if err := ann.RemoveCommitment(c2); err != nil {
		t.Fatal(err)
	}
	ann.Commit()
	if err := ann.AddRelease(ReleaseRecord{Label: "1.0", Heads: ann.Heads(), SignedAt: clock.t,
		Manifest: []byte(`{"test":"resolution only"}`), SumsSig: []byte("-")}); err != nil {
		t.Fatal(err)
	}
	ann.Commit()
	rel := ann.Releases()[0]
	save("signed", "release:1.0", "1.0")
	// The release's version is its heads, not the change storing it.
	points[len(points)-1].refs = points[len(points)-1].refs[:2]
	points = append(points, point{"signed (heads)", points[len(points)-1].saved, []string{strings.Join(rel.Heads, ",")}})

	clock.advance(time.Hour)
	ann.SetText(CommitmentText(c1, "title"), "Open contracting everywhere")
	ann.Commit()

	for _, pt := range points {
		want := mustLoad(t, pt.saved).Content()
		for _, ref := range pt.refs {
			t.Run(pt.name+"/"+ref, func(t *testing.T) {
				old, err := ann.At(ref)
				if err != nil {
					t.Fatal(err)
				}
				if got := showJSON(t, old.Content()); got != showJSON(t, want) {
					t.Fatalf("version %s differs from the copy saved then:\n%s\nwant\n%s", ref, got, showJSON(t, want))
				}
				if _, ok := old.Version(); !ok {
					t.Fatal("the copy does not say which version it shows")
				}
				if err := old.SetPlanField("title", "x"); err == nil {
					t.Fatal("a past version accepted an edit")
				}
			})
		}
	}
	if now, err := ann.At("now"); err != nil || showJSON(t, now.Content()) != showJSON(t, ann.Content()) {
		t.Fatalf("now: %v", err)
	}
	if _, ok := ann.Version(); ok {
		t.Fatal("the plan itself claims to be a past version")
	}

	// A draft and a release share a label: the bare label is ambiguous.
	if _, err := ann.SaveDraft("1.0"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ref  string
		want error
		says string
	}{
		{"1.0", ErrAmbiguous, "release 1.0 and draft “1.0”"},
		{"draft:nope", ErrNotFound, `no draft "nope"`},
		{"meeting:nope", ErrNotFound, "no meeting"},
		{"zzz", ErrNotFound, "no release, draft, meeting, time or change"},
		{"abc", ErrInvalid, "at least 4 digits"},
		{"ffffffff", ErrNotFound, "no change ffffffff"},
		{"2000-01-01", ErrNotFound, "no changes by 2000-01-01"},
	} {
		t.Run("refuses "+tc.ref, func(t *testing.T) {
			_, err := ann.ResolveVersion(tc.ref)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v, want %v saying %q", err, tc.want, tc.says)
			}
		})
	}
	if _, err := ann.SaveDraft("Draft for consultation, 1 Nov"); !errors.Is(err, ErrDraftExists) {
		t.Fatalf("a second draft under one label: %v", err)
	}
}

func mustLoad(t testing.TB, saved []byte) *Plan {
	t.Helper()
	p, err := LoadPlan(saved, Author{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
