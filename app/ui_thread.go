package app

import (
	"sync"

	"fyne.io/fyne/v2"
)

// onUI runs f on the UI goroutine: every touch of a widget from another
// goroutine goes through here (fyneDo is on in FyneApp.toml). Tests
// replace it with a queue they run on their own goroutine.
var onUI = fyne.Do

// hopQueue holds hops to the UI thread in order. Queueing never blocks,
// as fyne.Do does not: a plan calls OnPersistError holding its lock.
type hopQueue struct {
	mu    sync.Mutex
	funcs []func()
	ready chan struct{} // has a value while the queue may be non-empty
}

func newHopQueue() *hopQueue { return &hopQueue{ready: make(chan struct{}, 1)} }

func (q *hopQueue) push(f func()) {
	q.mu.Lock()
	q.funcs = append(q.funcs, f)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// next takes the first queued hop, or nil.
func (q *hopQueue) next() func() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.funcs) == 0 {
		return nil
	}
	f := q.funcs[0]
	q.funcs = q.funcs[1:]
	return f
}

// SerializeUI makes every hop onto the UI thread run one at a time, in
// order, on one goroutine, as Fyne's event loop runs them; it returns a
// function that runs f there too and waits for it. Fyne's test driver
// runs fyne.Do on the calling goroutine, so a test that drives a whole
// window against real sync nodes (whose events hop from their own
// goroutines) needs it, and runs its own touches of the window through
// the returned function. Call it before New.
func SerializeUI() (runAndWait func(f func())) {
	q := newHopQueue()
	onUI = q.push
	go func() {
		for range q.ready {
			for f := q.next(); f != nil; f = q.next() {
				f()
			}
		}
	}()
	return func(f func()) {
		done := make(chan struct{})
		onUI(func() {
			defer close(done)
			f()
		})
		<-done
	}
}
