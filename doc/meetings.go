package doc

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc/authority"
	"github.com/coplan/coplan/doc/textdiff"
)

// Meeting is a forum meeting as its marks record it: who was there and
// the versions at its start and end.
type Meeting struct {
	ID         string    `json:"id"` // its start mark's
	Title      string    `json:"title"`
	Note       string    `json:"note"` // the meeting notes it writes into
	Attendees  []string  `json:"attendees"`
	StartHeads []string  `json:"startHeads"`
	Started    time.Time `json:"started"`
	StartedBy  string    `json:"startedBy"`
	EndHeads   []string  `json:"endHeads,omitempty"`
	EndedAt    time.Time `json:"endedAt,omitempty"`
	EndedBy    string    `json:"endedBy,omitempty"`
}

// Ended reports whether the meeting has been ended.
func (m Meeting) Ended() bool { return len(m.EndHeads) > 0 }

// meetingsLocked reads the meetings from their signed marks, oldest
// first. Two peers ending one meeting at once both leave a mark; the first
// in the rules' canonical order counts.
func (p *Plan) meetingsLocked() []Meeting {
	var out []Meeting
	at := map[string]int{}
	marks := p.marksLocked("")
	for _, m := range marks {
		if m.Kind == MarkMeetingStart {
			at[m.ID] = len(out)
			out = append(out, Meeting{ID: m.ID, Title: m.Label, Note: m.Note, Attendees: m.Attendees,
				StartHeads: m.Heads, Started: m.At, StartedBy: m.By})
		}
	}
	// Ends in a second pass: an end made in the millisecond of its start
	// may sort before it.
	for _, m := range marks {
		if i, ok := at[m.Meeting]; ok && m.Kind == MarkMeetingEnd {
			out[i].EndHeads, out[i].EndedAt, out[i].EndedBy = m.Heads, m.At, m.By
		}
	}
	return out
}

// Meetings lists the meetings, oldest first.
func (p *Plan) Meetings() []Meeting {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.meetingsLocked()
}

// Errors of meetings.
var (
	ErrNoMeeting      = errors.New("no meeting is running")
	ErrMeetingRunning = errors.New("a meeting is running")
)

// StartMeeting starts a meeting: it opens its meeting notes (titled, dated
// today, attendees filled in), then marks the version the meeting starts
// from and who is present. The starter counts as present.
func (p *Plan) StartMeeting(title string, attendees []string) (Meeting, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.commitLocked(); err != nil {
		return Meeting{}, err
	}
	if err := p.beforeEdit(); err != nil {
		return Meeting{}, err
	}
	now := p.now()
	title = strings.Join(strings.Fields(title), " ")
	if title == "" {
		title = "Meeting " + now.Format("2 January 2006")
	}
	present := cleanNames(append([]string{p.author.Name}, attendees...))
	// Refused before its notes are written: nothing is left behind.
	if err := p.checkMarkLocked(authority.NewMeetingStart(title, headStrings(p.d.Heads()), present)); err != nil {
		return Meeting{}, err
	}
	for _, m := range p.meetingsLocked() {
		if !m.Ended() && m.StartedBy == p.Device().PeerID() {
			return Meeting{}, fmt.Errorf("%w: %q, started %s (end it first)", ErrMeetingRunning, m.Title, m.Started.Local().Format("2006-01-02 15:04"))
		}
	}
	note, err := p.addDatedLocked(notesKind, title, now.Format(DateLayout),
		map[string]any{"attendees": strings.Join(present, ", "), "body": am.NewText("")})
	if err != nil {
		return Meeting{}, err
	}
	if err := p.commitLocked(); err != nil {
		return Meeting{}, err
	}
	body := authority.NewMeetingStart(title, headStrings(p.d.Heads()), present)
	body.Note = note
	id, err := p.makeMarkLocked(body, "Start meeting “"+title+"”")
	if err != nil {
		return Meeting{}, err
	}
	if err := p.commitLocked(); err != nil {
		return Meeting{}, err
	}
	for _, mt := range p.meetingsLocked() {
		if mt.ID == id.String() {
			return mt, nil
		}
	}
	return Meeting{}, fmt.Errorf("%w: the meeting just started", ErrNotFound)
}

