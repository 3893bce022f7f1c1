package doc

import (
	"fmt"
	"slices"
	"strings"
	"time"

	am "github.com/automerge/automerge-go"
)

// VersionKind says how a version was named.
type VersionKind string

const (
	VersionNow     VersionKind = "now"
	VersionRelease VersionKind = "release"
	VersionDraft   VersionKind = "draft"
	VersionMeeting VersionKind = "meeting" // a meeting's end (its start while it runs)
	VersionTime    VersionKind = "time"    // the latest version held at a moment
	VersionChange  VersionKind = "change"  // named by change hashes
)

// Version is one version of the plan: the heads that name it, and how it
// was named.
type Version struct {
	Kind  VersionKind `json:"kind"`
	Label string      `json:"label"` // the release or draft label, meeting title, moment or hashes
	Ref   string      `json:"ref"`   // the reference it was resolved from
	Heads []string    `json:"heads"`
	// Time is when the version was made: its latest change.
	Time time.Time `json:"time"`
	// Source says how a date-time was resolved: from this device's record
	// of the versions it held, or, before that record starts, from the
	// changes' own times (which their authors' clocks set).
	Source string `json:"source,omitempty"`
}

// How a date-time version was resolved.
const (
	SourceJournal     = "device record"
	SourceChangeTimes = "change times"
)

// String names the version in words: "release 1.0", "draft “For
// consultation”", "meeting “Forum 3” (end)", "as of 2025-11-02 14:00",
// "change 1a2b3c4d", "now".
func (v Version) String() string {
	switch v.Kind {
	case VersionNow:
		return "now"
	case VersionRelease:
		return "release " + v.Label
	case VersionDraft:
		return "draft " + quote(v.Label)
	case VersionMeeting:
		return "meeting " + v.Label
	case VersionTime:
		return "as of " + v.Label
	}
	hs := make([]string, len(v.Heads))
	for i, h := range v.Heads {
		hs[i] = short(h)
	}
	return "change " + strings.Join(hs, "+")
}

// ResolveVersion finds the version a reference names:
//
//	now                       the current version
//	release:LABEL             a signed release
//	draft:LABEL               a named draft
//	meeting:ID                a meeting's end (its start while it runs);
//	meeting:ID:start|end      either end of it (ID or unique prefix, or the title)
//	LABEL                     a release, draft or meeting, if exactly one has it
//	2025-11-02 14:20          the latest version this device held then, from
//	                          its heads journal; before the journal starts,
//	                          going by the changes' times, and the label says
//	                          so (a date alone: its end)
//	HASH[,HASH...]            change hashes, or unique prefixes of them
func (p *Plan) ResolveVersion(ref string) (Version, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ix, err := p.indexLocked()
	if err != nil {
		return Version{}, err
	}
	v, err := p.resolveLocked(ix, strings.TrimSpace(ref))
	if err != nil {
		return Version{}, err
	}
	v.Ref = ref
	v.Time = ix.latest(v.Heads)
	return v, nil
}

func (p *Plan) resolveLocked(ix *changeIndex, ref string) (Version, error) {
	if ref == "" || strings.EqualFold(ref, "now") {
		return Version{Kind: VersionNow, Label: "now", Heads: headStrings(p.d.Heads())}, nil
	}
	kind, label, hasKind := strings.Cut(ref, ":")
	if hasKind {
		switch strings.ToLower(kind) {
		case "release":
			return one(p.releaseVersions(label), "release", label)
		case "draft":
			return one(p.draftVersions(label), "draft", label)
		case "meeting":
			return one(p.meetingVersions(label), "meeting", label)
		}
	}
	var named []Version
	named = append(named, p.releaseVersions(ref)...)
	named = append(named, p.draftVersions(ref)...)
	named = append(named, p.meetingVersions(ref)...)
	if len(named) > 0 {
		return one(named, "version", ref)
	}
	if t, dateOnly, err := ParseTime(ref); err == nil {
		label := t.Format("2006-01-02 15:04")
		if dateOnly {
			t = t.AddDate(0, 0, 1).Add(-time.Millisecond)
			label = t.Format("2006-01-02") + " (end of day)"
		}
		if heads, ok, _ := p.heldAtLocked(ix, t); ok {
			return Version{Kind: VersionTime, Label: label, Heads: heads, Source: SourceJournal}, nil
		}
		_, _, start := p.heldAtLocked(ix, t)
		heads := ix.headsAt(t)
		if len(heads) == 0 {
			return Version{}, fmt.Errorf("%w: the plan had no changes by %s (%s)", ErrNotFound, label, fallbackNote(start))
		}
		return Version{Kind: VersionTime, Label: label + ", " + fallbackNote(start), Heads: heads, Source: SourceChangeTimes}, nil
	}
	if hs, err := ix.matchHashes(ref); err == nil {
		return Version{Kind: VersionChange, Label: ref, Heads: hs}, nil
	} else if !isHexList(ref) {
		return Version{}, fmt.Errorf("%w: no release, draft, meeting, time or change %q", ErrNotFound, ref)
	} else {
		return Version{}, err
	}
}

