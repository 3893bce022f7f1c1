package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// coplanTheme is Fyne's default theme, following the system's light or dark
// variant, with low-importance text (hints, counts, outline headers) drawn
// readable: the stock "disabled" grey is too faint on both backgrounds.
type coplanTheme struct{}

var (
	mutedDark  = color.NRGBA{R: 0x8c, G: 0x8c, B: 0x90, A: 0xff}
	mutedLight = color.NRGBA{R: 0x76, G: 0x76, B: 0x7a, A: 0xff}
)

func (coplanTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if c, ok := authorColour(n, v); ok {
		return c
	}
	if n == theme.ColorNameDisabled {
		if v == theme.VariantLight {
			return mutedLight
		}
		return mutedDark
	}
	return theme.DefaultTheme().Color(n, v)
}

func (coplanTheme) Font(s fyne.TextStyle) fyne.Resource     { return theme.DefaultTheme().Font(s) }
func (coplanTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }
func (coplanTheme) Size(n fyne.ThemeSizeName) float32       { return theme.DefaultTheme().Size(n) }
