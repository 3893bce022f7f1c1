package doc

import (
	"strings"
	"testing"
	"time"

	am "github.com/automerge/automerge-go"
)

// rawChanges reads the hash, message and time of changes the engine would
// refuse to parse for want of their dependencies.
func TestRawChanges(t *testing.T) {
	d := am.New()
	if err := d.RootMap().Set("t", am.NewText("")); err != nil {
		t.Fatal(err)
	}
	v, _ := d.RootMap().Get("t")
	var raw []byte
	var want []*am.Change
	for i, n := range []int{1, 300, 5000} {
		v.Text().Insert(0, strings.Repeat("x", n))
		at := time.Date(2025, 3, 1+i, 10, 0, 0, 0, time.UTC)
		h, err := d.Commit("Edit commitment "+strings.Repeat("é", i+1), am.CommitOptions{Time: &at})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := d.Change(h)
		raw = append(raw, c.Save()...)
		want = append(want, c)
	}
	got := rawChanges(append(raw, 0x85, 0x6f)) // a torn tail is ignored
	if len(got) != len(want) {
		t.Fatalf("%d changes, want %d", len(got), len(want))
	}
	for i, c := range want {
		if got[i].hash != c.Hash() || got[i].msg != c.Message() || !got[i].at.Equal(c.Timestamp()) {
			t.Errorf("change %d: %x %q %v; want %x %q %v", i, got[i].hash[:4], got[i].msg, got[i].at, c.Hash().String()[:8], c.Message(), c.Timestamp())
		}
	}
	if len(rawChanges([]byte("not automerge"))) != 0 || len(rawChanges(d.Save())) != 0 {
		t.Error("non-change bytes read as changes")
	}
}

func FuzzRawChanges(f *testing.F) {
	d := am.New()
	d.RootMap().Set("a", int64(1))
	h, _ := d.Commit("one")
	c, _ := d.Change(h)
	f.Add(c.Save())
	f.Add([]byte{0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, rc := range rawChanges(b) {
			if len(rc.msg) > len(b) {
				t.Fatal("message longer than the input")
			}
		}
	})
}