// one is the single version found, or an error naming why there is not one.
func one(vs []Version, what, label string) (Version, error) {
	switch len(vs) {
	case 1:
		return vs[0], nil
	case 0:
		return Version{}, fmt.Errorf("%w: no %s %q", ErrNotFound, what, label)
	}
	var names []string
	for _, v := range vs {
		names = append(names, v.String())
	}
	return Version{}, fmt.Errorf("%w: %q names %s (say release:, draft: or meeting:)", ErrAmbiguous, label, joinWords(names))
}

func (p *Plan) releaseVersions(label string) []Version {
	var out []Version
	for _, r := range p.releasesLocked() {
		if r.Label == label {
			out = append(out, Version{Kind: VersionRelease, Label: r.Label, Heads: r.Heads})
		}
	}
	return out
}

func (p *Plan) draftVersions(label string) []Version {
	var out []Version
	for _, d := range p.marksLocked(MarkDraft) {
		if d.Label == label || d.ID == label {
			out = append(out, Version{Kind: VersionDraft, Label: d.Label, Heads: d.Heads})
		}
	}
	return out
}

// meetingVersions finds meetings by ID, unique ID prefix or title, with
// an optional ":start" or ":end".
func (p *Plan) meetingVersions(ref string) []Version {
	which := ""
	if r, w, ok := strings.Cut(ref, ":"); ok && (w == "start" || w == "end") {
		ref, which = r, w
	}
	ms := p.meetingsLocked()
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	found := matchID(ids, ref)
	if len(found) == 0 {
		for _, m := range ms {
			if strings.EqualFold(m.Title, ref) {
				found = append(found, m.ID)
			}
		}
	}
	var out []Version
	for _, m := range ms {
		if !slices.Contains(found, m.ID) {
			continue
		}
		v := Version{Kind: VersionMeeting, Heads: m.StartHeads, Label: quote(m.Title) + " (start)"}
		if which != "start" && m.Ended() {
			v.Heads, v.Label = m.EndHeads, quote(m.Title)+" (end)"
		} else if which == "end" {
			continue // not ended yet
		}
		out = append(out, v)
	}
	return out
}

func isHexList(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF, ", r) {
			return false
		}
	}
	return s != ""
}