// cleanNames trims names and drops blanks and repeats, keeping order.
func cleanNames(names []string) []string {
	var out []string
	for _, n := range names {
		n = strings.Join(strings.Fields(n), " ")
		if n != "" && !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, n) }) {
			out = append(out, n)
		}
	}
	return out
}

// Decision is a decision a meeting took: a commitment's move to another
// decision state, or its reasoned response written or changed.
type Decision struct {
	CommitmentID string `json:"commitmentId"`
	Number       int    `json:"number"`
	Title        string `json:"title"`
	From         State  `json:"from,omitempty"` // "" when the state did not change
	To           State  `json:"to"`
	Response     string `json:"response,omitempty"` // when it was written or changed
}

// MeetingRecord is what End writes into a meeting's notes.
type MeetingRecord struct {
	Meeting   Meeting    `json:"meeting"`
	Editors   []Author   `json:"editors"` // who edited the plan during the meeting, from every peer
	Decisions []Decision `json:"decisions"`
	Diff      PlanDiff   `json:"diff"` // what changed between its start and end
	Text      string     `json:"text"` // the record as written into the notes
}

// RunningMeeting finds the meeting ref names (ID, unique prefix or title),
// or with ref "" the one meeting still running.
func (p *Plan) RunningMeeting(ref string) (Meeting, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.findMeetingLocked(ref)
}

func (p *Plan) findMeetingLocked(ref string) (Meeting, error) {
	ms := p.meetingsLocked()
	var found []Meeting
	for _, m := range ms {
		switch {
		case ref == "" && !m.Ended(),
			ref != "" && (m.ID == ref || strings.HasPrefix(m.ID, ref) || strings.EqualFold(m.Title, ref)):
			found = append(found, m)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		if ref == "" {
			return Meeting{}, ErrNoMeeting
		}
		return Meeting{}, fmt.Errorf("%w: meeting %q", ErrNotFound, ref)
	}
	return Meeting{}, fmt.Errorf("%w: %d meetings match %q (name one by its ID)", ErrAmbiguous, len(found), ref)
}

// EndMeeting ends a meeting (ref as for RunningMeeting): it marks the
// version the meeting ends at, and appends to its notes a record of who
// was there, who edited what on any laptop, the decisions taken, and what
// changed between the start and the end.
func (p *Plan) EndMeeting(ref string) (MeetingRecord, error) {
	p.mu.Lock()
	if err := p.commitLocked(); err != nil {
		p.mu.Unlock()
		return MeetingRecord{}, err
	}
	m, err := p.findMeetingLocked(ref)
	if err == nil && m.Ended() {
		err = fmt.Errorf("%w: meeting %q ended %s", ErrInvalid, m.Title, m.EndedAt.Local().Format("2006-01-02 15:04"))
	}
	var start authority.ID
	if err == nil {
		start, err = authority.ParseID(m.ID)
	}
	end := headStrings(p.d.Heads())
	if err == nil { // refused before the record is computed or written
		err = p.checkMarkLocked(authority.NewMeetingEnd(start, end, m.Attendees))
	}
	if err != nil {
		p.mu.Unlock()
		return MeetingRecord{}, err
	}
	editors, err := p.editorsSinceLocked(m.StartHeads)
	p.mu.Unlock()
	if err != nil {
		return MeetingRecord{}, err
	}
	from := Version{Kind: VersionMeeting, Label: quote(m.Title) + " (start)", Heads: m.StartHeads, Time: m.Started}
	to := Version{Kind: VersionMeeting, Label: quote(m.Title) + " (end)", Heads: end, Time: p.now().UTC()}
	d, err := p.DiffVersions(from, to)
	if err != nil {
		return MeetingRecord{}, err
	}
	// The meeting's own notes being written is not news to the meeting.
	d.Notes = slices.DeleteFunc(d.Notes, func(it ItemDiff) bool { return it.ID == m.Note })
	rec := MeetingRecord{Meeting: m, Editors: editors, Decisions: decisions(d), Diff: d}

	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return MeetingRecord{}, err
	}
	endedAt := p.now()
	if _, err := p.makeAtLocked(authority.NewMeetingEnd(start, end, m.Attendees), "End meeting “"+m.Title+"”", endedAt); err != nil {
		return MeetingRecord{}, err
	}
	rec.Meeting.EndHeads, rec.Meeting.EndedAt, rec.Meeting.EndedBy = end, endedAt.UTC().Truncate(time.Millisecond), p.Device().PeerID()
	rec.Text = rec.render()
	if note := p.mapAt("notes", m.Note); note != nil {
		r := NoteBody(m.Note)
		t, err := p.resolveText(r)
		if err != nil {
			return MeetingRecord{}, err
		}
		body, err := t.Get()
		if err != nil {
			return MeetingRecord{}, err
		}
		sep := ""
		if strings.TrimSpace(body) != "" {
			sep = "\n\n"
			if strings.HasSuffix(body, "\n") {
				sep = "\n"
			}
		}
		if err := p.spliceLocked(r, utf8.RuneCountInString(body), 0, sep+rec.Text); err != nil {
			return MeetingRecord{}, err
		}
	}
	return rec, p.commitLocked()
}

