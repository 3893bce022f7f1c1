package doc

import (
	"testing"
)

// FuzzImportFile: whatever bytes a .coplan file holds, decoding and loading
// it either fails with an error or gives a plan whose content can be read;
// it never panics or hangs.
func FuzzImportFile(f *testing.F) {
	p, err := NewPlan("Fuzz", "Testland", "2025", "2027", testAuthor)
	if err != nil {
		f.Fatal(err)
	}
	id, _ := p.AddCommitment(NewCommitment{Title: "Seed"})
	p.SetText(CommitmentText(id, "description"), "Seed text")
	saved, _ := p.Save()
	f.Add(EncodeFile(saved))
	f.Add(EncodeFile(nil))
	f.Add([]byte("\x89COPLAN\n\x02"))
	f.Add([]byte("hello"))
	f.Fuzz(func(t *testing.T, data []byte) {
		saved, err := DecodeFile(data)
		if err != nil {
			return
		}
		p, err := LoadPlan(saved, testAuthor)
		if err != nil {
			return
		}
		if c := p.Content(); c.ID == "" {
			t.Fatal("a plan with no ID was accepted")
		}
		if _, err := p.History(); err != nil {
			t.Fatal(err)
		}
	})
}
