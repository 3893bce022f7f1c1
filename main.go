// Command coplan drafts an OGP National Action Plan together, offline
// first: with no arguments it opens the desktop window, otherwise it runs a
// command line command.
package main

import (
	"os"

	"github.com/coplan/coplan/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
