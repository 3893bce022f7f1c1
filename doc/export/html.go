package export

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"

	"github.com/coplan/coplan/doc"
)

// Long texts are written by drafters as light Markdown (paragraphs, lists,
// links). goldmark's default renderer drops raw HTML, so a drafter's text can
// never inject markup into the published page.
var md = goldmark.New()

func markdownHTML(s string) template.HTML {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	var b bytes.Buffer
	if err := md.Convert([]byte(s), &b); err != nil {
		return template.HTML("<p>" + template.HTMLEscapeString(s) + "</p>")
	}
	return template.HTML(b.String())
}

type htmlField struct {
	Label string
	Value string
}

type htmlSection struct {
	Label string
	Body  template.HTML
}

type htmlMilestone struct {
	doc.Milestone
	Num string
}

type htmlCommitment struct {
	doc.Commitment
	Rows     []htmlMilestone
	Fields   []htmlField
	Sections []htmlSection
	Origin   string
	Response template.HTML
}

type htmlPage struct {
	doc.Content
	Vision  template.HTML
	Adopted []htmlCommitment
	Annex   []htmlCommitment
	SignOff *SignOff
	Draft   *DraftMark
	Verify  []string
}

// HTML renders the plan as one self-contained page (inline style, no
// scripts, no outside resources), ready to publish. With a sign-off it ends
// with the signature section. Output depends only on its arguments.
func HTML(c doc.Content, s *SignOff) []byte { return renderHTML(c, s, nil) }

// DraftHTML renders an unsigned version as HTML, under a banner saying
// so with its version and date (repeated at the top of every printed
// page).
func DraftHTML(c doc.Content, d DraftMark) []byte { return renderHTML(c, nil, &d) }

func renderHTML(c doc.Content, s *SignOff, d *DraftMark) []byte {
	c = PlanProper(c)
	pg := htmlPage{Content: c, Vision: markdownHTML(c.Vision), SignOff: s, Draft: d}
	for _, cm := range c.Commitments {
		hc := htmlCommitment{Commitment: cm, Origin: originText(cm.Origin), Response: markdownHTML(cm.Response)}
		for i, m := range cm.Milestones {
			hc.Rows = append(hc.Rows, htmlMilestone{m, fmt.Sprintf("%d.%d", cm.Number, i+1)})
		}
		for _, f := range templateFields(cm) {
			hc.Fields = append(hc.Fields, htmlField{f[0], f[1]})
		}
		for _, sec := range templateSections(cm) {
			hc.Sections = append(hc.Sections, htmlSection{sec[0], markdownHTML(sec[1])})
		}
		if cm.State == doc.NotAdopted {
			pg.Annex = append(pg.Annex, hc)
		} else {
			pg.Adopted = append(pg.Adopted, hc)
		}
	}
	if s != nil {
		pg.Verify = VerifyCommands(s.Identity)
	}
	var b bytes.Buffer
	if err := htmlTmpl.Execute(&b, pg); err != nil {
		panic(err) // the template is fixed; a failure is a bug here
	}
	return b.Bytes()
}

// templateFields are the short fields of the OGP commitment template.
func templateFields(cm doc.Commitment) [][2]string {
	return [][2]string{
		{"Dates", dates(cm.Start, cm.End)},
		{"Lead implementing agency", cm.Lead},
		{"Supporting institutions and other actors", cm.Support},
		{"Proposed by", originText(cm.Origin)},
		{"Relevance to OGP values", valuesText(cm.Values)},
		{"Policy areas", strings.Join(cm.Themes, ", ")},
		{"Contact", cm.Contact},
	}
}

// templateSections are its long texts, in template order.
func templateSections(cm doc.Commitment) [][2]string {
	return [][2]string{
		{"What is the public problem?", cm.Problem},
		{"What is the commitment?", cm.Description},
		{"How will the commitment contribute to solving the problem?", cm.Contribution},
		{"Additional information", cm.Additional},
	}
}

// VerifyCommands are the two commands a member of the public runs in the
// export folder to check it with standard tools.
func VerifyCommands(identity string) []string {
	return []string{
		"ssh-keygen -Y verify -f allowed_signers -I " + identity + " -n coplan-release -s SHA256SUMS.sig < SHA256SUMS",
		"sha256sum -c SHA256SUMS",
	}
}

