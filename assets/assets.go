// Package assets holds the files embedded in the Coplan binary: the app
// icon (PNG for window managers, SVG as its source).
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

//go:embed icon.svg
var iconSVG []byte

// Icon is the application icon.
var Icon = fyne.NewStaticResource("coplan.png", iconPNG)

// IconSVG is the icon's vector source.
var IconSVG = fyne.NewStaticResource("coplan.svg", iconSVG)
