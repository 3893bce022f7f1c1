package export

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/textdiff"
)

// Renderings of a comparison of two versions (doc.PlanDiff): plain text
// for the terminal, and Markdown and HTML that civil society can publish,
// as "draft against final" when a named draft is compared with a signed
// release.

// DiffHeading is what a comparison is called: "Draft against final" for a
// draft compared with a release, else "Changes".
func DiffHeading(d doc.PlanDiff) string {
	if d.From.Kind == doc.VersionDraft && d.To.Kind == doc.VersionRelease {
		return "Draft against final"
	}
	return "Changes"
}

func versionWords(v doc.Version) string {
	s := v.String()
	if !v.Time.IsZero() {
		s += " (" + v.Time.UTC().Format("2 January 2006, 15:04 UTC") + ")"
	}
	return s
}

// diffSummary counts what changed, in words.
func diffSummary(d doc.PlanDiff) string {
	if d.Empty() {
		return "The two versions hold the same plan."
	}
	n := map[string]int{}
	for _, c := range d.Commitments {
		n[c.Change]++
	}
	var parts []string
	for _, k := range []string{doc.Changed, doc.Added, doc.Removed} {
		if n[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s %s", n[k], plural(n[k], "commitment", "commitments"), k))
		}
	}
	if len(d.Plan) > 0 {
		parts = append(parts, "the plan's heading or vision changed")
	}
	if len(d.Timeline) > 0 {
		parts = append(parts, fmt.Sprintf("%d timeline %s", len(d.Timeline), plural(len(d.Timeline), "entry changed", "entries changed")))
	}
	if len(d.Notes) > 0 {
		parts = append(parts, fmt.Sprintf("%d set%s of meeting notes changed", len(d.Notes), plural(len(d.Notes), "", "s")))
	}
	return capital(strings.Join(parts, "; ")) + "."
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func commitmentHeading(c doc.CommitmentDiff) string {
	h := fmt.Sprintf("Commitment %d: %s", c.Number, c.Title)
	if c.FromNumber != 0 {
		h += fmt.Sprintf(" (was %d)", c.FromNumber)
	}
	return h + " — " + c.Change
}

func itemHeading(kind string, it doc.ItemDiff) string {
	return fmt.Sprintf("%s “%s” — %s", kind, it.Title, it.Change)
}

// notAdopted lists the compared commitments the later version does not
// adopt, with the reasoned response.
func notAdopted(d doc.PlanDiff) []doc.CommitmentDiff {
	var out []doc.CommitmentDiff
	for _, c := range d.Commitments {
		if c.State == doc.NotAdopted && c.Change != doc.Removed {
			out = append(out, c)
		}
	}
	return out
}

// DiffText renders a comparison for a terminal: [-deleted-]{+inserted+}.
func DiffText(d doc.PlanDiff) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s: %s\nFrom %s\nTo   %s\n%s\n", DiffHeading(d), d.Title, versionWords(d.From), versionWords(d.To), diffSummary(d))
	fields := func(indent string, fs []doc.FieldDiff) {
		for _, f := range fs {
			fmt.Fprintf(&b, "%s%s: %s\n", indent, f.Label, strings.ReplaceAll(wordsText(f.Words), "\n", "\n"+indent+"  "))
		}
	}
	if len(d.Plan) > 0 {
		b.WriteString("\nThe plan\n")
		fields("  ", d.Plan)
	}
	for _, c := range d.Commitments {
		fmt.Fprintf(&b, "\n%s\n", commitmentHeading(c))
		fields("  ", c.Fields)
		for _, m := range c.Milestones {
			fmt.Fprintf(&b, "  %s\n", itemHeading("Milestone", m))
			fields("    ", m.Fields)
		}
	}
	for _, sec := range []struct {
		name, kind string
		items      []doc.ItemDiff
	}{{"Timeline", "Entry", d.Timeline}, {"Meeting notes", "Notes", d.Notes}} {
		if len(sec.items) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s\n", sec.name)
		for _, it := range sec.items {
			fmt.Fprintf(&b, "  %s\n", itemHeading(sec.kind, it))
			fields("    ", it.Fields)
		}
	}
	return b.Bytes()
}

