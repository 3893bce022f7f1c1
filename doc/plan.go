package doc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc/store"
	"github.com/coplan/coplan/internal/logging"
)

// CommitPolicy groups keystrokes into changes: a change is committed after a
// pause in typing, and at least every Max while typing goes on. One change per
// keystroke would make documents and sync traffic many times larger.
type CommitPolicy struct {
	Pause time.Duration
	Max   time.Duration
	// Now, when set, replaces the wall clock and turns off the background
	// timers: commits then happen only inside edits (for replays and tests).
	Now func() time.Time
}

// DefaultPolicy is the policy of the desktop app: a 250 ms pause commits, so
// a crash 300 ms after the last keystroke still keeps it (issue 13); on a
// disk slower than saveSlack the pause shortens to make room (pauseDelay).
var DefaultPolicy = CommitPolicy{Pause: 250 * time.Millisecond, Max: 2 * time.Second}

// Event tells a subscriber that the plan changed. Events coalesce, so one
// event can stand for both kinds of change.
type Event struct {
	// Local: this process committed edits.
	Local bool
	// Remote: edits arrived (sync, an imported file, another process on
	// the same data folder).
	Remote bool
}

// Plan is one open National Action Plan. All methods are safe for concurrent
// use; edits are grouped into changes by the commit policy or by Commit.
type Plan struct {
	mu     sync.Mutex
	d      *am.Doc
	id     string
	author Author
	actor  string

	store   *store.Store
	unsaved []byte // changes a failed append did not write yet
	// saved is the heads of what the store holds: a commit whose change
	// depends on exactly these is appended alone, in time proportional to
	// the change rather than the history.
	saved []am.ChangeHash
	scans int // appends that had to scan history (for tests)
	// commitClock, when a test sets it, reads the thread's CPU clock
	// around each commit, into commitCPU (what commits cost, apart from
	// the splices between them), and around Automerge's own Commit.
	commitClock     func() time.Duration
	commitCPU       time.Duration
	engineCommitCPU time.Duration
	maxFork         time.Duration // the longest the live document was held for a copy
	// When the last compaction ended and how long it took (compactDue).
	lastCompact time.Time
	compactCost time.Duration
	compacting  bool             // a background compaction is under way
	compacted   bool             // this process wrote the newest snapshot (refreshFallbackLocked)
	compactCopy chan compactCopy // it waits for its copy of the document here
	compactStop chan struct{}    // closed to tell it to give up
	typing      bool             // a commit made on the way into an edit
	lazy        bool             // a commit that does not wait for fsync (commitWrittenLocked)
	syncAfter   bool             // a commit whose fsync commitLocked runs once it is made
	compactWG   sync.WaitGroup   // the background compaction, for Close
	noCompact   bool             // recovery found changes it could not apply: keep the logs
	closing     bool
	readOnly    bool
	journal     headsJournal  // this device's record of the heads it held (journal.go)
	roErr       error         // why edits are off (a read-only folder), or nil
	dirty       bool          // changed since opened or since the cache was written
	cacheStamp  string        // the files' fingerprint when this plan last wrote the cache
	stopWatch   chan struct{} // ends the refresh loop of an interactive plan
	refreshing  bool          // merging what other processes wrote

	// pending local edits not yet committed
	pending      bool
	pendingEdits []Edit // put into words at commit
	committed    []Edit // what this actor's last change did, for its message to refer to
	pendingBytes int    // new content in them, against maxEditBytes
	firstPending time.Time
	lastEdit     time.Time
	// The heads before the pending edits (CommittedHeads): read in
	// beforeEdit while nothing is open (preEdit), kept from the edit that
	// opened the group (pendBase); nil when unknown.
	preEdit  []string
	pendBase []string
	// The heads right after this actor's last commit (its change alone,
	// which depends on every head before it), until anything is merged:
	// beforeEdit takes them from here rather than asking the document.
	ownHeads   []string
	policy     *CommitPolicy
	pauseTimer *time.Timer
	maxTimer   *time.Timer
	// saveCost is how long commits by the timers have lately taken to
	// reach the disk (the longest, decaying): see pauseDelay.
	saveCost time.Duration
	lastSave time.Duration // the last commit's, from committing to on disk

	refused map[am.ChangeHash]string // changes peers sent that were refused, and why
	// Kept for sync (changes.go): what is known of changes already
	// listed, and the whole clock as of clockHeads.
	meta       map[am.ChangeHash]changeMeta
	held       map[am.ChangeHash]bool // changes found held (holds)
	clock      map[string]uint64
	clockHeads []am.ChangeHash

	changes *changeIndex // history read so far; see indexLocked
	version *Version     // the past version a read-only copy shows

	texts map[TextRef]*am.Text // resolved Text objects; cleared on merges
	// What commits while typing would otherwise read again each time: the
	// names of edited items, and that the actor is registered; see
	// quietLocked.
	names      map[nameKey]nameMemo
	actorOK    bool
	hasOwn     bool    // the last commit succeeded
	lastText   TextRef // the field typed in last
	lastTextAt int     // its edit's index in pendingEdits

	subMu  sync.Mutex
	subs   map[int]chan Event
	nextID int

	// OnPersistError is told when a commit could not be written to disk.
	OnPersistError func(error)

	log *slog.Logger // the library's; discards for a plan made in memory

	auth   planAuth    // the signed statements and the authority they establish
	attest attestState // this actor's attestations (attest.go)
}

