package doc

import (
	"bytes"
	"fmt"
	"os"

	"github.com/coplan/coplan/internal/atomicfile"
)

// The portable .coplan file: magic, one format-version byte, then the saved
// Automerge document. The magic's first byte is non-ASCII so a text file is
// never mistaken for a plan.
var fileMagic = []byte("\x89COPLAN\n")

// FileVersion is the .coplan format version this build writes.
const FileVersion = 1

// FileExt is the portable file's extension.
const FileExt = ".coplan"

// EncodeFile wraps saved document bytes in the .coplan header.
func EncodeFile(saved []byte) []byte {
	out := make([]byte, 0, len(fileMagic)+1+len(saved))
	out = append(out, fileMagic...)
	out = append(out, FileVersion)
	return append(out, saved...)
}

// DecodeFile checks the header and returns the saved document bytes.
func DecodeFile(data []byte) ([]byte, error) {
	if !bytes.HasPrefix(data, fileMagic) || len(data) < len(fileMagic)+1 {
		return nil, fmt.Errorf("%w: no Coplan header", ErrNotAPlan)
	}
	if v := data[len(fileMagic)]; v != FileVersion {
		if v > FileVersion {
			return nil, fmt.Errorf("%w: file format %d (this build reads %d)", ErrNewerSchema, v, FileVersion)
		}
		return nil, fmt.Errorf("%w: unknown file format %d", ErrNotAPlan, v)
	}
	return data[len(fileMagic)+1:], nil
}

// ReadFile loads a .coplan file into memory (not into a library).
func ReadFile(path string, author Author) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	saved, err := DecodeFile(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p, err := LoadPlan(saved, author)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// ExportFile writes the plan as a .coplan file, atomically, with this
// device's changes attested first.
func (p *Plan) ExportFile(path string) error {
	p.Attest()
	saved, err := p.Save()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, EncodeFile(saved), 0o644)
}

func errOtherPlan(got, want string) error {
	return fmt.Errorf("%w: that copy is of plan %s, not %s", ErrInvalid, short(got), short(want))
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
