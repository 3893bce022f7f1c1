package doc

import (
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
	VerbKeep    = "keep" // one of a short field's conflicting values (Value)
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
	case VerbKeep:
		kept := "“" + e.Value + "”"
		if e.Value == "" {
			kept = "an empty value"
		}
		return v("Keep ", "kept ") + kept + " as the " + fieldName(e.Field) + " of " + item
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

// trailerPrefix starts each line of a change message that keeps one of
// its edits for machines, after the words and a blank line:
//
//	coplan:VERB<TAB>ITEM<TAB>ID<TAB>SUB<TAB>FIELD<TAB>NUMBER<TAB>INSERTED<TAB>DELETED<TAB>VALUE<TAB>TITLE
//
// with verbs and items in the one-letter codes of wireCodes, empty fields
// empty and empty fields at the end left out; an edit in words alone is
// coplan:w<TAB>WORDS. Tabs and codes rather than JSON because every
// change carries its message: a typing change's line is about 45 bytes.
const trailerPrefix = "coplan:"

// wordsVerb marks a trailer line of an edit in words alone.
const wordsVerb = "w"

// trailerFields is how many fields an edit's trailer line has at most.
const trailerFields = 10

// wireCodes are the trailer's codes for verbs and items (a name without a
// code goes as it is).
var wireCodes = map[string]string{
	VerbAdd: "a", VerbEdit: "e", VerbRemove: "r", VerbMove: "m", VerbReorder: "o", VerbState: "s", VerbRestore: "b",
	VerbComment: "k", VerbResolve: "v", VerbReopen: "u", VerbKeep: "c",
}

var itemCodes = map[string]string{
	ItemPlan: "p", ItemCommitment: "c", ItemMilestone: "m", ItemTimeline: "t", ItemNote: "n", ItemComment: "k",
}

func invert(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[v] = k
	}
	return out
}

var (
	wireVerbs = invert(wireCodes)
	wireItems = invert(itemCodes)
)

func code(m map[string]string, s string) string {
	if c, ok := m[s]; ok {
		return c
	}
	return s
}

// oneField keeps a value on its trailer line.
var oneField = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")

// againVerb starts the trailer of a change that made the one edit its
// actor's previous change made, to the same item and field under the same
// title, only with other counts: coplan:=<TAB>INSERTED<TAB>DELETED. An
// actor's changes form a chain, so whoever reads a change has read the one
// before; typing, most of all changes, costs a few bytes.
const againVerb = "="

// sameButCounts reports whether a and b are one edit apart from counts.
func sameButCounts(a, b Edit) bool {
	a.Inserted, a.Deleted, b.Inserted, b.Deleted = 0, 0, 0, 0
	return a == b
}

// changeMessage is the whole message of a change: the words, then the
// trailer. prev is what the same actor's previous change did.
func changeMessage(edits, prev []Edit) string {
	var b strings.Builder
	b.WriteString(describe(edits, false, true))
	b.WriteString("\n")
	if len(edits) == 1 && len(prev) == 1 && edits[0].Words == "" && sameButCounts(edits[0], prev[0]) {
		fmt.Fprintf(&b, "\n%s%s\t%d\t%d", trailerPrefix, againVerb, edits[0].Inserted, edits[0].Deleted)
		return b.String()
	}
	for _, e := range edits {
		b.WriteString("\n" + trailerPrefix)
		if e.Words != "" {
			b.WriteString(wordsVerb + "\t" + oneField.Replace(e.Words))
			continue
		}
		t := e.Title
		if utf8.RuneCountInString(t) > maxTitle {
			t = string([]rune(t)[:maxTitle])
		}
		num := func(n int) string {
			if n == 0 {
				return ""
			}
			return strconv.Itoa(n)
		}
		fs := []string{code(wireCodes, oneField.Replace(e.Verb)), code(itemCodes, oneField.Replace(e.Item)), oneField.Replace(e.ID),
			oneField.Replace(e.Sub), oneField.Replace(e.Field), num(e.Number), num(e.Inserted), num(e.Deleted),
			oneField.Replace(e.Value), oneField.Replace(t)}
		for len(fs) > 2 && fs[len(fs)-1] == "" {
			fs = fs[:len(fs)-1]
		}
		b.WriteString(strings.Join(fs, "\t"))
	}
	return b.String()
}

// maxTrailerEdits bounds what a message from a peer may claim.
const maxTrailerEdits = 1000

// ParseMessage splits a change message into its words and its edits;
// prev is what the same actor's previous change did (see againVerb).
// Messages without a trailer (older or foreign changes) have no edits; a
// trailer that does not parse is ignored rather than trusted.
func ParseMessage(msg string, prev []Edit) (string, []Edit) {
	words, rest, _ := strings.Cut(msg, "\n")
	var edits []Edit
	for _, line := range strings.Split(rest, "\n") {
		body, ok := strings.CutPrefix(line, trailerPrefix)
		if !ok {
			continue
		}
		if len(edits) == maxTrailerEdits {
			return words, nil
		}
		if counts, ok := strings.CutPrefix(body, againVerb+"\t"); ok {
			ins, del, ok := strings.Cut(counts, "\t")
			i, err1 := strconv.Atoi(ins)
			d, err2 := strconv.Atoi(del)
			if !ok || err1 != nil || err2 != nil || i < 0 || d < 0 || len(prev) != 1 || len(edits) > 0 || prev[0].Words != "" {
				return words, nil
			}
			e := prev[0]
			e.Inserted, e.Deleted = i, d
			edits = append(edits, e)
			continue
		}
		if w, ok := strings.CutPrefix(body, wordsVerb+"\t"); ok {
			edits = append(edits, Edit{Words: w})
			continue
		}
		f := strings.Split(body, "\t")
		if len(f) > trailerFields || len(f) < 2 {
			return words, nil
		}
		f = append(f, make([]string, trailerFields-len(f))...)
		var ns [3]int
		for i, s := range f[5:8] {
			if s == "" {
				continue
			}
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return words, nil
			}
			ns[i] = n
		}
		edits = append(edits, Edit{Verb: code(wireVerbs, f[0]), Item: code(wireItems, f[1]), ID: f[2], Sub: f[3], Field: f[4], Number: ns[0],
			Inserted: ns[1], Deleted: ns[2], Value: f[8], Title: f[9]})
	}
	return words, edits
}
