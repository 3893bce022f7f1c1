package sync

import (
	"testing"
	"time"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
	"github.com/coplan/coplan/sync/wire"
)

// parseHello accepts only hellos whose plan ID and side the plan document
// accepts, on top of what wire checks; what it accepts round-trips. (The
// frame, hello, welcome, heads, snapshot and refusal parsers have their
// own fuzz targets in sync/wire.)
func FuzzParseHello(f *testing.F) {
	f.Add([]byte(`{"v":3,"plan":"0123456789abcdef0123456789abcdef","have":true}`))
	f.Add([]byte(`{"v":3,"plan":"0123456789abcdef0123456789abcdef","invite":"abc","name":"N","side":"government"}`))
	f.Add([]byte(`{"v":3,"plan":"../../etc"}`))
	f.Add([]byte(`{"v":3,"plan":"0123456789abcdef0123456789abcdef","side":"nobody"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := parseHello(data)
		if err != nil {
			return
		}
		if !doc.ValidPlanID(h.Plan) {
			t.Fatalf("accepted plan ID %q", h.Plan)
		}
		if _, err := doc.ParseSide(h.Side); h.Side != "" && err != nil {
			t.Fatalf("accepted side %q", h.Side)
		}
		h2, err := parseHello(wire.EncodeHello(h))
		if err != nil || h2 != h {
			t.Fatalf("round trip: %+v -> %+v (%v)", h, h2, err)
		}
	})
}

// ParseInvite never panics, and an invite it accepts has a verified
// signature: re-signing is not needed to round-trip its fields.
func FuzzParseInvite(f *testing.F) {
	id, err := LoadOrCreateIdentity(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	code, _, err := NewInvite(id, "0123456789abcdef0123456789abcdef", authority.ID{1, 2, 3}, nil, time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(code)
	f.Add(GroupCode(code))
	f.Add(code[:len(code)/2])
	f.Add("not an invite")
	f.Fuzz(func(t *testing.T, code string) {
		inv, err := ParseInvite(code)
		if err != nil {
			return
		}
		if inv.Inviter == "" || len(inv.Plan) != 32 || len(inv.Addrs) > maxInviteAddrs {
			t.Fatalf("accepted a malformed invite: %+v", inv)
		}
		inv.Check(inv.Plan, time.Now())
	})
}

// ParseShortCode never panics; what it accepts is a number in range and
// list words, and its canonical form parses to itself without corrections.
func FuzzParseShortCode(f *testing.F) {
	for _, s := range []string{"7-penguin-pretzel", "7 PENG pretzal", "99penguin—pretzel", "0-a-b", "penguin", "0e3kq-7abcd", "7-pingüin-pretzel", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseShortCode(s)
		if err != nil {
			return
		}
		_, set := wordIndex()
		if c.Nameplate < 1 || c.Nameplate > wire.MaxNameplate || !set[c.Words[0]] || !set[c.Words[1]] {
			t.Fatalf("accepted %q as %+v", s, c)
		}
		back, err := ParseShortCode(c.String())
		if err != nil || back.String() != c.String() || len(back.Corrected) != 0 {
			t.Fatalf("canonical %s reads back as %+v, %v", c, back, err)
		}
	})
}
