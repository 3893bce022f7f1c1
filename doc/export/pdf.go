package export

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/coplan/coplan/doc"
)

// The Go fonts are TrueType, come with the Go module x/image (so nothing is
// fetched at run time), and cover WGL4: Latin with its accents (Welsh ŵ ŷ
// ẁ ẃ included), Greek and Cyrillic. fpdf embeds only the glyphs used.
const (
	fontSans = "go"
	fontMono = "gomono"
)

const (
	pageMargin = 20.0
	lineH      = 5.2
)

// PDF renders the printable plan: a cover, the introduction, each adopted
// commitment in the OGP template layout with its milestones, an annex of the
// proposals not adopted with their reasoned responses, the timeline, and
// (with a sign-off) a signature page. The bytes depend only on the
// arguments: the document dates come from the signing time (or are fixed
// for a draft) and the catalogs are written in a stable order.
func PDF(c doc.Content, s *SignOff) ([]byte, error) { return renderPDF(c, s, nil) }

// DraftPDF renders an unsigned version as PDF, with "Draft — not signed",
// its version and date in the header and footer of every page.
func DraftPDF(c doc.Content, d DraftMark) ([]byte, error) { return renderPDF(c, nil, &d) }

func renderPDF(c doc.Content, s *SignOff, d *DraftMark) ([]byte, error) {
	c = PlanProper(c)
	r := newPDF(c, s, d)
	r.cover()
	if strings.TrimSpace(c.Vision) != "" {
		r.pdf.AddPage()
		r.heading1("Introduction and vision")
		r.para(c.Vision)
	}
	var annex []doc.Commitment
	first := true
	for _, cm := range c.Commitments {
		if cm.State == doc.NotAdopted {
			annex = append(annex, cm)
			continue
		}
		r.pdf.AddPage()
		if first {
			r.heading1("Commitments")
			first = false
		}
		r.commitment(cm)
	}
	if len(annex) > 0 {
		r.pdf.AddPage()
		r.heading1("Annex: proposals not adopted")
		r.para("Each proposal below was considered and not adopted; the reasoned response explains why.")
		for _, cm := range annex {
			r.annex(cm)
		}
	}
	if len(c.Timeline) > 0 {
		r.pdf.AddPage()
		r.heading1("Timeline")
		for _, t := range c.Timeline {
			line := t.Date + "  " + t.Title
			if t.Note != "" {
				line += ": " + t.Note
			}
			r.para(line)
		}
	}
	if s != nil {
		r.signature()
	}
	var b bytes.Buffer
	if err := r.pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return b.Bytes(), nil
}

type pdfRenderer struct {
	pdf   *fpdf.Fpdf
	c     doc.Content
	s     *SignOff
	d     *DraftMark
	width float64 // usable width
}

// draftDate stands in for the signing time in an unsigned rendering, so a
// draft export is deterministic too.
var draftDate = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func newPDF(c doc.Content, s *SignOff, d *DraftMark) *pdfRenderer {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCatalogSort(true)
	at := draftDate
	if s != nil {
		at = s.SignedAt.UTC()
	}
	if d != nil && !d.Date.IsZero() {
		at = d.Date.UTC()
	}
	p.SetCreationDate(at)
	p.SetModificationDate(at)
	p.SetProducer("Coplan", false)
	p.SetCreator("Coplan", false)
	p.SetTitle(c.Title, true)
	if s != nil {
		p.SetAuthor(s.Signer.Name, true)
		p.SetSubject("National Action Plan, version "+s.Version, true)
	}
	// fpdf rewrites glyph indices in the font bytes it is given while
	// subsetting; the Go font packages share one slice per process, so each
	// document gets its own copy or a second export would differ.
	p.AddUTF8FontFromBytes(fontSans, "", bytes.Clone(goregular.TTF))
	p.AddUTF8FontFromBytes(fontSans, "B", bytes.Clone(gobold.TTF))
	p.AddUTF8FontFromBytes(fontSans, "I", bytes.Clone(goitalic.TTF))
	p.AddUTF8FontFromBytes(fontMono, "", bytes.Clone(gomono.TTF))
	p.SetMargins(pageMargin, pageMargin, pageMargin)
	p.SetAutoPageBreak(true, pageMargin)
	p.AliasNbPages("{nb}")
	if d != nil {
		p.SetSubject("Draft, not signed: "+d.Version, true)
	}
	r := &pdfRenderer{pdf: p, c: c, s: s, d: d}
	w, _ := p.GetPageSize()
	r.width = w - 2*pageMargin
	if d != nil {
		p.SetHeaderFunc(func() {
			p.SetY(8)
			p.SetFont(fontSans, "B", 9)
			p.SetTextColor(150, 80, 0)
			p.CellFormat(r.width, 5, clean(d.Line()), "", 0, "C", false, 0, "")
			p.SetTextColor(0, 0, 0)
			p.SetY(pageMargin)
		})
	}
	p.SetFooterFunc(func() {
		if d != nil {
			p.SetY(-12)
			p.SetFont(fontSans, "", 8)
			p.SetTextColor(150, 80, 0)
			p.CellFormat(r.width*0.8, 5, clean(draftWords+" · "+d.Version+" · "+d.dateText()), "", 0, "L", false, 0, "")
			p.CellFormat(r.width*0.2, 5, fmt.Sprintf("%d / {nb}", p.PageNo()), "", 0, "R", false, 0, "")
			p.SetTextColor(0, 0, 0)
			return
		}
		if p.PageNo() == 1 {
			return
		}
		p.SetY(-12)
		p.SetFont(fontSans, "", 8)
		p.SetTextColor(110, 110, 110)
		footer := clean(c.Title)
		if s != nil {
			footer += " · version " + clean(s.Version)
		}
		p.CellFormat(r.width*0.8, 5, footer, "", 0, "L", false, 0, "")
		p.CellFormat(r.width*0.2, 5, fmt.Sprintf("%d / {nb}", p.PageNo()), "", 0, "R", false, 0, "")
		p.SetTextColor(0, 0, 0)
	})
	return r
}