// matchHashes resolves change hashes or unique prefixes of them
// (separated by commas or spaces) to the version they name together.
func (ix *changeIndex) matchHashes(ref string) ([]string, error) {
	parts := strings.FieldsFunc(strings.ToLower(ref), func(r rune) bool { return r == ',' || r == ' ' })
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: no change named", ErrInvalid)
	}
	var out []string
	for _, part := range parts {
		if len(part) < 4 {
			return nil, fmt.Errorf("%w: change %q: give at least 4 digits", ErrInvalid, part)
		}
		if _, ok := ix.byHash[part]; ok {
			out = append(out, part)
			continue
		}
		var found []string
		for _, r := range ix.recs {
			if strings.HasPrefix(r.hash, part) {
				found = append(found, r.hash)
				if len(found) > 1 {
					break
				}
			}
		}
		switch len(found) {
		case 0:
			return nil, fmt.Errorf("%w: no change %s", ErrNotFound, part)
		case 1:
			out = append(out, found[0])
		default:
			return nil, fmt.Errorf("%w: change %s matches several; give more digits", ErrAmbiguous, part)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// headsAt is the latest version made of changes dated at or before t
// whose dependencies are all in it too (a change dated earlier than one it
// depends on, by a clock set wrong, waits for it).
func (ix *changeIndex) headsAt(t time.Time) []string {
	in := make([]bool, len(ix.recs))
	used := make([]bool, len(ix.recs))
	for i, r := range ix.recs {
		if r.time.After(t) {
			continue
		}
		ok := true
		for _, d := range r.deps {
			if !in[d] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		in[i] = true
		for _, d := range r.deps {
			used[d] = true
		}
	}
	var heads []string
	for i := range ix.recs {
		if in[i] && !used[i] {
			heads = append(heads, ix.recs[i].hash)
		}
	}
	slices.Sort(heads)
	return heads
}

// latest is the time of the latest of the changes named.
func (ix *changeIndex) latest(heads []string) time.Time {
	var t time.Time
	for _, h := range heads {
		if i, ok := ix.byHash[h]; ok && ix.recs[i].time.After(t) {
			t = ix.recs[i].time
		}
	}
	return t
}

// At opens the plan read-only as it was at the version ref names (see
// ResolveVersion). The copy is independent: editing the plan goes on.
func (p *Plan) At(ref string) (*Plan, error) {
	v, err := p.ResolveVersion(ref)
	if err != nil {
		return nil, err
	}
	return p.AtVersion(v)
}

// AtVersion opens the plan read-only as it was at v.
func (p *Plan) AtVersion(v Version) (*Plan, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.commitLocked(); err != nil {
		return nil, err
	}
	hs, err := p.parseHeadsLocked(v.Heads)
	if err != nil {
		return nil, err
	}
	return p.forkLocked(hs, v)
}

// forkLocked makes the read-only copy of the plan at heads hs.
func (p *Plan) forkLocked(hs []am.ChangeHash, v Version) (*Plan, error) {
	f, err := p.d.Fork(hs...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnknownHeads, err)
	}
	old := newPlan(f, Author{})
	old.id = p.id
	old.readOnly = true
	old.version = &v
	old.log = p.log
	return old, nil
}

// Version says which past version a copy opened with At shows; false for
// a plan open for editing.
func (p *Plan) Version() (Version, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.version == nil {
		return Version{}, false
	}
	return *p.version, true
}

// NamedVersions lists the versions that have names, oldest first: signed
// releases, named drafts, and meetings' starts and ends. Each Ref resolves
// back to it.
func (p *Plan) NamedVersions() ([]Version, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ix, err := p.indexLocked()
	if err != nil {
		return nil, err
	}
	var out []Version
	for _, r := range p.releasesLocked() {
		out = append(out, Version{Kind: VersionRelease, Label: r.Label, Ref: "release:" + r.Label, Heads: r.Heads})
	}
	for _, d := range p.marksLocked(MarkDraft) {
		out = append(out, Version{Kind: VersionDraft, Label: d.Label, Ref: "draft:" + d.Label, Heads: d.Heads})
	}
	for _, m := range p.meetingsLocked() {
		out = append(out, Version{Kind: VersionMeeting, Label: quote(m.Title) + " (start)", Ref: "meeting:" + m.ID + ":start", Heads: m.StartHeads})
		if m.Ended() {
			out = append(out, Version{Kind: VersionMeeting, Label: quote(m.Title) + " (end)", Ref: "meeting:" + m.ID + ":end", Heads: m.EndHeads})
		}
	}
	for i := range out {
		out[i].Time = ix.latest(out[i].Heads)
	}
	slices.SortStableFunc(out, func(a, b Version) int { return a.Time.Compare(b.Time) })
	return out, nil
}

// ItemStamp says how often a timeline entry or milestone was changed
// after it was added, and when last, up to some version: what a calendar
// needs to take an event as updated.
type ItemStamp struct {
	Edits    int       `json:"edits"`
	Modified time.Time `json:"modified"`
}

// ItemStamps gives the stamps of the timeline entries and milestones as
// of version v, by item ID, from the change index.
func (p *Plan) ItemStamps(v Version) (map[string]ItemStamp, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ix, err := p.indexLocked()
	if err != nil {
		return nil, err
	}
	in := ix.ancestors(v.Heads)
	out := map[string]ItemStamp{}
	for i := range ix.recs {
		if !in[i] {
			continue
		}
		r := &ix.recs[i]
		seen := map[string]bool{}
		for _, e := range r.edits {
			id := ""
			switch e.Item {
			case ItemTimeline:
				id = e.ID
			case ItemMilestone:
				id = e.Sub
			}
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			st := out[id]
			if e.Verb != VerbAdd {
				st.Edits++
			}
			if r.time.After(st.Modified) {
				st.Modified = r.time
			}
			out[id] = st
		}
	}
	return out, nil
}
