package doc

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Change messages. Edits are recorded as they are made, in plan terms, and
// put into words once, when the change is committed, naming each item by
// its title at that moment. The message's first line is those words; a
// trailer line after it keeps the same edits in a form history can read
// back (which field, how many characters), so sessions and summaries never
// need to replay the document.

// Edit verbs.
const (
	VerbAdd     = "add"
	VerbEdit    = "edit"
	VerbRemove  = "remove"
	VerbMove    = "move"    // a commitment to a new position (Value)
	VerbReorder = "reorder" // the milestones of a commitment
	VerbState   = "state"   // a commitment to a new decision state (Value)
	VerbRestore = "restore"
	VerbComment = "comment"
	VerbResolve = "resolve"
	VerbReopen  = "reopen"
)

// Items an edit can be about.
const (
	ItemPlan       = "plan"
	ItemCommitment = "commitment"
	ItemMilestone  = "milestone"
	ItemTimeline   = "timeline"
	ItemNote       = "note"
	ItemComment    = "comment"
)

// Edit is one thing a change did, in plan terms. Edits outside the plan's
// items (members, releases, settings) carry only Words.
type Edit struct {
	Verb     string `json:"verb,omitempty"`
	Item     string `json:"item,omitempty"`
	ID       string `json:"id,omitempty"`     // the item; for a milestone, its commitment
	Sub      string `json:"sub,omitempty"`    // a milestone's ID
	Field    string `json:"field,omitempty"`  // the field edited, if one
	Number   int    `json:"number,omitempty"` // the commitment's number at commit time
	Title    string `json:"title,omitempty"`  // the item's title at commit time
	Value    string `json:"value,omitempty"`  // a new state or position
	Inserted int    `json:"inserted,omitempty"`
	Deleted  int    `json:"deleted,omitempty"` // code points of text
	Words    string `json:"words,omitempty"`
}

// sameTarget reports whether two edits are about the same field of the same item.
func (e Edit) sameTarget(o Edit) bool {
	return e.Item == o.Item && e.ID == o.ID && e.Sub == o.Sub && e.Field == o.Field
}

func (e Edit) sameItem(o Edit) bool { return e.Item == o.Item && e.ID == o.ID && e.Sub == o.Sub }

// CommitmentID is the commitment an edit touches ("" if none).
func (e Edit) CommitmentID() string {
	if e.Item == ItemCommitment || e.Item == ItemMilestone || e.Item == ItemComment {
		return e.ID
	}
	return ""
}

// addEdit folds e into edits: the same field of the same item is counted
// once, and typing the title of an item added in the same run is part of
// adding it.
// It returns the index e went to.
func addEdit(edits []Edit, e Edit) ([]Edit, int) {
	for i := range edits {
		o := &edits[i]
		if e.Words != "" || o.Words != "" {
			if e.Words == o.Words && e.Item == "" && o.Item == "" {
				return edits, i
			}
			continue
		}
		fold := (o.Verb == e.Verb && o.sameTarget(e)) ||
			(o.Verb == VerbAdd && e.Verb == VerbEdit && e.Field == "title" && o.sameItem(e))
		if !fold {
			continue
		}
		o.Inserted += e.Inserted
		o.Deleted += e.Deleted
		if e.Value != "" {
			o.Value = e.Value
		}
		if e.Title != "" {
			o.Title = e.Title
		}
		if e.Number != 0 {
			o.Number = e.Number
		}
		return edits, i
	}
	return append(edits, e), len(edits)
}

// mergeEdits is addEdit for every edit of more, keeping the latest titles.
func mergeEdits(edits, more []Edit) []Edit {
	for _, e := range more {
		edits, _ = addEdit(edits, e)
	}
	return edits
}

// fieldWords names fields in messages.
var fieldWords = map[string]string{
	"response": "reasoned response", "additional": "additional information", "lead": "lead agency",
	"support": "supporting actors", "org": "proposing organisation", "by": "proposer", "start": "start date",
	"end": "end date", "values": "OGP values", "periodStart": "period", "periodEnd": "period",
}

func fieldName(f string) string {
	if w, ok := fieldWords[f]; ok {
		return w
	}
	return f
}

var stateWords = map[string]string{string(Discussion): "under discussion", string(NotAdopted): "not adopted"}

// StateWords is a decision state as a sentence says it.
func StateWords(s State) string {
	if w, ok := stateWords[string(s)]; ok {
		return w
	}
	return string(s)
}

// maxTitle bounds how much of a title a message repeats.
const maxTitle = 80

func quote(title string) string {
	title = strings.Join(strings.Fields(title), " ")
	if utf8.RuneCountInString(title) > maxTitle {
		title = string([]rune(title)[:maxTitle-1]) + "…"
	}
	if title == "" {
		return ""
	}
	return "“" + title + "”"
}

