package app

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
)

var fixedNow = time.Date(2025, 3, 14, 10, 30, 0, 0, time.UTC)

var (
	ana   = keyedAuthor("Ana Costa", "Open Budget Coalition", doc.CivilSociety)
	bruno = keyedAuthor("Bruno Mensah", "Cabinet Office", doc.Government)
)

// keyedAuthor is a person on a device whose key is derived from the name,
// so the tests' devices (and peer IDs) are the same on every run.
func keyedAuthor(name, org string, side doc.Side) doc.Author {
	seed := sha256.Sum256([]byte("coplan app test device " + name))
	key := ed25519.NewKeyFromSeed(seed[:])
	dev, _ := authority.DeviceOfKey(key)
	return doc.Author{PeerID: dev.PeerID(), Name: name, Org: org, Side: side, Key: key}
}

// uiHops holds the hops to the UI thread that background work asked for,
// in order; tests run them on their own goroutine with runHop.
var uiHops = newHopQueue()

func init() {
	runBackground = false
	onUI = uiHops.push
	now = func() time.Time { return fixedNow }
	time.Local = time.UTC
}

// fakeSync is a SyncService with fixed answers.
type fakeSync struct {
	mu      sync.Mutex
	started []string
	joined  string
	joinErr error
	codes   []string // each Join's code, as given
	syncNow []string

	words     string // the short code InviteWords opens; "" fails
	wordsCtx  context.Context
	wordsDone chan InviteResult
}

func (f *fakeSync) Start(p *doc.Plan) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = append(f.started, p.ID())
	return nil
}
func (f *fakeSync) Stop(string) {}
func (f *fakeSync) Status(string) SyncStatus {
	return SyncStatus{Connected: 1, LastSynced: fixedNow.Add(-4 * time.Minute)}
}

// fakeFullCode is as long as a real one (244 characters), grouped.
const fakeFullCode = "aeqcd-ixmtp-kzq4b-cahqa-aaaab-vfzea-q2n5b-oyhd7-s6luw-gmqzc-rj3ye-" +
	"cvn6d-kk2fa-7q3lp-wzw4t-hmyib-xxeaq-ccaqd-u4ijw-5ktjf-cmb7v-jpkla-" +
	"x6vm2-sqxz5-xahkg-aerh2-v5bxj-m7vn4-e6xga-2ghj4-yecye-jxo4s-gjhwv-" +
	"tkqzp-olr5h-fpbgv-qxwgc-xsh4k-igl5x-yqfvb-t6lk3-nvbyp-y6hpc-aonrz-" +
	"vd2g7-fmqsq-ehdxv-gzt5j-x2m4"

func (f *fakeSync) Invite(p *doc.Plan, ttl time.Duration) (InviteCode, error) {
	return InviteCode{Code: fakeFullCode, QR: strings.ToUpper(strings.ReplaceAll(fakeFullCode, "-", ""))}, nil
}

func (f *fakeSync) InviteWords(ctx context.Context, planID string, ttl time.Duration) (string, <-chan InviteResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.words == "" {
		return "", nil, errors.New("no network")
	}
	f.wordsCtx = ctx
	f.wordsDone = make(chan InviteResult, 1)
	return f.words, f.wordsDone, nil
}

func (f *fakeSync) Join(ctx context.Context, code string, a doc.Author) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.codes = append(f.codes, code)
	return f.joined, f.joinErr
}
func (f *fakeSync) SyncNow(planID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.syncNow = append(f.syncNow, planID)
	return nil
}
func (f *fakeSync) Peers(string) []PeerStatus {
	return []PeerStatus{{PeerID: bruno.PeerID, Connected: true, LastSeen: fixedNow}}
}

// seedPlan fills a plan with a small fixed data set.
func seedPlan(t testing.TB, p *doc.Plan) (ids []string) {
	t.Helper()
	p.AutoCommit(doc.CommitPolicy{Pause: time.Second, Max: time.Second, Now: func() time.Time { return fixedNow }})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(p.SetPlanField("vision", "# A plan made together\n\nThis plan was **co-created** by government and civil society over six forum meetings."))
	must(p.AddMember(doc.Member{PeerID: bruno.PeerID, Name: bruno.Name, Org: bruno.Org, Side: bruno.Side, AddedAt: fixedNow}))
	specs := []struct {
		title string
		side  doc.Side
		org   string
		state doc.State
		theme string
	}{
		{"Open contracting in public works", doc.CivilSociety, "Open Budget Coalition", doc.Proposal, "procurement"},
		{"Beneficial ownership register", doc.Government, "Ministry of Finance", doc.Discussion, "anti-corruption"},
		{"Participatory budgeting in municipalities", doc.CivilSociety, "Citizens' Voice", doc.Agreed, "fiscal openness"},
		{"Access to information portal", doc.Government, "Cabinet Office", doc.Adopted, "right to information"},
		{"Lobbying register", doc.CivilSociety, "Transparency Forum", doc.NotAdopted, "anti-corruption"},
	}
	for _, s := range specs {
		id, err := p.AddCommitment(doc.NewCommitment{Title: s.title, Side: s.side, Org: s.org, Lead: s.org})
		must(err)
		must(p.SetCommitmentState(id, s.state))
		must(p.SetCommitmentThemes(id, []string{s.theme}))
		must(p.SetText(doc.CommitmentText(id, "description"), "The commitment will publish "+strings.ToLower(s.title)+" data in open formats.\n\nSecond paragraph."))
		must(p.SetText(doc.CommitmentText(id, "problem"), "Today the data is scattered across agencies."))
		must(p.SetCommitmentStart(id, "2025-09-01"))
		must(p.SetCommitmentEnd(id, "2027-06-30"))
		must(p.SetCommitmentValues(id, doc.Values{Transparency: true, Participation: true}))
		ids = append(ids, id)
	}
	m, err := p.AddMilestone(ids[0], "Publish contracts dataset")
	must(err)
	must(p.SetMilestoneField(ids[0], m, "deliverable", "OCDS dataset on the national portal"))
	must(p.SetMilestoneField(ids[0], m, "start", "2025-09-01"))
	must(p.SetMilestoneField(ids[0], m, "end", "2026-03-31"))
	_, err = p.AddComment(ids[0], "Can we include sub-national contracts too?")
	must(err)
	_, err = p.AddTimeline("Self-assessment due", "2026-09-30", "Mid-term")
	must(err)
	n, err := p.AddNote("2025-02-10", "Forum meeting 1")
	must(err)
	must(p.SetNoteField(n, "attendees", "Ana, Bruno, Chidi"))
	must(p.SetNoteField(n, "body", "Agreed five themes."))
	must(p.Commit())
	return ids
}