var htmlTmpl = template.Must(template.New("plan").Funcs(template.FuncMap{
	"date": func(s *SignOff) string { return s.SignedAt.UTC().Format("2 January 2006, 15:04 UTC") },
}).Parse(`<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}{{if .Draft}} (draft, not signed){{end}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;line-height:1.5;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
header{border-bottom:3px solid #1b4f72;margin-bottom:2rem}
h1{font-size:2rem;margin:.2rem 0}
h2{border-bottom:1px solid #ccc;margin-top:2.5rem}
table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef3f7;width:30%}
.milestones th{width:auto}
.meta{color:#555}
code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
article{page-break-inside:avoid}
.draft{background:#fff4d6;border:2px solid #b7791f;color:#5f370e;padding:.4rem .8rem;font-weight:bold;text-align:center}
@media print{.draft{position:fixed;top:0;left:0;right:0}body{margin-top:3rem}}
</style>
</head>
<body>
{{with .Draft}}<div class="draft" role="note">{{.Line}}</div>
{{end}}<header>
<p class="meta">Open Government Partnership · National Action Plan</p>
<h1>{{.Title}}</h1>
<p class="meta">{{if .Country}}{{.Country}}{{end}}{{if .PeriodStart}} · {{.PeriodStart}} to {{.PeriodEnd}}{{end}}{{with .SignOff}} · Version {{.Version}}, signed {{date .}} by {{.Signer.Name}}{{end}}</p>
</header>
{{if .Vision}}<section id="vision">
<h2>Introduction and vision</h2>
{{.Vision}}
</section>
{{end}}<section id="commitments">
<h2>Commitments</h2>
{{range .Adopted}}<article id="commitment-{{.Number}}">
<h3>Commitment {{.Number}}: {{.Title}}</h3>
<table>
{{range .Fields}}{{if .Value}}<tr><th>{{.Label}}</th><td>{{.Value}}</td></tr>
{{end}}{{end}}</table>
{{range .Sections}}{{if .Body}}<h4>{{.Label}}</h4>
{{.Body}}
{{end}}{{end}}{{if .Milestones}}<h4>Milestones</h4>
<table class="milestones">
<tr><th>#</th><th>Milestone</th><th>Deliverable</th><th>Start</th><th>End</th></tr>
{{range .Rows}}<tr><td>{{.Num}}</td><td>{{.Title}}</td><td>{{.Deliverable}}</td><td>{{.Start}}</td><td>{{.End}}</td></tr>
{{end}}</table>
{{end}}</article>
{{end}}</section>
{{if .Annex}}<section id="annex">
<h2>Annex: proposals not adopted</h2>
<p>Each proposal below was considered and not adopted; the reasoned response explains why.</p>
{{range .Annex}}<article id="proposal-{{.Number}}">
<h3>{{.Number}}. {{.Title}}</h3>
{{if .Origin}}<p class="meta">Proposed by {{.Origin}}</p>
{{end}}<h4>Reasoned response</h4>
{{.Response}}
</article>
{{end}}</section>
{{end}}{{if .Timeline}}<section id="timeline">
<h2>Timeline</h2>
<ul>
{{range .Timeline}}<li><strong>{{.Date}}</strong> {{.Title}}{{if .Note}}: {{.Note}}{{end}}</li>
{{end}}</ul>
</section>
{{end}}{{with .SignOff}}<section id="signature">
<h2>Signature</h2>
<table>
<tr><th>Signed by</th><td>{{.Signer.Name}}{{if .Signer.Org}}, {{.Signer.Org}}{{end}} ({{.Signer.Role}})</td></tr>
<tr><th>Signed at</th><td>{{date .}}</td></tr>
<tr><th>Version</th><td>{{.Version}}</td></tr>
<tr><th>Key fingerprint</th><td class="mono">{{.Signer.Fingerprint}}</td></tr>
<tr><th>Document heads</th><td class="mono">{{range $i, $h := .Heads}}{{if $i}}<br>{{end}}{{$h}}{{end}}</td></tr>
<tr><th>Content SHA-256</th><td class="mono">{{.ContentSHA256}}</td></tr>
{{range .Endorsements}}<tr><th>Endorsed by</th><td>{{.Name}}{{if .Org}}, {{.Org}}{{end}} ({{.Role}}, {{.Side}}) <span class="mono">{{.Fingerprint}}</span></td></tr>
{{end}}</table>
<p>To check that these files are the signed plan, run in the folder that holds them:</p>
<pre>{{range $.Verify}}{{.}}
{{end}}</pre>
</section>
{{end}}</body>
</html>
`))
