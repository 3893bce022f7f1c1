package cli_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coplan/coplan/doc"
)

// logFrames lists the offsets of the records in a plan's log.
func logFrames(t *testing.T, path string) []int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var offs []int64
	for off := int64(32); off+24 <= int64(len(b)); off += 24 + int64(binary.BigEndian.Uint32(b[off+12:])) {
		offs = append(offs, off)
	}
	return offs
}

// coplan doctor: 0 for a healthy plan, 1 when it finds damage (saying what
// an open recovers and what is lost), 2 on usage errors; --repair rebuilds
// from every readable piece and the copies given with --from.
func TestDoctor(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	plan := ann.ok("new", "--title", "Doctor", "--country", "Testland")
	dir := filepath.Join(ann.data, "plans", plan)
	// One session of four commits, left in the log (a command's close
	// would fold a log this small into the snapshot).
	lib, err := doc.OpenLibrary(ann.data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Open(plan, doc.Author{Name: "Ann Jones"})
	if err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"One", "Two", "Three", "Four"} {
		if _, err := p.AddCommitment(doc.NewCommitment{Title: title}); err != nil {
			t.Fatal(err)
		}
		if err := p.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	p.Abandon()
	copyFile := filepath.Join(t.TempDir(), "colleague.coplan")
	ann.ok("export", plan, "-o", copyFile)

	steps := []struct {
		name   string
		before func()
		args   []string
		code   int
		out    []string
	}{
		{"healthy", nil, []string{"doctor", plan}, 0, []string{"snapshot", "generation", "log", "whole", "Healthy."}},
		{"no plan", nil, []string{"doctor"}, 2, nil},
		{"--from without --repair", nil, []string{"doctor", plan, "--from", copyFile}, 2, nil},
		{"a record damaged in the middle of the log", func() {
			lp := filepath.Join(dir, "log")
			offs := logFrames(t, lp)
			if len(offs) < 4 {
				t.Fatalf("log has %d records", len(offs))
			}
			b, _ := os.ReadFile(lp)
			b[offs[1]+40] ^= 0xFF
			os.WriteFile(lp, b, 0o600)
		}, []string{"doctor", plan}, 1, []string{"DAMAGED", "checksum mismatch", "1 saved record(s) lost", "cannot be applied", "Damage found", "--from"}},
		{"the diagnosis changed nothing", nil, []string{"doctor", plan}, 1, []string{"DAMAGED", "1 saved record(s) lost"}},
		{"repair with a colleague's copy", nil, []string{"doctor", plan, "--repair", "--from", copyFile}, 1, []string{"Repaired: the plan now holds", "nothing was deleted"}},
		{"healthy after the repair", nil, []string{"doctor", plan}, 0, []string{"damaged copy set aside", "Healthy."}},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		out, errs, code := ann.run(st.args...)
		if code != st.code {
			t.Fatalf("%s: exit %d, want %d\n%s%s", st.name, code, st.code, out, errs)
		}
		for _, s := range st.out {
			if !strings.Contains(out, s) {
				t.Errorf("%s: output lacks %q:\n%s", st.name, s, out)
			}
		}
	}
	c := ann.show(plan)
	var titles []string
	for _, cm := range c.Commitments {
		titles = append(titles, cm.Title)
	}
	if strings.Join(titles, ",") != "One,Two,Three,Four" {
		t.Fatalf("after the repair: %v", titles)
	}
}

// Every command that writes a plan leaves its content cache matching the
// files, so the next coplan list (and the window's first frame) reads the
// cache instead of loading the plan.
func TestCacheRefreshedByEveryCommand(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	plan := ann.ok("new", "--title", "Cached", "--country", "Testland")
	lib, err := doc.OpenLibrary(ann.data)
	if err != nil {
		t.Fatal(err)
	}
	fresh := func(what string) {
		t.Helper()
		if !lib.CacheFresh(plan) {
			t.Fatalf("after %s the content cache does not match the plan's files", what)
		}
	}
	fresh("new")
	cid := ann.ok("commitment", "add", plan, "--title", "First")
	copyFile := filepath.Join(t.TempDir(), "copy.coplan")
	keyFile := filepath.Join(t.TempDir(), "ann")
	steps := [][]string{
		{"plan", "set", plan, "title", "Cached again"},
		{"commitment", "set", plan, cid, "description", "Words."},
		{"commitment", "add", plan, "--title", "Second"},
		{"commitment", "move", plan, "2", "1"},
		{"milestone", "add", plan, cid, "--title", "M"},
		{"timeline", "add", plan, "--title", "T", "--date", "2026-01-01"},
		{"note", "add", plan, "--title", "N"},
		{"comment", "add", plan, cid, "a comment"},
		{"settings", plan, "endorsements", "required"},
		{"key", "new", "--name", "Ann Jones", "-o", keyFile},
		{"member", "key", plan, "me", keyFile + ".pub"},
		{"member", "role", plan, "me", "co-chair"},
		{"export", plan, "-o", copyFile},
		{"merge", plan, copyFile},
		{"import", copyFile},
		{"commitment", "rm", plan, "1"}, // Second, moved to the top
	}
	for _, args := range steps {
		ann.ok(args...)
		fresh(strings.Join(args[:2], " "))
	}
	c, ok := lib.ContentCache(plan)
	if !ok || c.Title != "Cached again" || len(c.Commitments) != 1 || c.Commitments[0].Description != "Words." {
		t.Fatalf("cache holds %+v", c)
	}
}
