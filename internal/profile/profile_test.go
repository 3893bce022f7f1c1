package profile

import (
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
)

func TestDefaultFoldersFromEnv(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "xdg-config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, "xdg-data"))
	for _, tc := range []struct {
		name           string
		data, conf     string // COPLAN_DATA, COPLAN_CONFIG
		wantD, wantC   string
		onlyOnUnixLike bool
	}{
		{name: "env wins", data: "/srv/coplan/data", conf: "/srv/coplan/conf",
			wantD: "/srv/coplan/data", wantC: "/srv/coplan/conf"},
		{name: "XDG folders", wantD: filepath.Join(home, "xdg-data", "coplan"),
			wantC: filepath.Join(home, "xdg-config", "coplan"), onlyOnUnixLike: true},
		{name: "data from env, config from XDG", data: "/elsewhere",
			wantD: "/elsewhere", wantC: filepath.Join(home, "xdg-config", "coplan"), onlyOnUnixLike: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.onlyOnUnixLike && (runtime.GOOS == "darwin" || runtime.GOOS == "windows") {
				t.Skip("XDG folders are for Linux and BSD")
			}
			t.Setenv(DataEnv, tc.data)
			t.Setenv(ConfigEnv, tc.conf)
			f := DefaultFolders()
			if f.DataDir != tc.wantD || f.ConfigDir != tc.wantC {
				t.Fatalf("folders %+v, want data %q config %q", f, tc.wantD, tc.wantC)
			}
		})
	}
}

func TestParseFolders(t *testing.T) {
	t.Setenv(DataEnv, "/env/data")
	t.Setenv(ConfigEnv, "/env/conf")
	for _, tc := range []struct {
		name     string
		args     []string
		want     Folders
		wantRest []string
		bad      bool
	}{
		{"none", nil, Folders{"/env/data", "/env/conf"}, []string{}, false},
		{"flags win over env", []string{"--data-dir", "/d", "--config-dir=/c", "list"},
			Folders{"/d", "/c"}, []string{"list"}, false},
		{"single dash", []string{"-data-dir", "/d", "show", "x"}, Folders{"/d", "/env/conf"}, []string{"show", "x"}, false},
		{"stops at the command", []string{"new", "--data-dir", "/d"},
			Folders{"/env/data", "/env/conf"}, []string{"new", "--data-dir", "/d"}, false},
		{"unknown flag", []string{"--colour", "red"}, Folders{}, nil, true},
		{"missing value", []string{"--data-dir"}, Folders{}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, rest, err := ParseFolders(tc.args)
			if tc.bad {
				if err == nil {
					t.Fatalf("ParseFolders(%q) = %+v, %q; want an error", tc.args, f, rest)
				}
				return
			}
			if err != nil || f != tc.want || strings.Join(rest, " ") != strings.Join(tc.wantRest, " ") {
				t.Fatalf("ParseFolders(%q) = %+v, %q, %v; want %+v, %q", tc.args, f, rest, err, tc.want, tc.wantRest)
			}
		})
	}
}

func TestSaveLoad(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Profile
		ok   bool
	}{
		{"full", Profile{Name: "Siân Ŵyn", Org: "Llywodraeth Cymru", Side: doc.Government}, true},
		{"civil society, no org", Profile{Name: "Eleni Papadopoulou", Side: doc.CivilSociety}, true},
		{"no name is no profile", Profile{Org: "Cabinet Office", Side: doc.Government}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "new", "config")
			if err := Save(dir, tc.p); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(filepath.Join(dir, FileName))
			if err != nil {
				t.Fatal(err)
			}
			if runtime.GOOS != "windows" {
				if st.Mode().Perm() != 0o600 {
					t.Fatalf("profile mode %v, want 0600", st.Mode().Perm())
				}
				if dst, _ := os.Stat(dir); dst.Mode().Perm() != 0o700 {
					t.Fatalf("config folder mode %v, want 0700", dst.Mode().Perm())
				}
			}
			got, ok, err := Load(dir)
			if err != nil || ok != tc.ok || got != tc.p {
				t.Fatalf("Load = %+v, %v, %v; want %+v, %v", got, ok, err, tc.p, tc.ok)
			}
		})
	}
}

func TestSaveReplaces(t *testing.T) {
	dir := t.TempDir()
	if err := Save(dir, Profile{Name: "Ann Jones", Org: "Cabinet Office", Side: doc.Government}); err != nil {
		t.Fatal(err)
	}
	if err := Save(dir, Profile{Name: "Ann Jones", Org: "HM Treasury", Side: doc.Government}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := Load(dir)
	if err != nil || !ok || got.Org != "HM Treasury" {
		t.Fatalf("after second save: %+v, %v, %v", got, ok, err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("folder holds %d entries, want only %s (no temporary files left)", len(ents), FileName)
	}
}

func TestLoadMissingAndDamaged(t *testing.T) {
	t.Run("no folder", func(t *testing.T) {
		p, ok, err := Load(filepath.Join(t.TempDir(), "absent"))
		if err != nil || ok || p != (Profile{}) {
			t.Fatalf("Load = %+v, %v, %v; want no profile and no error", p, ok, err)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, FileName)
		if err := os.WriteFile(path, []byte("name = Ann\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := Load(dir); err == nil || ok || !strings.Contains(err.Error(), path) {
			t.Fatalf("Load of a damaged file: ok %v, err %v; want an error naming %s", ok, err, path)
		}
	})
	t.Run("a folder in the way", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, FileName), 0o700); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Load(dir); err == nil || errors.Is(err, os.ErrNotExist) {
			t.Fatalf("Load with a folder named %s: %v, want a read error", FileName, err)
		}
	})
}

func TestAuthor(t *testing.T) {
	p := Profile{Name: "Bryn Davies", Org: "Open Rights Cymru", Side: doc.CivilSociety}
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	a := p.Author(key)
	dev, _ := authority.DeviceOfKey(key)
	if a.PeerID != dev.PeerID() || !strings.HasPrefix(a.PeerID, "12D3KooW") || !a.Key.Equal(key) {
		t.Fatalf("Author = %+v, want the device %s and its key", a, dev.PeerID())
	}
	if a.Name != p.Name || a.Org != p.Org || a.Side != p.Side {
		t.Fatalf("Author = %+v, want the profile %+v", a, p)
	}
	if back := FromAuthor(a); back != p {
		t.Fatalf("FromAuthor = %+v, want %+v", back, p)
	}
}

// FuzzLoad: whatever is in profile.json, Load returns without panicking,
// and reports a profile only when it has a name.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"name":"Ann","org":"CO","side":"government"}`))
	f.Add([]byte(`{"name":""}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte{0xff, 0xfe})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, raw []byte) {
		if err := os.WriteFile(filepath.Join(dir, FileName), raw, 0o600); err != nil {
			t.Fatal(err)
		}
		p, ok, err := Load(dir)
		if err != nil {
			if ok {
				t.Fatalf("ok with error %v", err)
			}
			return
		}
		if ok != (p.Name != "") {
			t.Fatalf("ok %v for profile %+v", ok, p)
		}
	})
}
