package sync

import (
	"bytes"
	"testing"
	"time"
)

// The frame reader never panics, never allocates past its cap and never
// returns a body longer than the cap.
func FuzzFrameReader(f *testing.F) {
	f.Add(appendFrame(nil, frameHello, []byte(`{"v":1}`)))
	f.Add(appendFrame(appendFrame(nil, frameSync, []byte("abc")), frameLevel, make([]byte, 32)))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{0x05, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		fr := newFrameReader(bytes.NewReader(data))
		for range 64 {
			typ, body, err := fr.read(1024)
			if err != nil {
				return
			}
			if len(body) > 1023 {
				t.Fatalf("body of %d bytes past the cap", len(body))
			}
			_ = typ
			if typ == frameLevel {
				decodeHeads(body)
			}
		}
	})
}

// ParseHello accepts only well-formed hellos, and what it accepts
// round-trips.
func FuzzParseHello(f *testing.F) {
	f.Add([]byte(`{"v":1,"plan":"0123456789abcdef0123456789abcdef","have":true}`))
	f.Add([]byte(`{"v":1,"plan":"0123456789abcdef0123456789abcdef","invite":"abc","name":"N","side":"government"}`))
	f.Add([]byte(`{"v":2}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ParseHello(data)
		if err != nil {
			return
		}
		b, err := jsonMarshal(h)
		if err != nil {
			t.Fatal(err)
		}
		h2, err := ParseHello(b)
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
	code, _, err := NewInvite(id, "0123456789abcdef0123456789abcdef", nil, time.Hour)
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
