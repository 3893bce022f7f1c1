package amext

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/automerge/automerge-go"
)

const changedHint = "amext reaches automerge-go's internals; re-check amext.go against the new automerge-go (Doc fields, automerge.h) before updating PinnedAutomergeGo"

// The unexported automerge.Doc fields amext uses must still exist, by name
// and type.
func TestDocLayoutIsPinned(t *testing.T) {
	typ := reflect.TypeFor[automerge.Doc]()
	for _, want := range []struct{ name, typ string }{
		{"cDoc", "*automerge._Ctype_struct_AMdoc"},
		{"m", "sync.Mutex"},
	} {
		f, ok := typ.FieldByName(want.name)
		if !ok {
			t.Fatalf("automerge-go changed: automerge.Doc has no field %q; %s", want.name, changedHint)
		}
		if got := f.Type.String(); got != want.typ {
			t.Fatalf("automerge-go changed: automerge.Doc.%s is %s, was %s; %s", want.name, got, want.typ, changedHint)
		}
	}
	if err := CheckLayout(); err != nil {
		t.Fatalf("%v; %s", err, changedHint)
	}
}

// The module version in go.mod is the one amext was written for.
func TestAutomergeGoVersionIsPinned(t *testing.T) {
	m := automergeModule(t)
	if m.Version != PinnedAutomergeGo {
		t.Fatalf("automerge-go is %s, amext is pinned to %s; %s", m.Version, PinnedAutomergeGo, changedHint)
	}
}

type module struct{ Version, Dir string }

func automergeModule(t *testing.T) module {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-json", "github.com/automerge/automerge-go").Output()
	if err != nil {
		t.Fatalf("go list automerge-go: %v", err)
	}
	var m module
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	if m.Dir == "" {
		t.Fatalf("automerge-go not in the module cache (go mod download)")
	}
	return m
}

// The declarations in amext.go's preamble compile against the automerge.h
// that the pinned automerge-go ships: redeclaring a prototype with other
// types, or a typedef as another type, is a C error; the enum values and
// struct layouts are checked with static asserts.
func TestDeclarationsMatchHeader(t *testing.T) {
	m := automergeModule(t)
	header := filepath.Join(m.Dir, "automerge.h")
	if _, err := os.Stat(header); err != nil {
		t.Fatalf("automerge.h not where the pinned automerge-go keeps it: %v; %s", err, changedHint)
	}
	src, err := os.ReadFile("amext.go")
	if err != nil {
		t.Fatal(err)
	}
	section := func(from, to string) string {
		s := string(src)
		i, j := strings.Index(s, from), strings.Index(s, to)
		if i < 0 || j < i {
			t.Fatalf("amext.go lost its %q section", from)
		}
		body := s[i:j]
		return body[strings.Index(body, "\n")+1:] // past the marker line
	}
	types := section("// --- types", "// --- constants")
	consts := section("// --- constants", "// --- functions")
	funcs := section("// --- functions", "// --- end of automerge.h declarations")

	var c strings.Builder
	c.WriteString("#include <stddef.h>\n#include \"automerge.h\"\n")
	// Opaque and scalar typedefs may be repeated in C11 only if identical;
	// struct bodies cannot be, so they are checked by size below.
	for _, line := range strings.Split(types, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "typedef") && !strings.Contains(line, "{") {
			c.WriteString(line + "\n")
		}
	}
	c.WriteString(consts + "\n" + funcs + "\n")
	names := regexp.MustCompile(`AMEXT_(\w+)`).FindAllStringSubmatch(consts, -1)
	if len(names) == 0 {
		t.Fatal("no AMEXT_ constants found")
	}
	for _, n := range names {
		fmt.Fprintf(&c, "_Static_assert(AMEXT_%s == AM_%s, \"AMEXT_%s != AM_%s\");\n", n[1], n[1], n[1], n[1])
	}
	span, count, items := cSizes()
	fmt.Fprintf(&c, "_Static_assert(sizeof(AMbyteSpan) == %d, \"AMbyteSpan size\");\n", span)
	fmt.Fprintf(&c, "_Static_assert(offsetof(AMbyteSpan, count) == %d, \"AMbyteSpan.count offset\");\n", count)
	fmt.Fprintf(&c, "_Static_assert(sizeof(AMitems) == %d, \"AMitems size\");\n", items)

	file := filepath.Join(t.TempDir(), "check.c")
	if err := os.WriteFile(file, []byte(c.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cc := "cc"
	if out, err := exec.Command("go", "env", "CC").Output(); err == nil && strings.TrimSpace(string(out)) != "" {
		cc = strings.Fields(string(out))[0]
	}
	cmd := exec.Command(cc, "-std=c11", "-fsyntax-only", "-Werror", "-I", m.Dir, file)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("amext's C declarations do not match %s: %v\n%s\n%s", header, err, out, changedHint)
	}
}

// docMutex is automerge-go's own lock: while amext holds it, automerge-go's
// methods wait, and while it is held elsewhere amext's calls wait.
func TestTakesDocLock(t *testing.T) {
	d := automerge.New()
	if err := d.Path("t").Set(automerge.NewText("abc")); err != nil {
		t.Fatal(err)
	}
	commit(t, d, "init")
	mu, err := docMutex(d)
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"automerge-go Heads": func() error { d.Heads(); return nil },
		"TextAt":             func() error { _, err := TextAt(d, []any{"t"}, nil); return err },
		"MapKeysAt":          func() error { _, err := MapKeysAt(d, nil, nil); return err },
		"GetAt":              func() error { _, _, err := GetAt(d, []any{"t"}, nil); return err },
		"ListLenAt":          func() error { _, err := ListLenAt(d, []any{"t"}, nil); return err },
		"MapGetAll":          func() error { _, err := MapGetAll(d, nil, "t"); return err },
		"TextInserters":      func() error { _, err := TextInserters(d, []any{"t"}, nil); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			mu.Lock()
			done := make(chan error, 1)
			go func() { done <- call() }()
			select {
			case <-done:
				mu.Unlock()
				t.Fatalf("%s ran while the Doc's mutex was held", name)
			case <-time.After(50 * time.Millisecond):
			}
			mu.Unlock()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s still blocked after the mutex was released", name)
			}
		})
	}
	// And the lock is released again after each call.
	if !mu.TryLock() {
		t.Fatal("Doc's mutex left locked")
	}
	mu.Unlock()
}
