package export

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
)

func sampleContent() doc.Content {
	return doc.Content{Schema: 1, ID: "p1", Title: "Plan <b>&</b> ŵ", Country: "Ελλάδα", PeriodStart: "2026-01-01", PeriodEnd: "2027-12-31",
		Vision: "Para one.\n\n<script>alert(1)</script>",
		Commitments: []doc.Commitment{
			{ID: "c1", Number: 1, Title: "Adopted one", State: doc.Adopted, Lead: "Agency", Values: doc.Values{Transparency: true},
				Milestones: []doc.Milestone{{ID: "m1", Title: "Ship", Start: "2026-02-01", End: "2026-03-31"}}},
			{ID: "c2", Number: 2, Title: "Rejected one", State: doc.NotAdopted, Response: "Because.", Origin: doc.Origin{Side: doc.CivilSociety, Org: "CSO"}},
		},
		Comments: []doc.Comment{{ID: "x", Body: "chatter"}},
		Notes:    []doc.Note{{ID: "n", Title: "Meeting"}},
		Members:  []doc.Member{{PeerID: "peer", Name: "Ana", AddedAt: time.Now()}},
		Timeline: []doc.TimelineEntry{{ID: "t1", Title: "IRM report", Date: "2027-10-01"}},
	}
}

func TestCanonicalJSON(t *testing.T) {
	c := sampleContent()
	a := CanonicalJSON(c)
	// Process data does not move the hash.
	c.Comments, c.Notes = nil, nil
	c.Members = []doc.Member{{PeerID: "other", AddedAt: time.Now().Add(time.Hour)}}
	if !bytes.Equal(a, CanonicalJSON(c)) {
		t.Fatal("comments, notes or members changed the canonical content")
	}
	var v map[string]any
	if err := json.Unmarshal(a, &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"comments", "notes", "members", "schema"} {
		if _, ok := v[k]; ok {
			t.Errorf("canonical content has %q", k)
		}
	}
	if v["format"] != CanonicalFormat || !strings.HasPrefix(string(a), "{\n  \"format\"") || !bytes.HasSuffix(a, []byte("}\n")) {
		t.Fatalf("layout: %s", a[:40])
	}
	// The plan proper does move it.
	c.Commitments[0].Milestones[0].End = "2026-04-01"
	if bytes.Equal(a, CanonicalJSON(c)) || ContentSHA256(c) == ContentSHA256(sampleContent()) {
		t.Fatal("a milestone date did not change the canonical content")
	}
	// nil and empty lists are the same content.
	d := sampleContent()
	d.Commitments[1].Themes, d.Commitments[1].Milestones = []string{}, []doc.Milestone{}
	if ContentSHA256(d) != ContentSHA256(sampleContent()) {
		t.Fatal("nil and empty lists hash differently")
	}
}

func TestHTMLIsSafeAndSelfContained(t *testing.T) {
	page := string(HTML(sampleContent(), nil))
	for _, bad := range []string{"<script", "<b>&", "http://", "https://", "<link", "src="} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, want := range []string{"Plan &lt;b&gt;&amp;&lt;/b&gt; ŵ", "Annex: proposals not adopted", "Because.", "1.1", "Ship", "chatter"} {
		if want == "chatter" {
			if strings.Contains(page, want) {
				t.Error("comments were published")
			}
			continue
		}
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if i, j := strings.Index(page, "Adopted one"), strings.Index(page, "Rejected one"); i < 0 || j < i {
		t.Error("the annex should follow the commitments")
	}
}

func TestICS(t *testing.T) {
	cal := string(ICS(sampleContent(), &SignOff{Version: "1.0", SignedAt: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}))
	for _, want := range []string{"BEGIN:VCALENDAR", "UID:milestone-m1@p1.coplan", "DTSTART;VALUE=DATE:20260201", "DTEND;VALUE=DATE:20260401",
		"UID:timeline-t1@p1.coplan", "DTSTAMP:20260501T120000Z", "SUMMARY:1.1 Ship"} {
		if !strings.Contains(cal, want) {
			t.Errorf("calendar lacks %q:\n%s", want, cal)
		}
	}
	if !strings.Contains(cal, "\r\n") {
		t.Error("calendar lines must end in CRLF")
	}
	if strings.Contains(cal, "Rejected") {
		t.Error("a proposal not adopted has events")
	}
}

func TestPDFDeterministicDraft(t *testing.T) {
	a, err := PDF(sampleContent(), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := PDF(sampleContent(), nil)
	if !bytes.Equal(a, b) || !bytes.HasPrefix(a, []byte("%PDF-")) {
		t.Fatal("two renderings of one draft differ")
	}
	// Text outside the font's range does not break the layout.
	c := sampleContent()
	c.Commitments[0].Title = "Emoji 🎉 and tab\there"
	if _, err := PDF(c, nil); err != nil {
		t.Fatal(err)
	}
}

// Every draft format carries the mark; an unknown one is refused by name.
func TestRenderDraftFormats(t *testing.T) {
	seed := sha256.Sum256([]byte("coplan export test device"))
	key := ed25519.NewKeyFromSeed(seed[:])
	dev, _ := authority.DeviceOfKey(key)
	p, err := doc.NewPlan("Plan", "Freedonia", "2026", "2027", doc.Author{PeerID: dev.PeerID(), Name: "Ana", Side: doc.CivilSociety, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.AddCommitment(doc.NewCommitment{Title: "Open contracts"}); err != nil {
		t.Fatal(err)
	}
	v, err := p.ResolveVersion("")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(DraftFormats, "markdown", ".html") {
		t.Run(f, func(t *testing.T) {
			out, err := RenderDraft(p, v, p.Content(), f, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if f == "pdf" {
				if !bytes.HasPrefix(out, []byte("%PDF-")) {
					t.Fatal("not a PDF")
				}
				return
			}
			want := "Open contracts"
			if f == "ics" { // a commitment without milestones has no events
				want = "BEGIN:VCALENDAR"
			}
			if !strings.Contains(string(out), want) || !strings.Contains(strings.ToLower(string(out)), "draft") {
				t.Errorf("%s rendering lacks the commitment or the draft mark:\n%.300s", f, out)
			}
		})
	}
	if _, err := RenderDraft(p, v, p.Content(), "docx", time.Now()); !errors.Is(err, doc.ErrInvalid) || !strings.Contains(err.Error(), "docx") {
		t.Errorf("docx: %v", err)
	}
}
