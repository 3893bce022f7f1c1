package release

import (
	"testing"
	"time"

	"github.com/coplan/coplan/doc/export"
)

// The budget: exporting a signed 50-commitment plan in every format
// takes at most 2 s. BenchmarkExportJSON50 is the baseline measured in the
// same run (reading the content at the release heads and encoding plan.json).

func BenchmarkExportAll50(b *testing.B) {
	p, ppl := readyPlan(b, 50)
	_, _, err := Sign(p, "1.0", ppl.minister, signedAt)
	must(b, err)
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Bundle(p, "1.0"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExportJSON50(b *testing.B) {
	p, ppl := readyPlan(b, 50)
	_, m, err := Sign(p, "1.0", ppl.minister, signedAt)
	must(b, err)
	b.ResetTimer()
	for b.Loop() {
		c, err := p.ContentAt(m.Heads)
		if err != nil {
			b.Fatal(err)
		}
		_ = export.CanonicalJSON(c)
	}
}

func TestExportTimeBudget(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("time budgets are checked in normal builds, not -short or -race")
	}
	p, ppl := readyPlan(t, 50)
	_, m, err := Sign(p, "1.0", ppl.minister, signedAt)
	must(t, err)
	start := time.Now()
	files, _, err := Bundle(p, "1.0")
	must(t, err)
	all := time.Since(start)
	start = time.Now()
	c, err := p.ContentAt(m.Heads)
	must(t, err)
	_ = export.CanonicalJSON(c)
	base := time.Since(start)
	t.Logf("50 commitments: every format %v (plan.pdf %d bytes); JSON alone %v", all, len(files[FilePDF]), base)
	if all > 2*time.Second {
		t.Fatalf("export took %v, budget 2s", all)
	}
}
