package app

import "fyne.io/fyne/v2"

// onUI runs f on the UI goroutine: every touch of a widget from another
// goroutine goes through here (fyneDo is on in FyneApp.toml). Tests
// replace it with a queue they run on their own goroutine.
var onUI = fyne.Do
