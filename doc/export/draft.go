package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/coplan/coplan/doc"
)

// Drafts: any version that is not a signed release can be exported for a
// meeting or a consultation, in every format a release has, marked as a
// draft with its version and date wherever a reader looks (each PDF
// page's header and footer, the HTML page's banner, the Markdown's first
// line, the JSON's "draft" object). Only a signed release carries no mark.

// draftWords is the mark itself.
const draftWords = "Draft — not signed"

// DraftMark names the unsigned version an export shows.
type DraftMark struct {
	Version string    `json:"version"` // in words, e.g. `draft “For consultation” (1a2b3c4d)`
	Heads   []string  `json:"heads"`
	Date    time.Time `json:"date"` // when that version was made
}

// NewDraftMark names version v for an export.
func NewDraftMark(v doc.Version) DraftMark {
	name := v.String()
	if v.Kind != doc.VersionChange && len(v.Heads) > 0 {
		hs := make([]string, len(v.Heads))
		for i, h := range v.Heads {
			hs[i] = h[:min(8, len(h))]
		}
		name += " (" + strings.Join(hs, "+") + ")"
	}
	return DraftMark{Version: name, Heads: v.Heads, Date: v.Time.UTC()}
}

func (d DraftMark) dateText() string {
	if d.Date.IsZero() {
		return "undated"
	}
	return d.Date.UTC().Format("2 January 2006, 15:04 UTC")
}

// Line is the mark in one line: "Draft — not signed · version … · date".
func (d DraftMark) Line() string {
	return draftWords + " · version " + d.Version + " · " + d.dateText()
}

// DraftMarkdown is Markdown of an unsigned version, the mark first.
func DraftMarkdown(c doc.Content, d DraftMark) []byte {
	return append([]byte("**"+mdEscape.Replace(d.Line())+"**\n\n"), Markdown(c)...)
}

// DraftJSON is the plan's JSON view (as `coplan show --json`) with a
// "draft" object beside its fields, so a reader of the data sees the
// mark too.
func DraftJSON(c doc.Content, d DraftMark) []byte {
	v := struct {
		Draft struct {
			Status string `json:"status"`
			DraftMark
		} `json:"draft"`
		doc.Content
	}{Content: c}
	v.Draft.Status, v.Draft.DraftMark = draftWords, d
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err) // plain data cannot fail to encode
	}
	return append(b, '\n')
}

// Meeting notes published on their own: their title, date, attendees and
// body, and nothing else of the plan.

// NotesMarkdown renders one set of meeting notes as Markdown. The body is
// the drafters' own light Markdown and goes as it is.
func NotesMarkdown(n doc.Note) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n", mdEscape.Replace(n.Title))
	if n.Date != "" {
		fmt.Fprintf(&b, "**Date:** %s  \n", n.Date)
	}
	fmt.Fprintf(&b, "**Attendees:** %s\n\n", mdEscape.Replace(orNone(n.Attendees)))
	if body := strings.TrimSpace(n.Body); body != "" {
		b.WriteString(body + "\n")
	}
	return b.Bytes()
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "not recorded"
	}
	return s
}

// NotesHTML renders one set of meeting notes as a self-contained page.
func NotesHTML(n doc.Note) []byte {
	var b bytes.Buffer
	if err := notesTmpl.Execute(&b, struct {
		doc.Note
		Attend string
		Text   template.HTML
	}{n, orNone(n.Attendees), markdownHTML(n.Body)}); err != nil {
		panic(err) // the template is fixed; a failure is a bug here
	}
	return b.Bytes()
}

var notesTmpl = template.Must(template.New("notes").Parse(`<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;line-height:1.5;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
header{border-bottom:3px solid #1b4f72;margin-bottom:2rem}
.meta{color:#555}
</style>
</head>
<body>
<header>
<p class="meta">Meeting notes</p>
<h1>{{.Title}}</h1>
<p class="meta">{{if .Date}}{{.Date}} · {{end}}Attendees: {{.Attend}}</p>
</header>
{{.Text}}
</body>
</html>
`))

// NotesPDF renders one set of meeting notes as a PDF.
func NotesPDF(n doc.Note) ([]byte, error) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCatalogSort(true)
	at := draftDate
	if t, err := time.Parse(doc.DateLayout, n.Date); err == nil {
		at = t
	}
	p.SetCreationDate(at)
	p.SetModificationDate(at)
	p.SetProducer("Coplan", false)
	p.SetCreator("Coplan", false)
	p.SetTitle(n.Title, true)
	p.AddUTF8FontFromBytes(fontSans, "", bytes.Clone(goregular.TTF))
	p.AddUTF8FontFromBytes(fontSans, "B", bytes.Clone(gobold.TTF))
	p.SetMargins(pageMargin, pageMargin, pageMargin)
	p.SetAutoPageBreak(true, pageMargin)
	p.AliasNbPages("{nb}")
	w, _ := p.GetPageSize()
	width := w - 2*pageMargin
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont(fontSans, "", 8)
		p.SetTextColor(110, 110, 110)
		p.CellFormat(width*0.8, 5, clean(n.Title), "", 0, "L", false, 0, "")
		p.CellFormat(width*0.2, 5, fmt.Sprintf("%d / {nb}", p.PageNo()), "", 0, "R", false, 0, "")
	})
	p.AddPage()
	p.SetFont(fontSans, "", 10)
	p.SetTextColor(27, 79, 114)
	p.MultiCell(width, 5, "Meeting notes", "", "L", false)
	p.SetTextColor(0, 0, 0)
	p.SetFont(fontSans, "B", 18)
	p.MultiCell(width, 9, clean(n.Title), "", "L", false)
	p.SetFont(fontSans, "", 10)
	if n.Date != "" {
		p.MultiCell(width, lineH, "Date: "+n.Date, "", "L", false)
	}
	p.MultiCell(width, lineH, clean("Attendees: "+orNone(n.Attendees)), "", "L", false)
	p.Ln(4)
	p.MultiCell(width, lineH, clean(strings.TrimSpace(n.Body)), "", "L", false)
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return b.Bytes(), nil
}

// DraftFormats are the formats RenderDraft writes, by their file
// extension without the dot.
var DraftFormats = []string{"pdf", "html", "md", "json", "ics"}

// RenderDraft is content c (plan p as of version v) in a draft format:
// pdf, html, md (or markdown), json or ics, each carrying the draft mark.
// A calendar's events are stamped from p's history up to v, so a
// calendar imported again updates the events it made.
func RenderDraft(p *doc.Plan, v doc.Version, c doc.Content, format string, now time.Time) ([]byte, error) {
	mark := NewDraftMark(v)
	switch strings.TrimPrefix(format, ".") {
	case "pdf":
		return DraftPDF(c, mark)
	case "html":
		return DraftHTML(c, mark), nil
	case "md", "markdown":
		return DraftMarkdown(c, mark), nil
	case "json":
		return DraftJSON(c, mark), nil
	case "ics":
		st, err := p.ItemStamps(v)
		if err != nil {
			return nil, err
		}
		stamps := map[string]EventStamp{}
		for id, s := range st {
			stamps[id] = EventStamp{Sequence: s.Edits, Modified: s.Modified}
		}
		return DraftICS(c, mark, stamps, now), nil
	}
	return nil, fmt.Errorf("%w: draft format %q (want pdf, html, md, json or ics)", doc.ErrInvalid, format)
}
