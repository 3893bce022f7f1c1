package release

import (
	"testing"

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
