package export

import (
	"bytes"
	"encoding/json"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/coplan/coplan/doc"
)

func sampleDiff() doc.PlanDiff {
	a := sampleContent()
	b := sampleContent()
	b.Commitments[0].Description = "Publish each <b>contract</b> *now*."
	a.Commitments[0].Description = "Publish every <b>contract</b> *now*."
	b.Commitments[1].Response = "Because the law already covers it."
	b.Commitments = append(b.Commitments, doc.Commitment{ID: "c3", Number: 3, Title: "Open budgets", State: doc.Proposal})
	b.Timeline[0].Date = "2027-11-01"
	d := doc.DiffContent(a, b)
	d.From = doc.Version{Kind: doc.VersionDraft, Label: "For consultation", Time: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}
	d.To = doc.Version{Kind: doc.VersionRelease, Label: "1.0", Time: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	return d
}

func TestDiffRenderings(t *testing.T) {
	d := sampleDiff()
	for _, tc := range []struct {
		name   string
		render func(doc.PlanDiff) []byte
		want   []string
		never  []string
	}{
		{"text", DiffText, []string{"Draft against final: Plan <b>&</b> ŵ", "From draft “For consultation” (1 November 2026, 10:00 UTC)",
			"To   release 1.0", "Publish [-every-]{+each+} <b>contract</b> *now*.", "Commitment 3: Open budgets — added",
			"Entry “IRM report” — changed", "2 commitments changed; 1 commitment added; 1 timeline entry changed."}, nil},
		{"markdown", DiffMarkdown, []string{"# Draft against final: Plan &lt;b>&&lt;/b> ŵ", "Publish ~~every~~**each** &lt;b>contract&lt;/b> \\*now\\*.",
			"## Commitment 2: Rejected one — changed", "## Proposals not adopted", "- **2. Rejected one**: Because the law already covers it."},
			[]string{"<b>contract"}},
		{"html", DiffHTML, []string{"<h1>Draft against final: Plan &lt;b&gt;&amp;&lt;/b&gt; ŵ</h1>",
			"Publish <del>every</del><ins>each</ins> &lt;b&gt;contract&lt;/b&gt; *now*.", "<h2>Proposals not adopted</h2>",
			"<li><strong>2. Rejected one</strong>: Because the law already covers it.</li>"},
			[]string{"<script", "<b>contract", "http://", "https://", "src="}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := string(tc.render(d))
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(out, n) {
					t.Errorf("contains %q", n)
				}
			}
			if string(tc.render(d)) != out {
				t.Error("two renderings differ")
			}
		})
	}
	d.From.Kind = doc.VersionNow
	if h := DiffHeading(d); h != "Changes" {
		t.Fatalf("heading %q", h)
	}
	if s := diffSummary(doc.DiffContent(sampleContent(), sampleContent())); s != "The two versions hold the same plan." {
		t.Fatalf("summary of no change %q", s)
	}
}

func TestDraftRenderings(t *testing.T) {
	c := sampleContent()
	d := DraftMark{Version: "draft “For consultation” (1a2b3c4d)", Heads: []string{"1a2b3c4d"}, Date: time.Date(2026, 11, 1, 14, 0, 0, 0, time.UTC)}
	line := "Draft — not signed · version draft “For consultation” (1a2b3c4d) · 1 November 2026, 14:00 UTC"
	if d.Line() != line {
		t.Fatalf("line %q", d.Line())
	}
	var back doc.Content
	if err := json.Unmarshal(DraftJSON(c, d), &back); err != nil || back.ID != c.ID || len(back.Commitments) != 2 {
		t.Fatalf("the draft JSON is no longer the plan's JSON view: %v", err)
	}
	if md := string(DraftMarkdown(c, d)); !strings.HasPrefix(md, "**"+line+"**\n\n# Plan") {
		t.Fatalf("markdown starts %.120q", md)
	}
	if h := string(DraftHTML(c, d)); !strings.Contains(h, `<div class="draft" role="note">`+template.HTMLEscapeString(line)+`</div>`) {
		t.Fatal("no banner")
	}
	if h := string(HTML(c, &SignOff{Version: "1.0", SignedAt: d.Date})); strings.Contains(h, "not signed") {
		t.Fatal("a signed release carries the draft mark")
	}
	stamps := map[string]EventStamp{"t1": {Sequence: 3, Modified: time.Date(2026, 10, 2, 9, 30, 15, 0, time.UTC)}}
	now := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	cal := string(DraftICS(c, d, stamps, now))
	for _, want := range []string{"UID:timeline-t1@p1.coplan", "SEQUENCE:3", "LAST-MODIFIED:20261002T093015Z", "DTSTAMP:20261102T080000Z",
		"X-WR-CALNAME:Plan <b>&</b> ŵ (Draft — not signed\\, draft", "UID:milestone-m1@p1.coplan"} {
		if !strings.Contains(cal, want) {
			t.Errorf("calendar lacks %q:\n%s", want, cal)
		}
	}
	if strings.Count(cal, "SEQUENCE:") != 1 {
		t.Errorf("an item without a stamp got a SEQUENCE:\n%s", cal)
	}
	n := doc.Note{ID: "n", Title: "Forum *3*", Date: "2026-11-01", Attendees: "Ann, Bryn", Body: "We agreed.\n\n<script>x</script>"}
	if md := string(NotesMarkdown(n)); !strings.HasPrefix(md, "# Forum \\*3\\*\n\n**Date:** 2026-11-01  \n**Attendees:** Ann, Bryn\n\nWe agreed.") {
		t.Fatalf("notes markdown:\n%s", md)
	}
	if h := string(NotesHTML(n)); strings.Contains(h, "<script") || !strings.Contains(h, "<p>We agreed.</p>") {
		t.Fatalf("notes html:\n%s", h)
	}
	if p, err := NotesPDF(n); err != nil || !bytes.HasPrefix(p, []byte("%PDF-")) {
		t.Fatalf("notes pdf: %v", err)
	}
}
