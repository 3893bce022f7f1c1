package doc

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc/authority"
)

// The file of statements this device verified spares signature checks on
// the next open, and only when its seal (a MAC under this device's key,
// for this plan) checks: a file anyone else wrote or changed costs checks,
// never adds authority.
func TestVerifiedCacheIsSealed(t *testing.T) {
	lib, err := OpenLibrary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Create("Plan", "Freedonia", "2025", "2027", annA)
	if err != nil {
		t.Fatal(err)
	}
	id := p.ID()
	// Carl writes into the plan a statement admitting himself that claims
	// Ann signed it: its signature is Carl's, over bytes naming Ann.
	st, _ := p.Authority()
	raw, err := authority.Sign(carlA.Key, id, st.LinksFor(devOf(annA), authority.KindAddMember), time.Now(),
		authority.NewAddMember(devOf(carlA), carlA.Name, carlA.Org, authority.Side(carlA.Side)))
	if err != nil {
		t.Fatal(err)
	}
	forged := bytes.Clone(raw)
	ann := devOf(annA)
	copy(forged[2+1+16:], ann[:])
	fid := authority.StatementID(forged)
	forceInto(t, p, func(root *am.Map) {
		v, _ := root.Get(statementsKey)
		if err := v.Map().Set(fid.String(), forged); err != nil {
			t.Fatal(err)
		}
	})
	if isMember(p, carlA) {
		t.Fatal("the forged admission counts")
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(lib.dir, "plans", id, verifiedFile)
	genuine, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(genuine, []byte(verifiedMagic)) {
		t.Fatalf("no sealed file written: %v", err)
	}
	ids := genuine[len(verifiedMagic) : len(genuine)-32]
	withForged := append(bytes.Clone(ids), fid[:]...)
	seal := func(a Author, planID string, ids []byte) []byte {
		out := append([]byte(verifiedMagic), ids...)
		return append(out, verifiedMAC(a.Key, planID, ids)...)
	}
	other := bytes.Clone(genuine)
	other[len(other)-1] ^= 1
	cases := []struct {
		name   string
		file   []byte
		opener Author
		counts bool // the forged admission counts
	}{
		{"the forged ID added to the unsealed older form", withForged, annA, false},
		{"the forged ID spliced into the sealed file", append(append([]byte(verifiedMagic), withForged...), genuine[len(genuine)-32:]...), annA, false},
		{"sealed with another device's key", seal(carlA, id, withForged), annA, false},
		{"sealed with this device's key for another plan", seal(annA, "0123456789abcdef0123456789abcdef", withForged), annA, false},
		{"the genuine file with its seal changed", other, annA, false},
		{"truncated", genuine[:len(genuine)-5], annA, false},
		{"opened without the device key", seal(annA, id, withForged), Author{}, false},
		// The control: the seal is what decides. Only the holder of Ann's
		// device key can make this file, and that holder can sign anything.
		{"sealed by this device", seal(annA, id, withForged), annA, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(path, c.file, 0o600); err != nil {
				t.Fatal(err)
			}
			p, err := lib.Open(id, c.opener)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Abandon()
			if got := isMember(p, carlA); got != c.counts {
				t.Fatalf("forged admission counts: %v, want %v", got, c.counts)
			}
			if !c.counts {
				refused := false
				for _, r := range p.RefusedStatements() {
					refused = refused || r.ID == fid.String()
				}
				if !refused {
					t.Fatal("the forged statement is not listed as refused")
				}
			}
		})
	}
	t.Run("the genuine file spares the checks it lists", func(t *testing.T) {
		if err := os.WriteFile(path, genuine, 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := lib.Open(id, annA)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Abandon()
		if isMember(p, carlA) || p.auth.savedVerified != len(ids)/32 {
			t.Fatalf("carl member %v; %d IDs trusted, want %d", isMember(p, carlA), p.auth.savedVerified, len(ids)/32)
		}
	})
}

func isMember(p *Plan, a Author) bool {
	for _, m := range p.Members() {
		if m.PeerID == a.PeerID {
			return true
		}
	}
	return false
}

// FuzzVerifiedFile: any bytes as the verified-statements file. Only a file
// that seals exactly its IDs under the device's key and the plan ID opens,
// so the fuzzer, holding neither a valid seal for new IDs nor the key,
// cannot make one list an ID the genuine file did not.
func FuzzVerifiedFile(f *testing.F) {
	const planID = "00112233445566778899aabbccddeeff"
	ids := []authority.ID{authority.StatementID([]byte("a")), authority.StatementID([]byte("b"))}
	genuine := sealVerified(annA.Key, planID, ids)
	f.Add(genuine)
	f.Add(genuine[len(verifiedMagic):])
	f.Add(sealVerified(annA.Key, planID, nil))
	f.Add(sealVerified(carlA.Key, planID, ids))
	f.Add([]byte(verifiedMagic))
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := openVerified(annA.Key, planID, raw)
		if !ok {
			return
		}
		if !bytes.Equal(sealVerified(annA.Key, planID, got), raw) {
			t.Fatal("a file opened that is not the seal of its IDs")
		}
		if !bytes.Equal(raw, genuine) && !bytes.Equal(raw, sealVerified(annA.Key, planID, nil)) {
			t.Fatalf("the fuzzer made a sealed file listing %d IDs", len(got))
		}
	})
}
