package app

import (
	"sync"

	"fyne.io/fyne/v2"
)

// onUI runs f on the UI goroutine: every touch of a widget from another
// goroutine goes through here (fyneDo is on in FyneApp.toml). Tests
// replace it with a queue they run on their own goroutine.
var onUI = fyne.Do

// SerializeUI makes every hop onto the UI thread run one at a time, in
// order, on one goroutine, as Fyne's event loop runs them; it returns a
// function that runs f there too and waits for it. Fyne's test driver
// runs fyne.Do on the calling goroutine, so a test that drives a whole
// window against real sync nodes (whose events hop from their own
// goroutines) needs it, and runs its own touches of the window through
// the returned function. Call it before New.
func SerializeUI() (runAndWait func(f func())) {
	var q struct {
		sync.Mutex
		funcs []func()
	}
	ready := make(chan struct{}, 1)
	onUI = func(f func()) { // never blocks, as fyne.Do does not
		q.Lock()
		q.funcs = append(q.funcs, f)
		q.Unlock()
		select {
		case ready <- struct{}{}:
		default:
		}
	}
	go func() {
		for range ready {
			for {
				q.Lock()
				if len(q.funcs) == 0 {
					q.Unlock()
					break
				}
				f := q.funcs[0]
				q.funcs = q.funcs[1:]
				q.Unlock()
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
