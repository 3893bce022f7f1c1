package doc

import (
	"fmt"
	"slices"
	"strings"
	"time"

	am "github.com/automerge/automerge-go"
)

// Comment threads and anchors.
//
// A reply is a comment like any other, on the same target, whose parent
// key names the comment that opened the thread (replies to a reply join
// that thread), so a thread never nests deeper than one level.
//
// An anchored comment is on a passage of one of the commitment's long
// texts: its target is "commitmentID/field" and its anchor map holds where
// the passage was when the comment was made (start and end, code points),
// the passage itself (quote) and a few characters either side of it
// (before, after). Automerge cursors would follow the passage exactly, but
// the automerge-go this plan is built on exposes none, so the passage is
// found again in the text as it is now (FindAnchor): the occurrence of the
// quote whose surroundings match best, nearest to where it was. The anchor
// follows the text while the passage itself is intact, wherever edits
// around it move it; once the passage is edited it is lost, and the
// comment says so with the quote it was on.

// CommentAnchor is the passage of a long text a comment is on.
type CommentAnchor struct {
	Field string `json:"field"` // the commitment's text field (problem, description, ...)
	Start int    `json:"start"` // where the passage was, in code points
	End   int    `json:"end"`
	Quote string `json:"quote"` // the passage as it was
	// Before and After are up to anchorContext code points either side,
	// to tell repeated passages apart.
	Before string `json:"-"`
	After  string `json:"-"`
}

// anchorContext is how much text either side of a passage is kept.
const anchorContext = 24

// maxQuote bounds the passage a comment may quote, in code points.
const maxQuote = 2000

// AnchorFields are the commitment texts a comment may be anchored in.
var AnchorFields = []string{"problem", "description", "contribution", "additional", "response"}

// ReplyToComment adds a reply to the thread of comment parent.
func (p *Plan) ReplyToComment(parent, body string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return "", err
	}
	if strings.TrimSpace(body) == "" {
		return "", fmt.Errorf("%w: an empty reply", ErrInvalid)
	}
	pm := p.mapAt("comments", parent)
	if pm == nil {
		return "", fmt.Errorf("%w: comment %s", ErrNotFound, parent)
	}
	root := parent
	if r := p.str(pm, "parent"); r != "" {
		root = r
	}
	target := p.str(pm, "target")
	cid, _, _ := strings.Cut(target, "/")
	id, err := p.newCommentLocked(target, body, map[string]any{"parent": root})
	if err != nil {
		return "", err
	}
	p.touch(fmt.Sprintf("Reply to a comment on commitment %d", p.numberOf(cid)))
	return id, nil
}

// AddAnchoredComment comments on the passage [start, end) (code points) of
// one of commitment cid's long texts.
func (p *Plan) AddAnchoredComment(cid, field string, start, end int, body string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return "", err
	}
	if strings.TrimSpace(body) == "" {
		return "", fmt.Errorf("%w: an empty comment", ErrInvalid)
	}
	if !slices.Contains(AnchorFields, field) {
		return "", fmt.Errorf("%w: comments can be anchored in %s, not %q", ErrInvalid, strings.Join(AnchorFields, ", "), field)
	}
	if p.mapAt("commitments", cid) == nil {
		return "", fmt.Errorf("%w: commitment %s", ErrNotFound, cid)
	}
	t, err := p.resolveText(CommitmentText(cid, field))
	if err != nil {
		return "", err
	}
	s, err := t.Get()
	if err != nil {
		return "", err
	}
	text := []rune(s)
	if start < 0 || end <= start || end > len(text) {
		return "", fmt.Errorf("%w: passage %d..%d of a text of %d characters", ErrInvalid, start, end, len(text))
	}
	if end-start > maxQuote {
		return "", fmt.Errorf("%w: a passage of %d characters (at most %d)", ErrInvalid, end-start, maxQuote)
	}
	anchor := am.NewMap()
	id, err := p.newCommentLocked(cid+"/"+field, body, map[string]any{"anchor": anchor})
	if err != nil {
		return "", err
	}
	for k, v := range map[string]any{
		"field": field, "start": int64(start), "end": int64(end), "quote": string(text[start:end]),
		"before": string(text[max(0, start-anchorContext):start]), "after": string(text[end:min(len(text), end+anchorContext)]),
	} {
		if err := p.mapAt("comments", id, "anchor").Set(k, v); err != nil {
			return "", err
		}
	}
	p.touch(fmt.Sprintf("Comment on a passage of commitment %d", p.numberOf(cid)))
	return id, nil
}

