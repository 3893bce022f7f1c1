package wire

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func share(b byte) []byte { return bytes.Repeat([]byte{b}, JoinShareSize) }

func TestJoinFrames(t *testing.T) {
	t.Run("start round trip", func(t *testing.T) {
		in := JoinStart{Version: JoinVersion, Nameplate: 7, Share: share(4)}
		got, err := ParseJoinStart(EncodeJoinStart(in))
		if err != nil || got.Version != in.Version || got.Nameplate != 7 || !bytes.Equal(got.Share, in.Share) {
			t.Fatalf("%+v %v", got, err)
		}
	})
	t.Run("invite round trip", func(t *testing.T) {
		in := JoinInvite{Confirm: bytes.Repeat([]byte{1}, JoinMACSize), Sealed: bytes.Repeat([]byte{2}, 300)}
		got, err := ParseJoinInvite(EncodeJoinInvite(in))
		if err != nil || !bytes.Equal(got.Confirm, in.Confirm) || !bytes.Equal(got.Sealed, in.Sealed) {
			t.Fatalf("%+v %v", got, err)
		}
	})
	t.Run("refusal round trip", func(t *testing.T) {
		in := JoinRefusal{Reason: JoinWrongCode, Attempts: 2, Text: "wrong code"}
		got, err := ParseJoinRefusal(EncodeJoinRefusal(in))
		if err != nil || got != in {
			t.Fatalf("%+v %v", got, err)
		}
	})
	t.Run("long refusal text is cut on a rune", func(t *testing.T) {
		got, err := ParseJoinRefusal(EncodeJoinRefusal(JoinRefusal{Reason: JoinNoCode, Text: strings.Repeat("é", 150)}))
		if err != nil || len(got.Text) > maxJoinRefusal || !utf8.ValidString(got.Text) {
			t.Fatalf("%d bytes %v", len(got.Text), err)
		}
	})
	bad := []struct {
		name  string
		parse func() error
	}{
		{"start: short", func() error { _, err := ParseJoinStart([]byte{1, 7}); return err }},
		{"start: version", func() error {
			_, err := ParseJoinStart(EncodeJoinStart(JoinStart{Version: 2, Nameplate: 7, Share: share(4)}))
			return err
		}},
		{"start: nameplate 0", func() error {
			_, err := ParseJoinStart(EncodeJoinStart(JoinStart{Version: 1, Nameplate: 0, Share: share(4)}))
			return err
		}},
		{"start: nameplate 100", func() error {
			_, err := ParseJoinStart(EncodeJoinStart(JoinStart{Version: 1, Nameplate: 100, Share: share(4)}))
			return err
		}},
		{"share: 64 bytes", func() error { _, err := ParseJoinShare(make([]byte, 64)); return err }},
		{"confirm: 31 bytes", func() error { _, err := ParseJoinConfirm(make([]byte, 31)); return err }},
		{"invite: MAC only", func() error { _, err := ParseJoinInvite(make([]byte, JoinMACSize)); return err }},
		{"invite: too big", func() error { _, err := ParseJoinInvite(make([]byte, MaxJoinFrame)); return err }},
		{"refusal: empty", func() error { _, err := ParseJoinRefusal(nil); return err }},
		{"refusal: reason 0", func() error { _, err := ParseJoinRefusal([]byte{0, 0}); return err }},
		{"refusal: unknown reason", func() error { _, err := ParseJoinRefusal([]byte{99, 0}); return err }},
		{"refusal: not UTF-8", func() error { _, err := ParseJoinRefusal([]byte{1, 0, 0xff}); return err }},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.parse(); !errors.Is(err, ErrBadJoin) {
				t.Fatalf("got %v, want ErrBadJoin", err)
			}
		})
	}
}

// The join parsers never panic, accept only what their sizes allow, and
// what they accept encodes back to the same bytes.
func FuzzJoinFrames(f *testing.F) {
	f.Add(byte(FrameJoinStart), EncodeJoinStart(JoinStart{Version: 1, Nameplate: 7, Share: share(4)}))
	f.Add(byte(FrameJoinShare), share(4))
	f.Add(byte(FrameJoinConfirm), make([]byte, JoinMACSize))
	f.Add(byte(FrameJoinInvite), make([]byte, JoinMACSize+100))
	f.Add(byte(FrameJoinRefuse), EncodeJoinRefusal(JoinRefusal{Reason: JoinDeadCode, Text: "dead"}))
	f.Add(byte(0), []byte{})
	f.Fuzz(func(t *testing.T, typ byte, b []byte) {
		switch typ {
		case FrameJoinStart:
			s, err := ParseJoinStart(b)
			if err == nil && (!bytes.Equal(EncodeJoinStart(s), b) || s.Nameplate < 1 || s.Nameplate > MaxNameplate) {
				t.Fatalf("start %+v from %x", s, b)
			}
		case FrameJoinShare:
			s, err := ParseJoinShare(b)
			if err == nil && (len(s) != JoinShareSize || !bytes.Equal(s, b)) {
				t.Fatalf("share %x", b)
			}
		case FrameJoinConfirm:
			c, err := ParseJoinConfirm(b)
			if err == nil && (len(c) != JoinMACSize || !bytes.Equal(c, b)) {
				t.Fatalf("confirm %x", b)
			}
		case FrameJoinInvite:
			j, err := ParseJoinInvite(b)
			if err == nil && (len(j.Confirm) != JoinMACSize || !bytes.Equal(EncodeJoinInvite(j), b)) {
				t.Fatalf("invite %x", b)
			}
		default:
			r, err := ParseJoinRefusal(b)
			if err != nil {
				return
			}
			if r.Reason == 0 || r.Reason > maxJoinReason || !utf8.ValidString(r.Text) || len(r.Text) > maxJoinRefusal {
				t.Fatalf("refusal %+v", r)
			}
			if r2, err := ParseJoinRefusal(EncodeJoinRefusal(r)); err != nil || r2 != r {
				t.Fatalf("refusal round trip %+v -> %+v %v", r, r2, err)
			}
		}
	})
}