// clean keeps text inside what the embedded font can measure: fpdf indexes
// its width table by code point, so runes outside the Basic Multilingual
// Plane (emoji) and control characters are replaced.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
			return -1
		case r > 0xffff:
			return '?'
		}
		return r
	}, s)
}

func (r *pdfRenderer) cover() {
	p := r.pdf
	p.AddPage()
	p.SetY(60)
	p.SetFont(fontSans, "", 12)
	p.SetTextColor(27, 79, 114)
	p.MultiCell(r.width, 6, "Open Government Partnership · National Action Plan", "", "L", false)
	p.SetTextColor(0, 0, 0)
	p.Ln(4)
	p.SetFont(fontSans, "B", 26)
	p.MultiCell(r.width, 11, clean(r.c.Title), "", "L", false)
	p.Ln(4)
	p.SetFont(fontSans, "", 14)
	if r.c.Country != "" {
		p.MultiCell(r.width, 7, clean(r.c.Country), "", "L", false)
	}
	if r.c.PeriodStart != "" || r.c.PeriodEnd != "" {
		p.MultiCell(r.width, 7, r.c.PeriodStart+" to "+r.c.PeriodEnd, "", "L", false)
	}
	if r.d != nil {
		p.Ln(20)
		p.SetFont(fontSans, "B", 16)
		p.SetTextColor(150, 80, 0)
		p.MultiCell(r.width, 8, draftWords, "", "L", false)
		p.SetTextColor(0, 0, 0)
		p.SetFont(fontSans, "", 11)
		p.MultiCell(r.width, 6, clean("Version: "+r.d.Version), "", "L", false)
		p.MultiCell(r.width, 6, clean("Date: "+r.d.dateText()), "", "L", false)
	}
	if r.s != nil {
		p.Ln(20)
		p.SetFont(fontSans, "", 11)
		p.MultiCell(r.width, 6, "Version "+clean(r.s.Version), "", "L", false)
		p.MultiCell(r.width, 6, "Signed on "+r.s.SignedAt.UTC().Format("2 January 2006")+" by "+clean(r.s.Signer.Name), "", "L", false)
	}
}

func (r *pdfRenderer) heading1(s string) {
	r.pdf.SetFont(fontSans, "B", 18)
	r.pdf.SetTextColor(27, 79, 114)
	r.pdf.MultiCell(r.width, 9, clean(s), "", "L", false)
	r.pdf.SetTextColor(0, 0, 0)
	r.pdf.Ln(3)
}

func (r *pdfRenderer) heading2(s string) {
	r.pdf.SetFont(fontSans, "B", 14)
	r.pdf.MultiCell(r.width, 7, clean(s), "", "L", false)
	r.pdf.Ln(2)
}

func (r *pdfRenderer) label(s string) {
	r.pdf.SetFont(fontSans, "B", 10)
	r.pdf.MultiCell(r.width, lineH, clean(s), "", "L", false)
}

func (r *pdfRenderer) para(s string) {
	r.pdf.SetFont(fontSans, "", 10)
	r.pdf.MultiCell(r.width, lineH, clean(strings.TrimSpace(s)), "", "L", false)
	r.pdf.Ln(2)
}