func newPlan(d *am.Doc, author Author) *Plan {
	p := &Plan{d: d, author: author, texts: map[TextRef]*am.Text{}, subs: map[int]chan Event{}, lastTextAt: -1,
		log: logging.Discard(), auth: newPlanAuth()}
	if author.PeerID == "" && author.Key != nil {
		p.author.PeerID = p.Device().PeerID()
	}
	p.actor = d.ActorID()
	return p
}

// NewPlan creates a fresh plan document in memory: author's device key
// signs its genesis statement, which makes author the founder (its first
// member and administrator) and from which the plan ID is derived.
// Periods are YYYY or YYYY-MM-DD.
func NewPlan(title, country, periodStart, periodEnd string, author Author) (*Plan, error) {
	return newPlanWith(title, country, periodStart, periodEnd, author, nil)
}

// newPlanWith is NewPlan under a commit policy from the start (replays
// and tests date the first change by the policy's clock).
func newPlanWith(title, country, periodStart, periodEnd string, author Author, pol *CommitPolicy) (*Plan, error) {
	ps, err := ParseDate(periodStart)
	if err != nil {
		return nil, fmt.Errorf("period start: %w", err)
	}
	pe, err := ParseEndDate(periodEnd)
	if err != nil {
		return nil, fmt.Errorf("period end: %w", err)
	}
	if ps != "" && pe != "" && pe < ps {
		return nil, fmt.Errorf("%w: the period ends (%s) before it starts (%s)", ErrInvalid, pe, ps)
	}
	if strings.TrimSpace(title) == "" {
		return nil, fmt.Errorf("%w: a plan needs a title", ErrInvalid)
	}
	p := newPlan(am.New(), author)
	p.policy = pol
	if _, err := p.foundLocked(""); err != nil {
		return nil, err
	}
	root := p.d.RootMap()
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(root.Set("schema", int64(SchemaVersion)))
	plan := am.NewMap()
	must(root.Set("plan", plan))
	must(plan.Set("id", p.id))
	must(plan.Set("title", strings.TrimSpace(title)))
	must(plan.Set("country", strings.TrimSpace(country)))
	must(plan.Set("periodStart", ps))
	must(plan.Set("periodEnd", pe))
	must(plan.Set("vision", am.NewText("")))
	for _, k := range []string{"commitments", "comments", "timeline", "notes", "members", "actors"} {
		must(root.Set(k, am.NewMap()))
	}
	p.touch("Create plan " + strings.TrimSpace(title))
	if err := p.commitLocked(); err != nil {
		return nil, err
	}
	return p, nil
}

// LoadPlan opens a saved document (the bytes of Save) in memory.
func LoadPlan(data []byte, author Author) (*Plan, error) {
	d, err := am.Load(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotAPlan, err)
	}
	p := newPlan(d, author)
	if err := p.init(); err != nil {
		return nil, err
	}
	return p, nil
}

// NewReplica returns an empty document that only a sync can fill. It has
// no plan ID and is meant for measuring and testing sync in memory.
func NewReplica(author Author) *Plan { return newPlan(am.New(), author) }

// init reads the plan ID and migrates older schemas.
func (p *Plan) init() error {
	root := p.d.RootMap()
	v, err := root.Get("schema")
	if err != nil || v.Kind() != am.KindInt64 {
		return fmt.Errorf("%w: no schema version", ErrNotAPlan)
	}
	schema := int(v.Int64())
	if schema > SchemaVersion {
		return fmt.Errorf("%w (schema %d, this build knows %d): update Coplan", ErrNewerSchema, schema, SchemaVersion)
	}
	p.id = p.str(p.mapAt("plan"), "id")
	if p.id == "" {
		return fmt.Errorf("%w: no plan ID", ErrNotAPlan)
	}
	p.auth.legacy = !p.checkGenesisLocked()
	for s := schema; s < SchemaVersion; s++ {
		if err := migrations[s](p); err != nil {
			return fmt.Errorf("migrate schema %d: %w", s, err)
		}
		if err := root.Set("schema", int64(s+1)); err != nil {
			return err
		}
		p.touch(fmt.Sprintf("Migrate schema %d to %d", s, s+1))
	}
	return nil
}

// migrations[n] turns a schema-n document into schema n+1.
var migrations = map[int]func(*Plan) error{}

// ID is the plan's stable identifier.
func (p *Plan) ID() string { return p.id }

// Author is who this process attributes edits to.
func (p *Plan) Author() Author {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.author
}

// Save returns the whole document in Automerge's compressed form.
func (p *Plan) Save() ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.commitLocked(); err != nil {
		return nil, err
	}
	return p.d.Save(), nil
}

// Heads identifies the current version: the hashes of the latest changes.
// It commits pending edits first.
func (p *Plan) Heads() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.commitWrittenLocked()
	return headStrings(p.d.Heads())
}

