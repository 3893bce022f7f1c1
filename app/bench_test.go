package app

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/coplan/coplan/doc"
)

// bigLibrary stores a plan of 50 commitments with 2,000-word descriptions.
func bigLibrary(b *testing.B) (*doc.Library, string, []string) {
	b.Helper()
	lib, err := doc.OpenLibrary(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	p, err := lib.Create("Big plan", "Freedonia", "2025", "2027", ana)
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for i := 0; i < 50; i++ {
		id, err := p.AddCommitment(doc.NewCommitment{Title: fmt.Sprintf("Commitment %d", i+1)})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.SetText(doc.CommitmentText(id, "description"), words(2000, i)); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := p.Close(); err != nil {
		b.Fatal(err)
	}
	return lib, p.ID(), ids
}

func p99(ds []time.Duration) float64 {
	slices.Sort(ds)
	return float64(ds[(len(ds)*99)/100].Microseconds()) / 1000
}

// BenchmarkKeystroke types into a 2,000-word description of a 50-commitment
// plan. keystroke-p99-ms: the key reaching the document and the editor's
// laid-out widgets; with-paint-p99-ms adds a full software render of the
// 1280x800 window (test driver), and paint-only-p99-ms is that render alone.
func BenchmarkKeystroke(b *testing.B) {
	lib, id, ids := bigLibrary(b)
	a := test.NewTempApp(b)
	cfg := Config{Library: lib, ConfigDir: b.TempDir(), Author: ana}
	(&appState{LastPlan: id, LastItem: outlineItem{kind: kindCommitment, id: ids[25]}.key()}).save(cfg.ConfigDir)
	u := New(a, cfg)
	defer u.Close()
	runHopsUntil(b, func() bool { return u.plan != nil })
	u.win.Resize(fyne.NewSize(1280, 800))
	ce := u.ws.current.(*commitmentEditor)
	selectTab(b, ce.tabs, "Commitment")
	ed := ce.long["description"].ed.(*editorText)
	ed.SetCursorOffset(len([]rune(ed.Text())) / 2)
	ed.focus(u.win.Canvas())
	c := u.win.Canvas()
	ref := doc.CommitmentText(ids[25], "description")
	n := len([]rune(ed.Text()))
	key := func(i int) {
		f := c.Focused()
		if i%40 == 39 {
			f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
			n--
		} else {
			f.TypedRune(rune('a' + i%26))
			n++
		}
	}
	var typed, painted, paint, inDoc []time.Duration
	inner := ed.OnSplice
	ed.OnSplice = func(pos, del int, ins string) {
		t := time.Now()
		inner(pos, del, ins)
		inDoc = append(inDoc, time.Since(t))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		key(i)
		typed = append(typed, time.Since(t0))
		if i%10 == 0 { // the software painter is slow; sample it
			t1 := time.Now()
			c.Capture()
			paint = append(paint, time.Since(t1))
			painted = append(painted, typed[len(typed)-1]+paint[len(paint)-1])
		}
	}
	b.StopTimer()
	if testing.Verbose() {
		for i, d := range typed {
			if d > 16*time.Millisecond {
				b.Logf("keystroke %d took %v", i, d)
			}
		}
	}
	if got, _ := u.plan.Text(ref); len([]rune(got)) != n || got != ed.Text() {
		b.Fatalf("document (%d runes) and editor disagree after typing (want %d)", len([]rune(got)), n)
	}
	b.ReportMetric(p99(typed), "keystroke-p99-ms")
	b.ReportMetric(p99(inDoc), "doc-splice-p99-ms")
	if len(painted) > 0 {
		b.ReportMetric(p99(painted), "with-paint-p99-ms")
		b.ReportMetric(p99(paint), "paint-only-p99-ms")
	}
}

// BenchmarkOpen starts the window on the stored 50x2,000-word plan, its
// last commitment shown with the description open, as a user reopening the
// app would. baseline-ms is doc.Library.Open alone on the same plan (what the
// window used to wait for); content-ms is the window rendered with content
// from the cache, and content/baseline their ratio; editable-ms is until the
// live plan has replaced the preview and is rendered.
func BenchmarkOpen(b *testing.B) {
	lib, id, ids := bigLibrary(b)
	p, err := lib.Open(id, ana)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.WriteContentCache(); err != nil {
		b.Fatal(err)
	}
	p.Close()
	var base, content, editable []time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		p, err := lib.Open(id, ana)
		if err != nil {
			b.Fatal(err)
		}
		base = append(base, time.Since(t0))
		p.Close()

		a := test.NewTempApp(b)
		cfg := Config{Library: lib, ConfigDir: b.TempDir(), Author: ana}
		(&appState{LastPlan: id, LastItem: outlineItem{kind: kindCommitment, id: ids[49]}.key(), Width: 1280, Height: 800}).save(cfg.ConfigDir)
		t1 := time.Now()
		u := New(a, cfg)
		if u.preview == nil {
			b.Fatal("no preview from the content cache")
		}
		selectTab(b, u.preview.tabs, "Commitment")
		u.win.Resize(fyne.NewSize(1280, 800))
		u.win.Canvas().Capture()
		content = append(content, time.Since(t1))
		runHop(b)
		ce := u.ws.current.(*commitmentEditor)
		if ce.tabs.Selected().Text != "Commitment" {
			b.Fatalf("live editor on %q", ce.tabs.Selected().Text)
		}
		u.win.Canvas().Capture()
		editable = append(editable, time.Since(t1))
		u.Close()
	}
	avg := func(ds []time.Duration) float64 {
		var s time.Duration
		for _, d := range ds {
			s += d
		}
		return float64(s.Microseconds()) / 1000 / float64(len(ds))
	}
	b.ReportMetric(avg(base), "baseline-ms")
	b.ReportMetric(avg(content), "content-ms")
	b.ReportMetric(avg(content)/avg(base), "content/baseline")
	b.ReportMetric(avg(editable), "editable-ms")
	b.ReportMetric(0, "ns/op")
}