// row draws a table row of cells that wrap, all as tall as the tallest.
func (r *pdfRenderer) row(widths []float64, cells []string, styles []string, fill bool) {
	p := r.pdf
	lines := 1
	split := make([][]string, len(cells))
	for i, c := range cells {
		p.SetFont(fontSans, styles[i], 9)
		split[i] = p.SplitText(clean(c), widths[i])
		lines = max(lines, len(split[i]))
	}
	h := float64(lines)*4.6 + 1.6
	_, pageH := p.GetPageSize()
	if p.GetY()+h > pageH-pageMargin {
		p.AddPage()
	}
	// The row was placed above; breaking a page inside it would split cells.
	p.SetAutoPageBreak(false, pageMargin)
	defer p.SetAutoPageBreak(true, pageMargin)
	x, y := p.GetX(), p.GetY()
	for i := range cells {
		p.SetFont(fontSans, styles[i], 9)
		p.Rect(x, y, widths[i], h, map[bool]string{true: "DF", false: "D"}[fill && styles[i] == "B"])
		p.SetXY(x, y+0.8)
		p.MultiCell(widths[i], 4.6, strings.Join(split[i], "\n"), "", "L", false)
		x += widths[i]
	}
	p.SetXY(pageMargin, y+h)
}

func (r *pdfRenderer) commitment(cm doc.Commitment) {
	p := r.pdf
	r.heading2(fmt.Sprintf("Commitment %d: %s", cm.Number, cm.Title))
	p.SetDrawColor(190, 190, 190)
	p.SetFillColor(238, 243, 247)
	lw := r.width * 0.32
	for _, f := range templateFields(cm) {
		if f[1] == "" {
			continue
		}
		r.row([]float64{lw, r.width - lw}, []string{f[0], f[1]}, []string{"B", ""}, true)
	}
	p.Ln(4)
	for _, sec := range templateSections(cm) {
		if strings.TrimSpace(sec[1]) == "" {
			continue
		}
		r.label(sec[0])
		r.para(sec[1])
	}
	if len(cm.Milestones) > 0 {
		r.label("Milestones")
		p.Ln(1)
		w := []float64{12, 0, 0, 22, 22}
		rest := r.width - w[0] - w[3] - w[4]
		w[1], w[2] = rest*0.5, rest*0.5
		r.row(w, []string{"#", "Milestone", "Verifiable deliverable", "Start", "End"}, []string{"B", "B", "B", "B", "B"}, true)
		for i, m := range cm.Milestones {
			r.row(w, []string{fmt.Sprintf("%d.%d", cm.Number, i+1), m.Title, m.Deliverable, m.Start, m.End}, []string{"", "", "", "", ""}, false)
		}
		p.Ln(3)
	}
}

func (r *pdfRenderer) annex(cm doc.Commitment) {
	r.pdf.Ln(2)
	r.heading2(fmt.Sprintf("%d. %s", cm.Number, cm.Title))
	if o := originText(cm.Origin); o != "" {
		r.pdf.SetFont(fontSans, "I", 10)
		r.pdf.MultiCell(r.width, lineH, clean("Proposed by "+o), "", "L", false)
		r.pdf.Ln(1)
	}
	r.label("Reasoned response")
	r.para(cm.Response)
}

func (r *pdfRenderer) signature() {
	p, s := r.pdf, r.s
	p.AddPage()
	r.heading1("Signature")
	r.para("This plan was signed with the key below. The published files can be checked with standard tools (see VERIFY.txt beside this file).")
	p.SetDrawColor(190, 190, 190)
	p.SetFillColor(238, 243, 247)
	lw := r.width * 0.28
	signer := s.Signer.Name
	if s.Signer.Org != "" {
		signer += ", " + s.Signer.Org
	}
	rows := [][2]string{
		{"Signed by", signer + " (" + s.Signer.Role + ")"},
		{"Signed at", s.SignedAt.UTC().Format("2 January 2006, 15:04 UTC")},
		{"Version", s.Version},
		{"Signer identity", s.Identity},
		{"Key fingerprint", s.Signer.Fingerprint},
		{"Document heads", strings.Join(s.Heads, "\n")},
		{"Content SHA-256", s.ContentSHA256},
	}
	for _, e := range s.Endorsements {
		who := e.Name
		if e.Org != "" {
			who += ", " + e.Org
		}
		rows = append(rows, [2]string{"Endorsed by", fmt.Sprintf("%s (%s, %s)\n%s", who, e.Role, e.Side, e.Fingerprint)})
	}
	for _, row := range rows {
		r.row([]float64{lw, r.width - lw}, []string{row[0], row[1]}, []string{"B", ""}, true)
	}
	p.Ln(6)
	r.label("To verify, run in the folder that holds the published files:")
	p.SetFont(fontMono, "", 8)
	for _, cmd := range VerifyCommands(s.Identity) {
		p.MultiCell(r.width, 4.2, clean(cmd), "", "L", false)
		p.Ln(1)
	}
}
