package cli

import (
	"flag"
	"fmt"
	"strings"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/internal/profile"
)

func runProfileSet(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 0); err != nil {
		return err
	}
	prof, _, err := profile.Load(e.ConfigDir)
	if err != nil {
		return err
	}
	if v := str(fs, "name"); v != "" {
		prof.Name = strings.TrimSpace(v)
	}
	if v := str(fs, "org"); v != "" {
		prof.Org = strings.TrimSpace(v)
	}
	if v := str(fs, "side"); v != "" {
		s, err := doc.ParseSide(v)
		if err != nil {
			return err
		}
		prof.Side = s
	}
	if prof.Name == "" || prof.Side == "" {
		return usageErr("--name and --side are required the first time")
	}
	if err := profile.Save(e.ConfigDir, prof); err != nil {
		return err
	}
	a, err := e.Author(true)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "%s (%s, %s) on device %s\n", a.Name, a.Org, a.Side, a.PeerID)
	return nil
}

func runProfileShow(e *Env, fs *flag.FlagSet, args []string) error {
	a, err := e.Author(true)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "name:   %s\norg:    %s\nside:   %s\ndevice: %s\n", a.Name, a.Org, a.Side, a.PeerID)
	return nil
}