// CommittedHeads is Heads as of the last commit or merge, leaving pending
// edits to the commit policy: what sync may say it holds without cutting
// the typing into extra changes each time a frame comes or goes.
func (p *Plan) CommittedHeads() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pending {
		if p.pendBase != nil {
			return slices.Clone(p.pendBase)
		}
		_ = p.commitWrittenLocked() // an edit that did not pass beforeEdit: as Heads
	}
	return headStrings(p.d.Heads())
}

func headStrings(hs []am.ChangeHash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.String()
	}
	sort.Strings(out)
	return out
}

// Subscribe returns a channel that receives an event after each commit or
// merge, and a cancel function. Events coalesce: a slow reader sees one event
// for several changes and should re-read what it shows.
func (p *Plan) Subscribe() (<-chan Event, func()) {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	ch := make(chan Event, 1)
	id := p.nextID
	p.nextID++
	p.subs[id] = ch
	return ch, func() {
		p.subMu.Lock()
		defer p.subMu.Unlock()
		if c, ok := p.subs[id]; ok {
			delete(p.subs, id)
			close(c)
		}
	}
}

func (p *Plan) publish(e Event) {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	for _, ch := range p.subs {
		// Only publish sends, under subMu, so after taking the waiting
		// event out the send cannot block; merging keeps both kinds. Each
		// subscriber merges into its own copy: what one has not read yet
		// is nothing to the others.
		ev := e
		for sent := false; !sent; {
			select {
			case ch <- ev:
				sent = true
			default:
				select {
				case old := <-ch:
					ev.Local, ev.Remote = ev.Local || old.Local, ev.Remote || old.Remote
				default:
				}
			}
		}
	}
}

// AutoCommit turns on the commit policy for interactive editing.
func (p *Plan) AutoCommit(pol CommitPolicy) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Edits so far were timed by the old clock.
	err := p.commitLocked()
	p.policy = &pol
	if pol.Now == nil && p.store != nil && p.stopWatch == nil {
		p.stopWatch = make(chan struct{})
		go p.watch(p.stopWatch)
	}
	return err
}

// watchInterval is how often an interactive plan looks for what other
// processes on the same data folder wrote (a stat of two files when idle).
const watchInterval = time.Second

func (p *Plan) watch(stop chan struct{}) {
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if err := p.Refresh(); err != nil {
				p.log.Warn("reading other processes' edits failed", "plan", p.id, "err", err)
			}
		}
	}
}

func (p *Plan) stopWatching() {
	if p.stopWatch != nil {
		close(p.stopWatch)
		p.stopWatch = nil
	}
}

func (p *Plan) now() time.Time {
	if p.policy != nil && p.policy.Now != nil {
		return p.policy.Now()
	}
	return time.Now()
}

// beforeEdit commits the previous group of edits when the policy says it is
// over (a pause has passed, or it has gone on for Max).
func (p *Plan) beforeEdit() error {
	if p.roErr != nil {
		return p.roErr
	}
	if p.readOnly || p.closing {
		return fmt.Errorf("%w: this copy is read-only", ErrInvalid)
	}
	if p.auth.legacy {
		return fmt.Errorf("%w; it opens read-only: run coplan upgrade %s to make a signed copy", ErrNeedsUpgrade, shortPlanRef(p.id))
	}
	p.preEdit = nil
	if p.pending && p.policy != nil {
		now := p.now()
		if now.Sub(p.lastEdit) >= p.policy.Pause || now.Sub(p.firstPending) >= p.policy.Max {
			p.typing = true
			err := p.commitWrittenLocked()
			p.typing = false
			if err != nil {
				return err
			}
		}
	}
	if !p.pending {
		// Nothing is open: these are the heads the edit builds on.
		if p.ownHeads != nil {
			p.preEdit = p.ownHeads
		} else {
			p.preEdit = headStrings(p.d.Heads())
		}
	}
	return nil
}

// touch records an edit outside the plan's items (members, releases),
// said in words.
func (p *Plan) touch(words string) {
	if words == "" {
		p.touchEdit(Edit{})
		return
	}
	p.touchEdit(Edit{Words: words})
}

// fillEdit names an edit's item as it is now: its title, and its
// commitment's number unless the edit fixed it (a move names the number it
// moved from). Items already gone keep what was recorded.
func (p *Plan) fillEdit(e *Edit) (found bool) {
	var m *am.Map
	switch e.Item {
	case ItemCommitment, ItemComment:
		m = p.mapAt("commitments", e.ID)
	case ItemMilestone:
		m = p.mapAt("commitments", e.ID, "milestones", e.Sub)
	case ItemTimeline:
		m = p.mapAt("timeline", e.ID)
	case ItemNote:
		m = p.mapAt("notes", e.ID)
	default:
		return false
	}
	if m == nil {
		return false
	}
	e.Title = p.str(m, "title")
	if e.Number == 0 && e.ID != "" && e.Item != ItemTimeline && e.Item != ItemNote {
		e.Number = p.numberOf(e.ID)
	}
	return true
}

