// Package traces loads the real keystroke-level editing traces that tests
// and benchmarks replay. The traces live outside the repository (in
// ../shared/data/traces next to the checkout, or COPLAN_TRACES); callers
// skip when they are absent.
package traces

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Patch is one edit: at Pos (code points) delete Del, insert Ins.
type Patch struct {
	Pos int
	Del int
	Ins string
}

// UnmarshalJSON reads the trace's [pos, del, "text"] triples.
func (p *Patch) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if len(raw) != 3 {
		return fmt.Errorf("patch has %d parts, want 3", len(raw))
	}
	if err := json.Unmarshal(raw[0], &p.Pos); err != nil {
		return err
	}
	if err := json.Unmarshal(raw[1], &p.Del); err != nil {
		return err
	}
	return json.Unmarshal(raw[2], &p.Ins)
}

// Txn is one transaction of patches, applied in order.
type Txn struct {
	Patches []Patch `json:"patches"`
	Agent   int     `json:"agent"`
	Parents []int   `json:"parents"`
}

// Trace is a whole recorded editing session.
type Trace struct {
	Kind         string `json:"kind"`
	StartContent string `json:"startContent"`
	EndContent   string `json:"endContent"`
	NumAgents    int    `json:"numAgents"`
	Txns         []Txn  `json:"txns"`
}

// ErrMissing means the shared trace folder is not next to this checkout.
var ErrMissing = errors.New("editing traces not found")

// Dir finds the trace folder: COPLAN_TRACES, or ../shared/data/traces
// beside the module root.
func Dir() (string, error) {
	if d := os.Getenv("COPLAN_TRACES"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			t := filepath.Join(d, "..", "shared", "data", "traces")
			if _, err := os.Stat(t); err != nil {
				return "", fmt.Errorf("%w at %s", ErrMissing, t)
			}
			return t, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%w: no go.mod above %s", ErrMissing, wd)
		}
	}
}

// Load reads a trace by file name, e.g. "sveltecomponent.json.gz".
func Load(name string) (*Trace, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %v", ErrMissing, err)
		}
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var t Trace
	if err := json.NewDecoder(zr).Decode(&t); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if t.NumAgents == 0 {
		t.NumAgents = 1
	}
	return &t, nil
}

// Skipper is the part of testing.TB that LoadOrSkip needs.
type Skipper interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// LoadOrSkip loads a trace, skipping the test with a clear message when the
// shared traces are not present.
func LoadOrSkip(t Skipper, name string) *Trace {
	t.Helper()
	tr, err := Load(name)
	if errors.Is(err, ErrMissing) {
		t.Skipf("skipping: %v (the traces live in ../shared/data/traces beside the checkout, or set COPLAN_TRACES)", err)
	}
	if err != nil {
		t.Fatalf("load trace: %v", err)
	}
	return tr
}