// editorsSinceLocked lists who made the changes that came after heads
// (from any laptop), in the order they first edited.
func (p *Plan) editorsSinceLocked(heads []string) ([]Author, error) {
	ix, err := p.indexLocked()
	if err != nil {
		return nil, err
	}
	before := ix.ancestors(heads)
	at := p.attributorLocked()
	out := []Author{}
	for i := range ix.recs {
		r := &ix.recs[i]
		if before[i] || len(r.edits) == 0 || r.edits[0].Words != "" && len(r.edits) == 1 {
			continue // known at the start, or only a meeting's or member's record
		}
		a, _ := at.of(r)
		if !slices.ContainsFunc(out, func(o Author) bool { return o.PeerID == a.PeerID && o.Name == a.Name }) {
			out = append(out, a)
		}
	}
	return out, nil
}

// ancestors marks the changes that the version named by heads includes.
func (ix *changeIndex) ancestors(heads []string) []bool {
	in := make([]bool, len(ix.recs))
	var stack []int32
	for _, h := range heads {
		if i, ok := ix.byHash[h]; ok {
			stack = append(stack, i)
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if in[i] {
			continue
		}
		in[i] = true
		stack = append(stack, ix.recs[i].deps...)
	}
	return in
}

// decisions reads the decisions taken from a diff: state moves and
// reasoned responses.
func decisions(d PlanDiff) []Decision {
	out := []Decision{}
	for _, c := range d.Commitments {
		if c.Change == Removed {
			continue
		}
		dec := Decision{CommitmentID: c.ID, Number: c.Number, Title: c.Title, To: c.State}
		found := false
		for _, f := range c.Fields {
			switch f.Field {
			case "state":
				if c.Change == Changed {
					dec.From, found = State(stateKey(f.From)), true
				}
			case "response":
				if f.To != "" {
					dec.Response, found = f.To, true
				}
			}
		}
		if found {
			out = append(out, dec)
		}
	}
	return out
}

// stateKey turns a state as a diff says it back into the state.
func stateKey(words string) string {
	for _, s := range States {
		if StateWords(s) == words {
			return string(s)
		}
	}
	return words
}

// render writes the record as it goes into the notes: plain text that
// reads well as it is and as Markdown.
func (r MeetingRecord) render() string {
	var b strings.Builder
	m := r.Meeting
	fmt.Fprintf(&b, "Meeting record: %s, %s–%s\n\n", m.Started.Local().Format("2 January 2006"),
		m.Started.Local().Format("15:04"), m.EndedAt.Local().Format("15:04"))
	fmt.Fprintf(&b, "Attendees: %s\n\n", strings.Join(m.Attendees, ", "))
	var eds []string
	for _, a := range r.Editors {
		n := a.Name
		if n == "" {
			n = "an unknown device"
		}
		if a.Org != "" {
			n += " (" + a.Org + ")"
		}
		eds = append(eds, n)
	}
	if len(eds) == 0 {
		b.WriteString("Nobody edited the plan during the meeting.\n")
	} else {
		fmt.Fprintf(&b, "Edited during the meeting by: %s\n", strings.Join(eds, ", "))
	}
	if len(r.Decisions) > 0 {
		b.WriteString("\nDecisions:\n")
		for _, d := range r.Decisions {
			line := fmt.Sprintf("- Commitment %d “%s”: ", d.Number, d.Title)
			if d.From != "" {
				line += fmt.Sprintf("moved from %s to %s", StateWords(d.From), StateWords(d.To))
			} else {
				line += StateWords(d.To)
			}
			if d.Response != "" {
				line += ". Reasoned response: " + strings.Join(strings.Fields(d.Response), " ")
			}
			b.WriteString(line + "\n")
		}
	}
	if lines := r.Diff.summaryLines(); len(lines) > 0 {
		b.WriteString("\nWhat changed during the meeting:\n")
		for _, l := range lines {
			b.WriteString("- " + l + "\n")
		}
	}
	return b.String()
}

// summaryLines says what a diff changed, one line per item: short
// fields with their new value, texts with a word diff when short.
func (d PlanDiff) summaryLines() []string {
	var out []string
	fields := func(fs []FieldDiff) string {
		var parts []string
		for _, f := range fs {
			parts = append(parts, fieldChange(f))
		}
		return strings.Join(parts, "; ")
	}
	if len(d.Plan) > 0 {
		out = append(out, "The plan: "+fields(d.Plan))
	}
	for _, c := range d.Commitments {
		head := fmt.Sprintf("Commitment %d “%s”", c.Number, c.Title)
		switch c.Change {
		case Added:
			out = append(out, head+" added")
		case Removed:
			out = append(out, head+" removed")
		default:
			line := head + ": " + fields(c.Fields)
			for _, m := range c.Milestones {
				if len(c.Fields) > 0 || !strings.HasSuffix(line, ": ") {
					line += "; "
				}
				line += fmt.Sprintf("milestone “%s” %s", m.Title, m.Change)
				if m.Change == Changed {
					line += " (" + fields(m.Fields) + ")"
				}
			}
			out = append(out, line)
		}
	}
	for _, sec := range []struct {
		what  string
		items []ItemDiff
	}{{"Timeline entry", d.Timeline}, {"Meeting notes", d.Notes}} {
		for _, it := range sec.items {
			line := fmt.Sprintf("%s “%s” %s", sec.what, it.Title, it.Change)
			if it.Change == Changed {
				line += ": " + fields(it.Fields)
			}
			out = append(out, line)
		}
	}
	return out
}

// maxInline is the longest text change a meeting record spells out.
const maxInline = 200

func fieldChange(f FieldDiff) string {
	label := strings.ToLower(f.Label[:1]) + f.Label[1:]
	if !strings.Contains(f.From, "\n") && !strings.Contains(f.To, "\n") && len(f.From)+len(f.To) <= maxInline {
		if f.From == "" {
			return fmt.Sprintf("%s set to “%s”", label, f.To)
		}
		if f.To == "" {
			return fmt.Sprintf("%s cleared (was “%s”)", label, f.From)
		}
		return fmt.Sprintf("%s “%s” → “%s”", label, f.From, f.To)
	}
	ins, del := 0, 0
	for _, c := range f.Words {
		n := len(strings.Fields(c.Text))
		switch c.Op {
		case textdiff.Insert:
			ins += n
		case textdiff.Delete:
			del += n
		}
	}
	return fmt.Sprintf("%s edited (%d words added, %d removed)", label, ins, del)
}

// MayStartMeeting says whether this device may start a meeting now: nil,
// or the rulebook's reason it may not (co-chairs and administrators do).
func (p *Plan) MayStartMeeting() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.checkMarkLocked(authority.NewMeetingStart("check", headStrings(p.d.Heads()), nil))
}

// MayEndMeeting says whether this device may end meeting m now.
func (p *Plan) MayEndMeeting(m Meeting) error {
	start, err := authority.ParseID(m.ID)
	if err != nil {
		return fmt.Errorf("%w: meeting %q", ErrNotFound, m.ID)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.checkMarkLocked(authority.NewMeetingEnd(start, headStrings(p.d.Heads()), nil))
}