// touchEdit records that an edit was made, for the change message and the
// policy. A zero Edit only times the edit. It returns the index the edit
// went to in pendingEdits (-1 for a zero Edit).
func (p *Plan) touchEdit(e Edit) int {
	p.forgetNamesLocked()
	return p.recordEdit(e)
}

// recordEdit is touchEdit for a splice, which renames nothing unless it
// is of a title (touchText).
func (p *Plan) recordEdit(e Edit) int {
	now := p.now()
	if !p.pending {
		p.pending = true
		p.firstPending = now
		p.pendBase, p.preEdit = p.preEdit, nil
		if p.policy != nil && p.policy.Now == nil {
			p.maxTimer = time.AfterFunc(p.policy.Max, p.timerCommit)
		}
	}
	p.lastEdit = now
	at := -1
	if e != (Edit{}) {
		p.pendingEdits, at = addEdit(p.pendingEdits, e)
		p.lastText, p.lastTextAt = TextRef{}, -1
	}
	if p.policy != nil && p.policy.Now == nil {
		if p.pauseTimer == nil {
			p.pauseTimer = time.AfterFunc(p.pauseDelay(), p.timerCommit)
		} else {
			p.pauseTimer.Reset(p.pauseDelay())
		}
	}
	return at
}

// touchText records a splice of a text field. Keystrokes in one field
// only add to its counts.
func (p *Plan) touchText(r TextRef, ins, del int) {
	if r.Field == "title" {
		p.forgetNamesLocked()
	}
	if r == p.lastText && p.lastTextAt >= 0 && p.lastTextAt < len(p.pendingEdits) {
		p.recordEdit(Edit{})
		e := &p.pendingEdits[p.lastTextAt]
		e.Inserted += ins
		e.Deleted += del
		return
	}
	e := textEdit(r)
	e.Inserted, e.Deleted = ins, del
	p.lastTextAt = p.recordEdit(e)
	p.lastText = r
}

// textEdit is the edit a splice of r makes.
func textEdit(r TextRef) Edit {
	switch r.Kind {
	case "plan":
		return Edit{Verb: VerbEdit, Item: ItemPlan, Field: r.Field}
	case "commitment":
		return Edit{Verb: VerbEdit, Item: ItemCommitment, ID: r.ID, Field: r.Field}
	case "milestone":
		return Edit{Verb: VerbEdit, Item: ItemMilestone, ID: r.ID, Sub: r.Sub, Field: r.Field}
	case "note":
		return Edit{Verb: VerbEdit, Item: ItemNote, ID: r.ID, Field: r.Field}
	}
	return Edit{Words: "Edit " + r.Field}
}

// saveSlack is how long a commit after the pause may take to reach the
// disk before the pause timer fires earlier to make room for it: the
// desktop's 250 ms pause plus this keeps a crash 300 ms after the last
// keystroke from losing it, with room for the timer to run late.
const saveSlack = 25 * time.Millisecond

// pauseDelay is how long after an edit the pause timer fires: the policy's
// pause, less what commits have lately taken beyond saveSlack (a slow or
// busy disk's fsync), so the commit is on disk by Pause+saveSlack; never
// less than half the pause, which keeps keystrokes grouped.
func (p *Plan) pauseDelay() time.Duration {
	return max(p.policy.Pause-max(0, p.saveCost-saveSlack), p.policy.Pause/2)
}

func (p *Plan) timerCommit() {
	p.mu.Lock()
	defer p.mu.Unlock()
	// The pause timer fires in a pause; the Max timer while typing goes on.
	p.typing = p.policy != nil && time.Since(p.lastEdit) < p.policy.Pause
	defer func() { p.typing = false }()
	p.lastSave = 0
	if err := p.commitWrittenLocked(); err != nil {
		p.log.Error("commit failed", "plan", p.id, "err", err)
	}
	if p.lastSave > 0 {
		p.saveCost = max(p.lastSave, p.saveCost*3/4)
	}
}

// Commit writes pending edits as one change (and to disk when the plan has
// a store). Returning without error means the edits, and every commit
// before them, are fsynced: they survive a crash of the machine.
func (p *Plan) Commit() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.commitLocked()
}

// commitLocked commits pending edits and waits until they and every
// earlier commit are durable: every explicit commit, and every command.
func (p *Plan) commitLocked() error {
	p.syncAfter = true
	err := p.commitOnceLocked()
	p.syncAfter = false
	if err != nil {
		return err
	}
	return p.syncLocked()
}

// commitWrittenLocked commits as the policy does while typing (and as
// reading the heads for sync does): it returns once the change is written
// to the log, where it survives a crash of the process; the store's
// flusher makes it durable about one fsync later, off the typing path.
func (p *Plan) commitWrittenLocked() error {
	if !lazyCommits {
		return p.commitLocked()
	}
	p.lazy = true
	defer func() { p.lazy = false }()
	return p.commitOnceLocked()
}

// lazyCommits is off only in a test that times the commit path without
// the flusher (TestStoredReplayConstantCost): the policy's commits then
// wait for their fsync as explicit ones do.
var lazyCommits = true

// syncLocked waits until everything written to the store is durable.
func (p *Plan) syncLocked() error {
	if p.store == nil || p.roErr != nil {
		return nil
	}
	return p.store.Sync()
}