// itemWords names an edit's item: "commitment 3 “Open contracting”".
// Without titles a commitment goes by its number alone; other items always
// by their titles, having no number.
func itemWords(e Edit, titles bool) string {
	t := ""
	if q := quote(e.Title); q != "" && (titles || (e.Item != ItemCommitment && e.Item != ItemComment)) {
		t = " " + q
	}
	num := func() string {
		if e.Number > 0 {
			return fmt.Sprintf("commitment %d", e.Number)
		}
		return "a commitment"
	}
	switch e.Item {
	case ItemPlan:
		return "the plan"
	case ItemCommitment:
		return num() + t
	case ItemMilestone:
		return "milestone" + t + " of " + num()
	case ItemTimeline:
		return "timeline entry" + t
	case ItemNote:
		return "meeting notes" + t
	case ItemComment:
		return "a comment on " + num()
	}
	return e.Item
}

// phrase puts one group of edits of one item into words, in the present
// tense for change messages or the past tense for session summaries.
// item names what the group is about (itemWords, "it", or several
// commitments at once).
func phrase(g []Edit, past bool, item string) string {
	e := g[0]
	again := item == "it"
	if e.Words != "" {
		if past {
			return pastWords(e.Words)
		}
		return e.Words
	}
	v := func(present, pastTense string) string {
		if past {
			return pastTense
		}
		return present
	}
	switch e.Verb {
	case VerbAdd:
		if e.Item == ItemMilestone {
			// "Add milestone “T” to commitment 3", not "of".
			i := strings.LastIndex(item, " of ")
			return v("Add ", "added ") + item[:i] + " to" + item[i+3:]
		}
		return v("Add ", "added ") + item
	case VerbRemove:
		return v("Remove ", "removed ") + item
	case VerbMove:
		return v("Move ", "moved ") + item + " to position " + e.Value
	case VerbReorder:
		return v("Reorder", "reordered") + " the milestones of " + item
	case VerbState:
		return v("Move ", "moved ") + item + " to " + StateWords(State(e.Value))
	case VerbComment:
		return v("Comment on ", "commented on ") + item
	case VerbResolve:
		return v("Resolve ", "resolved ") + item
	case VerbReopen:
		return v("Reopen ", "reopened ") + item
	}
	verb, from := v("Edit", "edited"), ""
	if e.Verb == VerbRestore {
		verb = v("Restore", "restored")
		if e.Value != "" {
			from = " from " + e.Value
		}
	}
	var fields []string
	for _, f := range g {
		if f.Field != "" {
			name := fieldName(f.Field)
			if !again {
				name = "the " + name
			}
			if !contains(fields, name) {
				fields = append(fields, name)
			}
		}
	}
	switch {
	case len(fields) == 0:
		return verb + " " + item + from
	case again:
		return verb + " its " + joinWords(fields) + from
	}
	return verb + " " + joinWords(fields) + " of " + item + from
}

// pastVerbs turn the first word of a message's words into the past tense.
var pastVerbs = map[string]string{"Add": "added", "Remove": "removed", "Set": "set", "Register": "registered",
	"Sign": "signed", "Endorse": "endorsed", "Require": "required", "Stop": "stopped", "Create": "created",
	"Migrate": "migrated", "Mark": "marked", "Start": "started", "End": "ended", "Save": "saved", "Edit": "edited",
	"Restore": "restored", "Rename": "renamed", "Record": "recorded"}

