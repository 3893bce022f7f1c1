package app

import (
	"fmt"
	"image/color"
	"log/slog"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// blameView shows who wrote each passage of a long text: the text as it
// stands, each passage in its typist's colour after their name, and a key
// of the members with their share of it.
type blameView struct {
	plan *doc.Plan
	ref  doc.TextRef
	log  *slog.Logger

	status *widget.Label
	key    *fyne.Container
	text   *widget.RichText

	passages []doc.Passage
	loading  bool
	dirty    bool
	loaded   bool
}

// blameTab is the title of the long-text tab that shows a blameView.
const blameTab = "Who wrote this"

func newBlameView(p *doc.Plan, ref doc.TextRef, log *slog.Logger) *blameView {
	return &blameView{plan: p, ref: ref, log: log}
}

func (b *blameView) buildUI() fyne.CanvasObject {
	b.status = wrapped("")
	b.status.Importance = widget.LowImportance
	b.key = container.NewVBox()
	b.text = widget.NewRichText()
	b.text.Wrapping = fyne.TextWrapWord
	return container.NewBorder(container.NewVBox(flowText(b.status), b.key, widget.NewSeparator()), nil, nil, nil, container.NewVScroll(b.text))
}

// load works out the passages off the UI thread (a long text with a long
// history takes a moment) and shows them.
func (b *blameView) load() {
	if b.status == nil {
		return
	}
	if b.loading {
		b.dirty = true
		return
	}
	b.loading = true
	if !b.loaded {
		b.status.SetText("Working out who wrote each passage…")
	}
	p, ref := b.plan, b.ref
	go func() {
		ps, err := p.Blame(ref)
		onUI(func() { b.done(ps, err) })
	}()
}

func (b *blameView) done(ps []doc.Passage, err error) {
	b.loading = false
	if b.dirty {
		b.dirty = false
		b.load()
		return
	}
	if err != nil {
		b.log.Warn("blame failed", "field", b.ref, "err", err)
		b.status.SetText("Could not work out who wrote this text: " + err.Error())
		return
	}
	b.passages, b.loaded = ps, true
	b.show()
}

// blameAuthor is one member (or unknown device) in a blame view.
type blameAuthor struct {
	name     string
	colour   fyne.ThemeColorName
	chars    int
	passages int
}

func passageAuthor(ps doc.Passage) (key, name string) {
	switch {
	case ps.PeerID != "" && ps.Author != "":
		name = ps.Author
		if ps.Org != "" {
			name += " (" + ps.Org + ")"
		}
		return ps.PeerID, name
	case ps.PeerID != "":
		return ps.PeerID, "Unnamed device " + shortID(ps.PeerID)
	}
	return "actor:" + ps.Actor, "Unknown device " + shortID(ps.Actor)
}

func (b *blameView) show() {
	authors := map[string]*blameAuthor{}
	var order []string
	total := 0
	var segs []widget.RichTextSegment
	prev := ""
	for _, ps := range b.passages {
		key, name := passageAuthor(ps)
		a := authors[key]
		if a == nil {
			a = &blameAuthor{name: name, colour: authorColourName(len(order))}
			if ps.PeerID == "" {
				a.colour = theme.ColorNameDisabled
			}
			authors[key] = a
			order = append(order, key)
		}
		n := len([]rune(ps.Text))
		a.chars += n
		a.passages++
		total += n
		if key != prev {
			short := name
			if ps.Author != "" {
				short = ps.Author
			}
			segs = append(segs, &widget.TextSegment{Text: "‹" + short + "› ", Style: widget.RichTextStyle{Inline: true,
				ColorName: a.colour, TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameCaptionText}})
			prev = key
		}
		segs = append(segs, &widget.TextSegment{Text: ps.Text, Style: widget.RichTextStyle{Inline: true, ColorName: a.colour}})
	}
	b.text.Segments = segs
	b.text.Refresh()
	b.key.Objects = nil
	if total == 0 {
		b.status.SetText("The text is empty.")
		b.key.Refresh()
		return
	}
	b.status.SetText(fmt.Sprintf("%s by %s, each after the name of who typed it (a passage deleted and retyped counts as the retyper's).",
		plural(len(b.passages), "passage"), plural(len(order), "member")))
	for _, k := range order {
		a := authors[k]
		row := widget.NewRichText(
			&widget.TextSegment{Text: "■ " + a.name, Style: widget.RichTextStyle{Inline: true, ColorName: a.colour, TextStyle: fyne.TextStyle{Bold: true}}},
			&widget.TextSegment{Text: fmt.Sprintf(" — %d%% of the text, %s", (a.chars*100+total/2)/total, plural(a.passages, "passage")),
				Style: widget.RichTextStyle{Inline: true}},
		)
		b.key.Add(row)
	}
	b.key.Refresh()
}

// authorColours tell typists apart in a blame view: strong enough to read
// as text on the light background, light enough on the dark one.
var authorColours = [][2]color.NRGBA{
	{{0x1f, 0x6f, 0xb2, 0xff}, {0x64, 0xb5, 0xf6, 0xff}}, // blue
	{{0xb3, 0x59, 0x00, 0xff}, {0xff, 0xb7, 0x4d, 0xff}}, // orange
	{{0x2e, 0x7d, 0x32, 0xff}, {0x81, 0xc7, 0x84, 0xff}}, // green
	{{0x8e, 0x24, 0xaa, 0xff}, {0xce, 0x93, 0xd8, 0xff}}, // purple
	{{0xc6, 0x28, 0x28, 0xff}, {0xef, 0x9a, 0x9a, 0xff}}, // red
	{{0x00, 0x79, 0x6b, 0xff}, {0x4d, 0xb6, 0xac, 0xff}}, // teal
}

const authorColourPrefix = "coplanAuthor"

// authorColourName names the colour of the i-th typist (they repeat after
// six).
func authorColourName(i int) fyne.ThemeColorName {
	return fyne.ThemeColorName(fmt.Sprintf("%s%d", authorColourPrefix, i%len(authorColours)))
}

// authorColour is the theme's answer for the typists' colour names.
func authorColour(n fyne.ThemeColorName, v fyne.ThemeVariant) (color.Color, bool) {
	s, ok := strings.CutPrefix(string(n), authorColourPrefix)
	if !ok {
		return nil, false
	}
	var i int
	if _, err := fmt.Sscanf(s, "%d", &i); err != nil || i < 0 || i >= len(authorColours) {
		return nil, false
	}
	if v == theme.VariantLight {
		return authorColours[i][0], true
	}
	return authorColours[i][1], true
}