func wordsText(cs []textdiff.Chunk) string {
	var b strings.Builder
	for _, c := range cs {
		switch c.Op {
		case textdiff.Equal:
			b.WriteString(c.Text)
		case textdiff.Delete:
			b.WriteString("[-" + c.Text + "-]")
		case textdiff.Insert:
			b.WriteString("{+" + c.Text + "+}")
		}
	}
	return b.String()
}

// mdEscape keeps a drafter's text from being read as Markdown markup.
var mdEscape = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `_`, `\_`, `~`, `\~`, "`", "\\`", `[`, `\[`, `]`, `\]`, `<`, `&lt;`, `#`, `\#`, `|`, `\|`)

// mdMark marks a run of text line by line, keeping its surrounding spaces
// outside the marks (Markdown ignores "** word**").
func mdMark(s, mark string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		core := strings.TrimSpace(l)
		if core == "" {
			continue
		}
		lead := l[:strings.Index(l, core)]
		trail := l[len(lead)+len(core):]
		lines[i] = lead + mark + mdEscape.Replace(core) + mark + trail
	}
	return strings.Join(lines, "\n")
}

func wordsMarkdown(cs []textdiff.Chunk) string {
	var b strings.Builder
	for _, c := range cs {
		switch c.Op {
		case textdiff.Equal:
			b.WriteString(mdEscape.Replace(c.Text))
		case textdiff.Delete:
			b.WriteString(mdMark(c.Text, "~~"))
		case textdiff.Insert:
			b.WriteString(mdMark(c.Text, "**"))
		}
	}
	return b.String()
}