func (p *Plan) commitOnceLocked() error {
	if !p.pending {
		return nil
	}
	start := time.Now()
	if p.commitClock != nil {
		c0 := p.commitClock()
		defer func() { p.commitCPU += p.commitClock() - c0 }()
	}
	if p.maxTimer != nil {
		p.maxTimer.Stop()
		p.maxTimer = nil
	}
	if p.pauseTimer != nil {
		p.pauseTimer.Stop()
	}
	quiet := p.quietLocked()
	msg := ""
	if len(p.pendingEdits) > 0 {
		p.fillEditsLocked(quiet)
		msg = changeMessage(p.pendingEdits, p.committed)
	}
	if !quiet || !p.actorOK {
		p.registerActor()
		p.actorOK = true
	}
	// A change is dated by its last edit, not by when the policy got round
	// to committing it.
	at := p.lastEdit
	if at.IsZero() {
		at = p.now()
	}
	var e0 time.Duration
	if p.commitClock != nil {
		e0 = p.commitClock()
	}
	h, err := p.d.Commit(msg, am.CommitOptions{Time: &at})
	if p.commitClock != nil {
		p.engineCommitCPU += p.commitClock() - e0
	}
	var c *am.Change
	if err == nil {
		p.committed = p.pendingEdits
		c, _ = p.d.Change(h)
		p.noteCommitLocked(h, c)
		p.hasOwn = true
		p.ownHeads = headStrings([]am.ChangeHash{h})
	} else {
		p.hasOwn = false
		p.ownHeads = nil
	}
	p.pending = false
	p.pendingEdits = nil
	p.pendBase, p.preEdit = nil, nil
	p.lastText, p.lastTextAt = TextRef{}, -1
	p.pendingBytes = 0
	if err != nil && !strings.Contains(err.Error(), "empty") {
		return err
	}
	if err == nil {
		err = p.persistChangeLocked(c)
	} else {
		err = p.catchUpLocked()
	}
	if err != nil {
		return err
	}
	p.lastSave = time.Since(start)
	p.publish(Event{Local: true})
	// A commit on the way into the next keystroke is no moment to copy the
	// document, unless there are no real keystrokes (a replay's clock).
	if !p.typing || p.policy == nil || p.policy.Now != nil {
		p.copyForCompactionLocked()
	}
	return nil
}

// registerActor records this process's Automerge actor against the author's
// device, and the author's name against the device: who claims the actor's
// changes. Both are claims anyone can write; the actor is verified only by
// the device's signed attestation (attest.go), the name only by the plan's
// statements (members.go).
func (p *Plan) registerActor() {
	if p.author.PeerID == "" {
		return
	}
	actors := p.mapAt("actors")
	if actors == nil {
		return
	}
	if p.str(actors, p.actor) == p.author.PeerID {
		return
	}
	_ = actors.Set(p.actor, p.author.PeerID)
	p.putClaimLocked()
}

// persistChangeLocked appends the change c just committed (nil if it could
// not be read back): its bytes alone when it follows what the store holds,
// as a local commit does.
func (p *Plan) persistChangeLocked(c *am.Change) error {
	if p.store == nil {
		return nil
	}
	if c == nil {
		return p.catchUpLocked()
	}
	return p.persistLocked(c.Dependencies(), []am.ChangeHash{c.Hash()}, c.Save())
}

// nameKey is an edited item; nameMemo what fillEdit found for it.
type nameKey struct {
	item, id, sub string
}

type nameMemo struct {
	found  bool
	title  string
	number int
}

// quietLocked says whether what was read of item names at the last commit
// still holds: since then nothing was merged in and no edit but a splice
// of a text other than a title was made. (Asking the document for its
// heads instead would close the open transaction: Automerge commits it.)
func (p *Plan) quietLocked() bool {
	return p.hasOwn && (p.names != nil || p.actorOK)
}

// forgetNamesLocked drops the memos: called by every edit that may rename
// or renumber an item, and before anything is merged into the document.
func (p *Plan) forgetNamesLocked() {
	p.names, p.actorOK = nil, false
	p.ownHeads = nil // a merge may add heads beside our last change
}

// fillEditsLocked names the pending edits' items, from the memos when
// quiet (a commit while typing reads no names again).
func (p *Plan) fillEditsLocked(quiet bool) {
	if !quiet || p.names == nil {
		p.names = map[nameKey]nameMemo{}
	}
	for i := range p.pendingEdits {
		e := &p.pendingEdits[i]
		if e.Number != 0 {
			p.fillEdit(e)
			continue
		}
		k := nameKey{e.Item, e.ID, e.Sub}
		if m, ok := p.names[k]; ok {
			if m.found {
				e.Title, e.Number = m.title, m.number
			}
			continue
		}
		found := p.fillEdit(e)
		p.names[k] = nameMemo{found, e.Title, e.Number}
	}
}

