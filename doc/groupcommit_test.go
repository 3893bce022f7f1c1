package doc

import (
	"errors"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/coplan/coplan/doc/store"
)

// fsyncGate holds the store's fsyncs of the log until opened.
type fsyncGate struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (g *fsyncGate) open() { g.once.Do(func() { close(g.release) }) }

func holdFsyncs(t *testing.T, p *Plan) *fsyncGate {
	g := &fsyncGate{entered: make(chan struct{}, 64), release: make(chan struct{})}
	t.Cleanup(g.open) // a failed test must not leave an fsync held
	p.store.SetSyncFunc(func(f *os.File) error {
		g.entered <- struct{}{}
		<-g.release
		return f.Sync()
	})
	return g
}

func within(done <-chan struct{}, d time.Duration) bool {
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// typingPlan is a stored plan with one commitment, typed into under the
// commit policy on a fake clock.
func typingPlan(t *testing.T) (*Library, *Plan, TextRef, *fakeClock) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no background flush on Windows: every write is fsynced before it returns")
	}
	lib, err := OpenLibrary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Create("Group commit", "Testland", "2025", "2027", testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	id, err := p.AddCommitment(NewCommitment{Title: "Typed"})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
	if err := p.AutoCommit(CommitPolicy{Pause: DefaultPolicy.Pause, Max: DefaultPolicy.Max, Now: clock.now}); err != nil {
		t.Fatal(err)
	}
	return lib, p, CommitmentText(id, "description"), clock
}

// A commit the policy makes while typing returns while the fsync is held
// (it is written, not yet durable); an explicit Commit returns only once
// the fsync covering it has returned; Close waits for the flusher.
func TestCommitWaitsForFsync(t *testing.T) {
	lib, p, ref, clock := typingPlan(t)
	g := holdFsyncs(t, p)
	if err := p.Splice(ref, 0, 0, "first"); err != nil {
		t.Fatal(err)
	}
	clock.advance(time.Second) // a pause: the next keystroke commits "first"
	typed := make(chan struct{})
	go func() {
		if err := p.Splice(ref, 5, 0, " second"); err != nil {
			t.Error(err)
		}
		close(typed)
	}()
	if !within(typed, 10*time.Second) {
		t.Fatal("the keystroke after a pause waited for the fsync of the policy's commit")
	}
	select {
	case <-g.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the policy's commit was never fsynced")
	}
	if st := p.store.SyncStats(); st.Unsynced == 0 {
		t.Fatalf("the policy's commit counts as durable while its fsync is held: %+v", st)
	}
	committed := make(chan struct{})
	var cerr error
	go func() {
		cerr = p.Commit()
		close(committed)
	}()
	if within(committed, 300*time.Millisecond) {
		t.Fatalf("Commit returned while the fsync was held (err %v)", cerr)
	}
	g.open()
	if !within(committed, 10*time.Second) {
		t.Fatal("Commit did not return once the fsync was released")
	}
	if cerr != nil {
		t.Fatal(cerr)
	}
	if st := p.store.SyncStats(); st.Unsynced != 0 {
		t.Fatalf("after Commit %d records are not durable", st.Unsynced)
	}
	// Typing again, then Close: it waits for the flusher.
	clock.advance(time.Second)
	if err := p.Splice(ref, 12, 0, " third"); err != nil {
		t.Fatal(err)
	}
	clock.advance(time.Second)
	if err := p.Splice(ref, 18, 0, "!"); err != nil {
		t.Fatal(err)
	}
	st := p.store
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if ss := st.SyncStats(); ss.Unsynced != 0 || ss.Durable == 0 {
		t.Fatalf("after Close: %+v", ss)
	}
	q, rep, err := lib.OpenWithReport(p.ID(), testAuthor)
	if err != nil || rep != nil {
		t.Fatalf("reopen: %v %+v", err, rep)
	}
	defer q.Abandon()
	if got, _ := q.Text(ref); got != "first second third!" {
		t.Fatalf("text after reopening: %q", got)
	}
}

// A failing background fsync reaches OnPersistError, and the explicit
// Commit and Close that follow fail: nothing is claimed durable.
func TestBackgroundFsyncFailureReported(t *testing.T) {
	_, p, ref, clock := typingPlan(t)
	eio := errors.New("injected I/O error")
	p.store.SetSyncFunc(func(*os.File) error { return eio })
	told := make(chan error, 8)
	p.mu.Lock()
	p.OnPersistError = func(err error) { told <- err }
	p.mu.Unlock()
	if err := p.Splice(ref, 0, 0, "lost?"); err != nil {
		t.Fatal(err)
	}
	clock.advance(time.Second)
	if err := p.Splice(ref, 5, 0, " no"); err != nil {
		t.Fatal(err) // the policy's commit is written; its fsync fails later
	}
	select {
	case err := <-told:
		if !errors.Is(err, store.ErrSyncFailed) || !errors.Is(err, eio) {
			t.Fatalf("OnPersistError told %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the failed fsync was not reported")
	}
	if err := p.Commit(); !errors.Is(err, store.ErrSyncFailed) {
		t.Fatalf("Commit after a failed fsync: %v", err)
	}
	if st := p.store.SyncStats(); st.Durable >= st.Written {
		t.Fatalf("records claimed durable after the fsync failed: %+v", st)
	}
	if err := p.Close(); !errors.Is(err, store.ErrSyncFailed) {
		t.Fatalf("Close after a failed fsync: %v", err)
	}
}