// DiffMarkdown renders a comparison as Markdown: deleted words struck
// through, inserted words in bold.
func DiffMarkdown(d doc.PlanDiff) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s: %s\n\n", DiffHeading(d), mdEscape.Replace(d.Title))
	fmt.Fprintf(&b, "From %s to %s. Deleted words are ~~struck through~~, added words **in bold**.\n\n%s\n\n",
		mdEscape.Replace(versionWords(d.From)), mdEscape.Replace(versionWords(d.To)), diffSummary(d))
	fields := func(fs []doc.FieldDiff) {
		for _, f := range fs {
			fmt.Fprintf(&b, "**%s**\n\n%s\n\n", mdEscape.Replace(f.Label), wordsMarkdown(f.Words))
		}
	}
	if len(d.Plan) > 0 {
		b.WriteString("## The plan\n\n")
		fields(d.Plan)
	}
	for _, c := range d.Commitments {
		fmt.Fprintf(&b, "## %s\n\n", mdEscape.Replace(commitmentHeading(c)))
		fields(c.Fields)
		for _, m := range c.Milestones {
			fmt.Fprintf(&b, "### %s\n\n", mdEscape.Replace(itemHeading("Milestone", m)))
			fields(m.Fields)
		}
	}
	for _, sec := range []struct {
		name, kind string
		items      []doc.ItemDiff
	}{{"Timeline", "Entry", d.Timeline}, {"Meeting notes", "Notes", d.Notes}} {
		if len(sec.items) == 0 {
			continue
		}
		fmt.Fprintf(&b, "## %s\n\n", sec.name)
		for _, it := range sec.items {
			fmt.Fprintf(&b, "### %s\n\n", mdEscape.Replace(itemHeading(sec.kind, it)))
			fields(it.Fields)
		}
	}
	if na := notAdopted(d); len(na) > 0 {
		b.WriteString("## Proposals not adopted\n\n")
		for _, c := range na {
			fmt.Fprintf(&b, "- **%d. %s**: %s\n", c.Number, mdEscape.Replace(c.Title), mdEscape.Replace(oneLine(c.Response, "no reasoned response yet")))
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

func oneLine(s, empty string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return empty
	}
	return s
}

type htmlDiffField struct {
	Label string
	Body  template.HTML
}

type htmlDiffItem struct {
	Heading string
	Fields  []htmlDiffField
	Items   []htmlDiffItem
}

type htmlDiffPage struct {
	Heading, Title, From, To, Summary string
	Plan                              []htmlDiffField
	Commitments                       []htmlDiffItem
	Sections                          []htmlDiffItem
	NotAdopted                        []doc.CommitmentDiff
}

func wordsHTML(cs []textdiff.Chunk) template.HTML {
	var b strings.Builder
	for _, c := range cs {
		t := template.HTMLEscapeString(c.Text)
		switch c.Op {
		case textdiff.Equal:
			b.WriteString(t)
		case textdiff.Delete:
			b.WriteString("<del>" + t + "</del>")
		case textdiff.Insert:
			b.WriteString("<ins>" + t + "</ins>")
		}
	}
	return template.HTML(b.String())
}

func htmlFields(fs []doc.FieldDiff) []htmlDiffField {
	var out []htmlDiffField
	for _, f := range fs {
		out = append(out, htmlDiffField{f.Label, wordsHTML(f.Words)})
	}
	return out
}

// DiffHTML renders a comparison as one self-contained page (inline style,
// no scripts, nothing fetched) that can be published as it is.
func DiffHTML(d doc.PlanDiff) []byte {
	pg := htmlDiffPage{Heading: DiffHeading(d), Title: d.Title, From: versionWords(d.From), To: versionWords(d.To),
		Summary: diffSummary(d), Plan: htmlFields(d.Plan), NotAdopted: notAdopted(d)}
	for _, c := range d.Commitments {
		it := htmlDiffItem{Heading: commitmentHeading(c), Fields: htmlFields(c.Fields)}
		for _, m := range c.Milestones {
			it.Items = append(it.Items, htmlDiffItem{Heading: itemHeading("Milestone", m), Fields: htmlFields(m.Fields)})
		}
		pg.Commitments = append(pg.Commitments, it)
	}
	for _, sec := range []struct {
		name, kind string
		items      []doc.ItemDiff
	}{{"Timeline", "Entry", d.Timeline}, {"Meeting notes", "Notes", d.Notes}} {
		if len(sec.items) == 0 {
			continue
		}
		s := htmlDiffItem{Heading: sec.name}
		for _, it := range sec.items {
			s.Items = append(s.Items, htmlDiffItem{Heading: itemHeading(sec.kind, it), Fields: htmlFields(it.Fields)})
		}
		pg.Sections = append(pg.Sections, s)
	}
	var b bytes.Buffer
	if err := diffTmpl.Execute(&b, pg); err != nil {
		panic(err) // the template is fixed; a failure is a bug here
	}
	return b.Bytes()
}

var diffTmpl = template.Must(template.New("diff").Parse(`<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Heading}}: {{.Title}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;line-height:1.5;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
header{border-bottom:3px solid #1b4f72;margin-bottom:2rem}
h2{border-bottom:1px solid #ccc;margin-top:2.5rem}
.meta{color:#555}
.text{white-space:pre-wrap}
del{background:#fde2e1;color:#8a1c17;text-decoration:line-through}
ins{background:#dff5e1;color:#135e22;text-decoration:underline}
dt{font-weight:bold;margin-top:1rem}
dd{margin-left:0}
</style>
</head>
<body>
<header>
<p class="meta">Open Government Partnership · National Action Plan</p>
<h1>{{.Heading}}: {{.Title}}</h1>
<p class="meta">From {{.From}} to {{.To}}. Deleted words are <del>struck through</del>, added words <ins>underlined</ins>.</p>
<p>{{.Summary}}</p>
</header>
{{define "fields"}}<dl>
{{range .}}<dt>{{.Label}}</dt><dd class="text">{{.Body}}</dd>
{{end}}</dl>
{{end}}{{if .Plan}}<section>
<h2>The plan</h2>
{{template "fields" .Plan}}</section>
{{end}}{{range .Commitments}}<section>
<h2>{{.Heading}}</h2>
{{template "fields" .Fields}}{{range .Items}}<h3>{{.Heading}}</h3>
{{template "fields" .Fields}}{{end}}</section>
{{end}}{{range .Sections}}<section>
<h2>{{.Heading}}</h2>
{{range .Items}}<h3>{{.Heading}}</h3>
{{template "fields" .Fields}}{{end}}</section>
{{end}}{{if .NotAdopted}}<section>
<h2>Proposals not adopted</h2>
<ul>
{{range .NotAdopted}}<li><strong>{{.Number}}. {{.Title}}</strong>: {{if .Response}}{{.Response}}{{else}}no reasoned response yet{{end}}</li>
{{end}}</ul>
</section>
{{end}}</body>
</html>
`))