type fixture struct {
	app  fyne.App
	lib  *doc.Library
	plan *doc.Plan
	ids  []string
	ui   *UI
	sync *fakeSync
	cfg  Config
}

// newFixture builds the window on a seeded plan in a temporary library.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureAs(t, ana)
}

// newFixtureAs is newFixture's plan (founded by Ana) in a window whose
// device is who's.
func newFixtureAs(t testing.TB, who doc.Author) *fixture {
	t.Helper()
	a := test.NewTempApp(t)
	lib, err := doc.OpenLibrary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Create("Fourth National Action Plan", "Freedonia", "2025", "2027", ana)
	if err != nil {
		t.Fatal(err)
	}
	ids := seedPlan(t, p)
	id := p.ID()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	f := &fixture{app: a, lib: lib, ids: ids, sync: &fakeSync{}}
	cfgDir := t.TempDir()
	f.cfg = Config{Library: lib, ConfigDir: cfgDir, Author: who, Sync: f.sync,
		SaveProfile: func(doc.Author) error { return nil }}
	st := &appState{LastPlan: id, Width: 1100, Height: 720}
	st.save(cfgDir)
	f.ui = New(a, f.cfg)
	f.ui.win.Resize(fyne.NewSize(1100, 720))
	runHopsUntil(t, func() bool { return f.ui.plan != nil }) // opened in the background
	f.plan = f.ui.plan
	if f.plan == nil {
		t.Fatal("the last plan was not reopened")
	}
	t.Cleanup(func() {
		f.ui.Close()
		runQueuedHops()
	})
	return f
}

func (f *fixture) open(t testing.TB, it outlineItem) {
	t.Helper()
	if !f.ui.ws.outline.selectKey(it.key()) {
		t.Fatalf("outline has no %v", it)
	}
}

func (f *fixture) commitment(t testing.TB, id string) *commitmentEditor {
	t.Helper()
	f.open(t, outlineItem{kind: kindCommitment, id: id})
	ce, ok := f.ui.ws.current.(*commitmentEditor)
	if !ok {
		t.Fatalf("centre shows %T", f.ui.ws.current)
	}
	return ce
}

func selectTab(t testing.TB, tabs *container.AppTabs, name string) {
	t.Helper()
	for _, it := range tabs.Items {
		if strings.HasPrefix(it.Text, name) {
			tabs.Select(it)
			return
		}
	}
	t.Fatalf("no tab %q", name)
}

// words makes n deterministic words of prose in paragraphs.
func words(n int, seed int) string {
	vocab := strings.Fields("the ministry will publish open data on public contracts budgets and beneficial owners so that citizens journalists and civil society can follow the money hold officials to account and propose improvements through regular participatory forums")
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			if i%90 == 0 {
				b.WriteString(".\n\n")
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(vocab[(i*7+seed*13+i/5)%len(vocab)])
	}
	b.WriteByte('.')
	return b.String()
}

type widgetButton = widget.Button

var _ = fmt.Sprint

// typeFocused types into whatever has the keyboard focus, as a keyboard does.
func typeFocused(t testing.TB, c fyne.Canvas, s string) {
	t.Helper()
	for _, r := range s {
		f := c.Focused()
		if f == nil {
			t.Fatalf("nothing has the focus to type %q into", r)
		}
		f.TypedRune(r)
	}
}

// runHopsUntil runs the hops background work queues for the UI until done
// holds.
func runHopsUntil(t testing.TB, done func() bool) {
	t.Helper()
	for !done() {
		runHop(t)
	}
}

// runHop runs the next hop a background goroutine queued for the UI.
func runHop(t testing.TB) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		if f := nextHop(); f != nil {
			f()
			return
		}
		select {
		case <-uiHops.ready:
		case <-timeout:
			t.Fatal("no background work came back to the UI")
		}
	}
}

// nextHop takes the first queued hop, or nil.
func nextHop() func() { return uiHops.next() }

// runQueuedHops runs the hops already queued: what a closed window's
// background work left, so it is tidied and cannot reach the next test.
func runQueuedHops() {
	for f := nextHop(); f != nil; f = nextHop() {
		f()
	}
}