// persistLocked appends chunk, which holds exactly what took the document
// from heads before to heads after, after the chunk of any append that
// failed. When before is not what the store holds (something reached the
// document another way), it appends every change since the store's heads
// instead, which costs time in proportion to the history.
func (p *Plan) persistLocked(before, after []am.ChangeHash, chunk []byte) error {
	if p.store == nil {
		return nil
	}
	if !sameHashes(before, p.saved) {
		var err error
		if chunk, after, err = p.changesSinceSavedLocked(); err != nil {
			return err
		}
	}
	return p.appendLocked(after, chunk)
}

// catchUpLocked appends whatever reached the document without being
// appended; usually nothing, found in time proportional to the heads.
func (p *Plan) catchUpLocked() error {
	if p.store == nil || sameHashes(p.d.Heads(), p.saved) {
		return nil
	}
	chunk, after, err := p.changesSinceSavedLocked()
	if err != nil {
		return err
	}
	return p.appendLocked(after, chunk)
}

func (p *Plan) changesSinceSavedLocked() ([]byte, []am.ChangeHash, error) {
	p.scans++
	chs, err := p.d.Changes(p.saved...)
	if err != nil {
		return nil, nil, err
	}
	return am.SaveChanges(chs), p.d.Heads(), nil
}

func (p *Plan) appendLocked(after []am.ChangeHash, chunk []byte) error {
	p.saved = after
	p.dirty = p.dirty || len(chunk) > 0
	chunk = append(p.unsaved, chunk...)
	if len(chunk) == 0 {
		return nil
	}
	write := p.store.Append
	switch {
	case p.lazy:
		write = p.store.Write
	case p.syncAfter:
		write = p.store.WriteHeld // commitLocked syncs next
	}
	if err := write(chunk); err != nil {
		p.unsaved = chunk
		if p.OnPersistError != nil {
			p.OnPersistError(err)
		}
		return err
	}
	p.unsaved = nil
	p.noteHeadsLocked(after, false)
	p.maybeCompactLocked()
	return nil
}

// watchSyncErrors tells OnPersistError when the store's background fsync
// fails: commits the policy made were written, but are not durable.
func (p *Plan) watchSyncErrors(st *store.Store) {
	st.OnSyncError(func(err error) {
		p.mu.Lock()
		f, log := p.OnPersistError, p.log
		p.mu.Unlock()
		log.Error("the plan's latest edits could not be flushed to disk", "plan", p.id, "err", err)
		if f != nil {
			f(err)
		}
	})
}

func sameHashes(a, b []am.ChangeHash) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// compactMinRecords is the fewest log records worth a compaction, and
// compactDuty how many times its own duration must have passed since the
// last compaction before the log's size alone makes the next one due.
const (
	compactMinRecords = 64
	compactDuty       = 20
)

// compactDue says when to compact. When the log holds as many records as
// the snapshot has folded in over its life, always: the snapshot doubles
// between such compactions, so over a drafting season they cost a
// constant amount per record however fast the typing. When the log
// outweighs the snapshot (a change record is many times the size of the
// same change in a snapshot), at an idle moment (a commit after a pause,
// or one not made by typing), as soon as compactions have had no more
// than one part in compactDuty of the time since the last: at a drafter's
// pace that keeps the files near the document's size, while typing that
// goes on without a pause pays only for the doublings (a copy of the
// document costs about as much as a thousand commits). Close folds in the
// rest. Tests shorten it.
var compactDue = func(st store.Stats, sinceLast, lastCost time.Duration, idle bool) bool {
	if st.LogRecords < compactMinRecords {
		return false
	}
	if uint64(st.LogRecords) >= st.SnapshotRecords {
		return true
	}
	return idle && st.LogBytes >= st.SnapshotBytes*3/4 && sinceLast >= compactDuty*lastCost
}

func (p *Plan) compactDueLocked() bool {
	if p.store == nil || p.readOnly || p.roErr != nil || p.noCompact {
		return false
	}
	return compactDue(p.store.Stats(), time.Since(p.lastCompact), p.compactCost, !p.typing)
}

// compactAtCloseDue: at close nobody waits for the next keystroke, so the
// log is folded in whenever it outweighs the snapshot.
func (p *Plan) compactAtCloseDue() bool {
	if !p.compactDueLocked() && (p.store == nil || p.roErr != nil || p.noCompact) {
		return false
	}
	st := p.store.Stats()
	return p.compactDueLocked() || st.LogRecords > 0 && st.LogBytes >= st.SnapshotBytes
}

// maybeCompactLocked starts a background compaction when one is due.
func (p *Plan) maybeCompactLocked() {
	if p.compacting || p.closing || p.refreshing || !p.compactDueLocked() {
		return
	}
	p.compacting = true
	p.compactCopy = make(chan compactCopy, 1)
	p.compactStop = make(chan struct{})
	p.compactWG.Add(1)
	go p.compactInBackground(p.store, p.compactCopy, p.compactStop)
}

// compactCopy is what a background compaction writes: the document
// saved at a quiet moment, and the store's mark taken with it.
type compactCopy struct {
	saved []byte
	mark  store.Mark
	took  time.Duration
}

// compactQuietWait is how long a background compaction waits for a commit
// at a quiet moment before it commits and takes its copy itself.
const compactQuietWait = time.Second