func pastWords(w string) string {
	first, rest, _ := strings.Cut(w, " ")
	if p, ok := pastVerbs[first]; ok {
		return strings.TrimSpace(p + " " + rest)
	}
	if w == "" {
		return w
	}
	return strings.ToLower(w[:1]) + w[1:]
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// joinWords joins "a", "b" and "c" as "a, b and c".
func joinWords(ws []string) string {
	switch len(ws) {
	case 0:
		return ""
	case 1:
		return ws[0]
	}
	return strings.Join(ws[:len(ws)-1], ", ") + " and " + ws[len(ws)-1]
}

// groupEdits gathers edits by item and verb (edit and restore of fields
// of one item together), in the order each group first appears.
func groupEdits(edits []Edit) [][]Edit {
	var groups [][]Edit
	for _, e := range edits {
		placed := false
		if e.Words == "" && (e.Verb == VerbEdit || e.Verb == VerbRestore) {
			for i, g := range groups {
				if g[0].Words == "" && g[0].Verb == e.Verb && g[0].sameItem(e) {
					groups[i] = append(g, e)
					placed = true
					break
				}
			}
		}
		if !placed {
			groups = append(groups, []Edit{e})
		}
	}
	return groups
}

// maxPhrases is how many things a message names before it counts the rest.
const maxPhrases = 3

// describe puts a change's edits into words: "Edit the description of
// commitment 3 “Open contracting”".
func describe(edits []Edit, past, titles bool) string {
	groups := groupEdits(edits)
	// Without titles, commitments that had the same done to them are named
	// together: "added commitments 1, 2 and 3".
	var nums [][]int
	if !titles {
		var merged [][]Edit
		for _, g := range groups {
			n := len(merged)
			if n > 0 && g[0].Item == ItemCommitment && g[0].Number > 0 && sameShape(merged[n-1], g) &&
				!g[0].sameItem(merged[n-1][0]) {
				nums[n-1] = append(nums[n-1], g[0].Number)
				continue
			}
			merged = append(merged, g)
			nums = append(nums, []int{g[0].Number})
		}
		groups = merged
	}
	var ps []string
	for i, g := range groups {
		if i == maxPhrases {
			rest := len(groups) - maxPhrases
			ps = append(ps, fmt.Sprintf("%d more %s", rest, plural(rest, "edit", "edits")))
			break
		}
		again := i > 0 && g[0].Words == "" && groups[i-1][0].Words == "" && g[0].sameItem(groups[i-1][0])
		item := itemWords(g[0], titles)
		switch {
		case again:
			item = "it"
		case nums != nil && len(nums[i]) > 1:
			ns := make([]string, len(nums[i]))
			for j, n := range nums[i] {
				ns[j] = strconv.Itoa(n)
			}
			item = "commitments " + joinWords(ns)
		}
		p := phrase(g, past, item)
		if i > 0 && !past && p != "" {
			p = strings.ToLower(p[:1]) + p[1:]
		}
		if again {
			// "Add commitment 1 “A” and edit its description"
			ps[len(ps)-1] += " and " + p
			continue
		}
		ps = append(ps, p)
	}
	if past {
		return joinWords(ps)
	}
	return strings.Join(ps, "; ")
}

// sameShape reports whether two groups did the same to their items.
func sameShape(a, b []Edit) bool {
	if len(a) != len(b) || a[0].Item != b[0].Item || a[0].Words != "" || b[0].Words != "" {
		return false
	}
	for i := range a {
		if a[i].Verb != b[i].Verb || a[i].Field != b[i].Field || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// trailerPrefix starts the line of a change message that keeps its edits
// for machines.
const trailerPrefix = "coplan-edits: "

// wireEdit is Edit in the trailer, with short keys: a message is stored in
// every change, so its size counts.
type wireEdit struct {
	V string `json:"v,omitempty"`
	K string `json:"k,omitempty"`
	I string `json:"i,omitempty"`
	S string `json:"s,omitempty"`
	F string `json:"f,omitempty"`
	N int    `json:"n,omitempty"`
	T string `json:"t,omitempty"`
	X string `json:"x,omitempty"`
	A int    `json:"a,omitempty"`
	D int    `json:"d,omitempty"`
	W string `json:"w,omitempty"`
}

// changeMessage is the whole message of a change: the words, then the
// trailer.
func changeMessage(edits []Edit) string {
	words := describe(edits, false, true)
	ws := make([]wireEdit, len(edits))
	for i, e := range edits {
		t := e.Title
		if utf8.RuneCountInString(t) > maxTitle {
			t = string([]rune(t)[:maxTitle])
		}
		ws[i] = wireEdit{V: e.Verb, K: e.Item, I: e.ID, S: e.Sub, F: e.Field, N: e.Number, T: t, X: e.Value,
			A: e.Inserted, D: e.Deleted}
		if e.Words != "" {
			ws[i] = wireEdit{W: e.Words}
		}
	}
	b, err := json.Marshal(ws)
	if err != nil {
		return words
	}
	return words + "\n\n" + trailerPrefix + string(b)
}

// maxTrailerEdits bounds what a message from a peer may claim.
const maxTrailerEdits = 1000

// ParseMessage splits a change message into its words and its edits.
// Messages without a trailer (older or foreign changes) have no edits; a
// trailer that does not parse is ignored rather than trusted.
func ParseMessage(msg string) (string, []Edit) {
	words, rest, _ := strings.Cut(msg, "\n")
	var edits []Edit
	for _, line := range strings.Split(rest, "\n") {
		body, ok := strings.CutPrefix(line, trailerPrefix)
		if !ok {
			continue
		}
		var ws []wireEdit
		if json.Unmarshal([]byte(body), &ws) != nil || len(ws) > maxTrailerEdits {
			return words, nil
		}
		for _, w := range ws {
			if w.A < 0 || w.D < 0 || w.N < 0 {
				return words, nil
			}
			edits = append(edits, Edit{Verb: w.V, Item: w.K, ID: w.I, Sub: w.S, Field: w.F, Number: w.N, Title: w.T,
				Value: w.X, Inserted: w.A, Deleted: w.D, Words: w.W})
		}
	}
	return words, edits
}