// newCommentLocked adds a comment on target with extra keys set.
func (p *Plan) newCommentLocked(target, body string, extra map[string]any) (string, error) {
	now := p.now().UTC()
	fields := map[string]any{"target": target, "author": p.author.Name, "at": now,
		"order": now.Format(time.RFC3339Nano), "resolved": false, "body": am.NewText(body)}
	for k, v := range extra {
		fields[k] = v
	}
	id, _, err := newItem(p.mapAt("comments"), fields)
	return id, err
}

// readCommentThread reads a comment's parent and anchor.
func (p *Plan) readCommentThread(m *am.Map, c *Comment) {
	c.Parent = p.str(m, "parent")
	a := mapIn(m, "anchor")
	if a == nil {
		return
	}
	c.Anchor = &CommentAnchor{Field: p.str(a, "field"), Start: intIn(a, "start"), End: intIn(a, "end"),
		Quote: p.str(a, "quote"), Before: p.str(a, "before"), After: p.str(a, "after")}
}

func intIn(m *am.Map, key string) int {
	if m == nil {
		return 0
	}
	v, err := m.Get(key)
	if err != nil || v.Kind() != am.KindInt64 {
		return 0
	}
	return int(v.Int64())
}

// FindAnchor finds an anchor's passage in text as it is now and returns
// its range in code points; ok is false once the passage has been edited
// away. Of the passage's occurrences it takes the one whose surroundings
// match the anchor's best, and among those the nearest to where the
// passage was.
func FindAnchor(text string, a CommentAnchor) (start, end int, ok bool) {
	q := []rune(a.Quote)
	if len(q) == 0 {
		return 0, 0, false
	}
	rs := []rune(text)
	before, after := []rune(a.Before), []rune(a.After)
	best, bestScore, bestDist := -1, -1, 0
	for i := 0; i+len(q) <= len(rs); i++ {
		if !slices.Equal(rs[i:i+len(q)], q) {
			continue
		}
		score := commonSuffix(rs[:i], before) + commonPrefix(rs[i+len(q):], after)
		dist := i - a.Start
		if dist < 0 {
			dist = -dist
		}
		if score > bestScore || score == bestScore && dist < bestDist {
			best, bestScore, bestDist = i, score, dist
		}
	}
	if best < 0 {
		return 0, 0, false
	}
	return best, best + len(q), true
}

func commonPrefix(a, b []rune) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func commonSuffix(a, b []rune) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return n
}

// Threads groups comments into threads: each comment that opens one,
// with its replies oldest first. A reply whose opening comment is gone
// opens a thread of its own.
func Threads(cs []Comment) []Thread {
	ids := map[string]bool{}
	for _, c := range cs {
		ids[c.ID] = true
	}
	var out []Thread
	at := map[string]int{}
	for _, c := range cs {
		if c.Parent == "" || !ids[c.Parent] {
			at[c.ID] = len(out)
			out = append(out, Thread{Comment: c})
		}
	}
	for _, c := range cs {
		if i, ok := at[c.Parent]; ok && c.Parent != "" && c.ID != c.Parent {
			out[i].Replies = append(out[i].Replies, c)
		}
	}
	return out
}

// Thread is a comment and the replies to it.
type Thread struct {
	Comment
	Replies []Comment
}