// copyForCompactionLocked hands the waiting compaction its copy, if one is
// waiting and nothing is uncommitted or unwritten. Called at commit
// boundaries where nobody is in the middle of typing: a commit after a
// pause, an explicit Commit, any commit of a plan without real timers.
func (p *Plan) copyForCompactionLocked() {
	if p.compactCopy == nil || p.pending || len(p.unsaved) > 0 || p.refreshing {
		return
	}
	if err := p.catchUpLocked(); err != nil {
		return
	}
	// Saving the live document holds it for less time than a Fork does
	// (62 ms against 78 ms at 250,000 edits), and a Fork must be saved as
	// well and then freed: four times the processor's work in all.
	t0 := time.Now()
	mark := p.store.Mark()
	saved := p.d.Save()
	took := time.Since(t0)
	p.maxFork = max(p.maxFork, took)
	p.compactCopy <- compactCopy{saved: saved, mark: mark, took: took}
	p.compactCopy = nil
}

// compactInBackground writes a new snapshot from the document saved at a
// quiet moment, so the write, its fsyncs and the read back never hold the
// live document while the user types. The saved bytes and the store's mark
// are taken together under the plan's lock: the snapshot then holds exactly
// what the store had, and what is appended meanwhile carries over into the
// new log (store.CompactFrom).
func (p *Plan) compactInBackground(st *store.Store, copies chan compactCopy, stop chan struct{}) {
	defer p.compactWG.Done()
	var c compactCopy
	select {
	case c = <-copies:
	case <-stop:
		return
	case <-time.After(compactQuietWait):
		// No quiet commit came: commit now, as the policy's Max would.
		p.mu.Lock()
		if !p.closing && p.store == st {
			if err := p.commitWrittenLocked(); err != nil {
				p.log.Error("commit failed", "plan", p.id, "err", err)
			}
			p.copyForCompactionLocked()
		}
		if p.compactCopy == copies {
			p.compactCopy, p.compacting = nil, false // could not: try again later
		}
		p.mu.Unlock()
		select {
		case c = <-copies:
		default:
			return
		}
	}
	p.log.Debug("compacting the plan's log in the background", "plan", p.id)
	work := c.took // the save; the writes mostly wait
	err := st.CompactFrom(c.mark, c.saved)
	p.mu.Lock()
	p.compacting = false
	p.lastCompact, p.compactCost = time.Now(), work
	p.compacted = p.compacted || err == nil
	p.mu.Unlock()
	switch {
	case err == nil:
		p.log.Info("compacted the plan's log into a new snapshot", "plan", p.id)
	case errors.Is(err, ErrStale), errors.Is(err, os.ErrClosed):
		p.log.Debug("compaction skipped", "plan", p.id, "err", err)
	default:
		p.log.Warn("compaction failed; the log keeps growing until the next try", "plan", p.id, "err", err)
	}
}

// stopCompactionLocked tells a compaction still waiting for its copy to
// give up (Close and Abandon).
func (p *Plan) stopCompactionLocked() {
	if p.compactStop != nil {
		close(p.compactStop)
		p.compactStop = nil
	}
	p.compactCopy = nil
}

// compactNowLocked compacts from the live document, for Close (nobody is
// typing any more, and a copy would cost more than the save); with force
// whether due or not.
func (p *Plan) compactNowLocked(force bool) {
	if p.store == nil || p.roErr != nil || p.noCompact || len(p.unsaved) > 0 || !force && !p.compactAtCloseDue() {
		return
	}
	for range 3 {
		if err := p.refreshLocked(); err != nil {
			p.log.Warn("compaction skipped", "plan", p.id, "err", err)
			return
		}
		err := p.store.Compact(p.d.Save())
		if err == nil {
			p.compacted = true
			p.log.Info("compacted the plan's log into a new snapshot", "plan", p.id)
			return
		}
		if !errors.Is(err, ErrStale) {
			p.log.Warn("compaction failed", "plan", p.id, "err", err)
			return
		}
	}
}

// refreshFallbackLocked replaces the previous generation with a copy of
// the newest snapshot when the copy is the smaller, once the newest has
// been reopened: read back from disk and loaded by Automerge, it holds
// this document's heads (issue 11: the previous generation stays until
// the next compaction has been fsynced and reopened once). The folder is
// then about twice the document instead of up to four or five times. For
// Close, after a session that compacted: the load costs about what
// opening the plan does.
func (p *Plan) refreshFallbackLocked() {
	if p.store == nil || p.roErr != nil || p.noCompact || p.pending || len(p.unsaved) > 0 {
		return
	}
	snap, _, err := p.store.Sizes()
	if err != nil {
		return
	}
	ps, pl := p.store.PrevSizes()
	if snap == 0 || ps+pl <= snap+int64(store.LogHeaderSize) {
		return
	}
	heads := headStrings(p.d.Heads())
	whole := p.store.Stats().LogRecords == 0
	done, err := p.store.RefreshFallback(func(saved []byte) error {
		d, err := am.Load(saved)
		if err != nil {
			return err
		}
		// With records in the log the snapshot lags the document; its
		// heads must still be changes the document holds.
		got := d.Heads()
		if whole && !slices.Equal(headStrings(got), heads) {
			return fmt.Errorf("%w: the snapshot holds heads %v, the plan %v", ErrNotAPlan, headStrings(got), heads)
		}
		for _, h := range got {
			if !p.holds(h) {
				return fmt.Errorf("%w: the snapshot holds a change the plan does not (%s)", ErrNotAPlan, h)
			}
		}
		return nil
	})
	switch {
	case err != nil:
		p.log.Warn("kept the previous generation: the newest snapshot did not reopen", "plan", p.id, "err", err)
	case done:
		p.log.Debug("the fallback is now a copy of the newest snapshot, which reopened", "plan", p.id)
	}
}

// Refresh picks up what other processes wrote to this plan's folder.
func (p *Plan) Refresh() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refreshLocked()
}

func (p *Plan) refreshLocked() error {
	if p.store == nil || p.refreshing {
		return nil
	}
	snap, chunks, _, err := p.store.ReadNew()
	p.logRecoveryLocked()
	if err != nil {
		return err
	}
	if snap == nil && len(chunks) == 0 {
		return nil
	}
	// Our pending edits go to disk before the merge, but must not trigger a
	// compaction that would not yet include what we just read.
	p.refreshing = true
	err = p.commitWrittenLocked()
	if err == nil {
		err = p.catchUpLocked()
	}
	p.refreshing = false
	if err != nil {
		return err
	}
	before := p.d.Heads()
	p.forgetNamesLocked()
	failed := false
	if snap != nil {
		if err := p.d.LoadIncremental(snap); err != nil {
			failed = true
			p.log.Error("could not merge the plan's snapshot written by another process", "plan", p.id, "err", err)
		}
	}
	for _, c := range chunks {
		if err := p.d.LoadIncremental(c); err != nil {
			failed = true
			p.log.Error("could not merge a record written by another process", "plan", p.id, "err", err)
		}
	}
	if failed {
		// The store counts those as read: a compaction would drop them.
		p.noCompact = true
	}
	// Already on disk: nothing to append.
	after := p.d.Heads()
	if sameHashes(before, p.saved) {
		p.saved = after
	}
	if !slices.Equal(headStrings(before), headStrings(after)) {
		p.dirty = true
		p.afterMerge()
	}
	return nil
}

// logRecoveryLocked logs what the store repaired after another process
// damaged the files under it: at error level when saved edits may be lost.
func (p *Plan) logRecoveryLocked() {
	rep := p.store.TakeRecoveryReport()
	if rep == nil {
		return
	}
	lvl := slog.LevelWarn
	if rep.Loud {
		lvl = slog.LevelError
	}
	p.log.Log(context.Background(), lvl, "the plan's files were damaged: "+strings.Join(rep.Messages, "; "), "plan", p.id)
}

func (p *Plan) afterMerge() {
	p.preEdit = nil
	p.noteHeadsLocked(p.d.Heads(), true)
	clear(p.texts)
	p.forgetNamesLocked()
	p.auth.changed()
	p.publish(Event{Remote: true})
}

// Close commits pending edits, compacts if due, refreshes the content
// cache if the plan changed, and releases the store.
func (p *Plan) Close() error {
	p.mu.Lock()
	p.attestLocked(true)
	err := p.commitLocked()
	if p.pauseTimer != nil {
		p.pauseTimer.Stop()
	}
	p.stopWatching()
	p.closing = true
	p.stopCompactionLocked()
	p.mu.Unlock()
	p.compactWG.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flushJournalLocked()
	if p.store != nil {
		if err == nil && p.roErr == nil {
			p.compactNowLocked(false)
			if p.compacted {
				p.refreshFallbackLocked()
			}
			stale := p.cacheStamp != ""
			if stale {
				now, _ := p.store.Fingerprint()
				stale = now != p.cacheStamp // a compaction since: same content, other files
			}
			if p.dirty || stale {
				if cerr := p.writeCacheLocked(); cerr != nil {
					p.log.Debug("content cache not written", "plan", p.id, "err", cerr)
				}
			}
		}
		p.logRecoveryLocked()
		if cerr := p.store.Close(); err == nil {
			err = cerr
		}
		p.store = nil
	}
	p.readOnly = true
	return err
}

// Abandon closes the plan without committing pending edits: a command that
// failed half-way writes nothing.
func (p *Plan) Abandon() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = false
	p.pendingEdits = nil
	p.pendBase, p.preEdit = nil, nil
	p.lastText, p.lastTextAt = TextRef{}, -1
	p.pendingBytes = 0
	p.stopWatching()
	if p.pauseTimer != nil {
		p.pauseTimer.Stop()
	}
	if p.maxTimer != nil {
		p.maxTimer.Stop()
	}
	p.closing = true
	p.stopCompactionLocked()
	p.mu.Unlock()
	p.compactWG.Wait()
	p.mu.Lock()
	if p.store != nil {
		p.store.Close()
		p.store = nil
	}
	p.readOnly = true
}

// ReadOnly returns why edits are off, wrapping ErrReadOnly, when the plan's
// folder cannot be written (a read-only medium, or no permission); nil
// when it can.
func (p *Plan) ReadOnly() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.roErr
}
