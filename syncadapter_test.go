package main

import (
	"errors"
	"fmt"
	"testing"
	"time"

	ma "github.com/multiformats/go-multiaddr"
	"rsc.io/qr"

	"github.com/coplan/coplan/app"
	"github.com/coplan/coplan/doc/authority"
	p2psync "github.com/coplan/coplan/sync"
)

// realInvite signs a full invite as a laptop on a LAN would.
func realInvite(t *testing.T) string {
	t.Helper()
	id, err := p2psync.LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var addrs []ma.Multiaddr
	for _, s := range []string{"/ip4/192.168.1.23/tcp/41234", "/ip4/192.168.1.23/udp/41234/quic-v1", "/ip6/2001:db8::23/tcp/41234"} {
		addrs = append(addrs, ma.StringCast(s))
	}
	code, _, err := p2psync.NewInvite(id, "0123456789abcdef0123456789abcdef", authority.ID{1}, addrs, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// A full code cut short or mistyped reaches the app as ErrCodeGarbled, so
// the Join dialog can say so instead of "bad plan ID".
func TestAdapterJoinErrorGarbled(t *testing.T) {
	code := p2psync.GroupCode(realInvite(t))
	if _, err := p2psync.ParseInvite(code); err != nil {
		t.Fatalf("the whole code does not read: %v", err)
	}
	other := "9" // a letter other than the one there (the key is random)
	if code[40] == '9' {
		other = "8"
	}
	for _, tc := range []struct {
		name, code string
	}{
		{"cut in half", code[:len(code)/2]},
		{"last group lost", code[:len(code)-6]},
		{"first lines only", code[:120]},
		{"a letter changed", code[:40] + other + code[41:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p2psync.ParseInvite(tc.code)
			if err == nil {
				t.Fatal("the damaged code read")
			}
			if got := appCodeError(err); !errors.Is(got, app.ErrCodeGarbled) {
				t.Errorf("%v: not ErrCodeGarbled", got)
			}
		})
	}
}

func TestAdapterCodeErrors(t *testing.T) {
	for _, tc := range []struct {
		in   error
		want error
	}{
		{p2psync.ErrCodeExpired, app.ErrCodeExpired},
		{p2psync.ErrCodeDead, app.ErrCodeDead},
		{p2psync.ErrCodeCancelled, app.ErrCodeCancelled},
		{fmt.Errorf("joining: %w", p2psync.ErrInviteMalformed), app.ErrCodeGarbled},
	} {
		t.Run(tc.in.Error(), func(t *testing.T) {
			got := appCodeError(tc.in)
			if !errors.Is(got, tc.want) || !errors.Is(got, tc.in) {
				t.Errorf("%v: want both %v and %v", got, tc.want, tc.in)
			}
		})
	}
	other := p2psync.ErrCodeNotFound
	if got := appCodeError(other); got != other {
		t.Errorf("other errors pass unchanged, got %v", got)
	}
	if appCodeError(nil) != nil {
		t.Error("nil became an error")
	}
}

// The QR code the Invite dialog draws stays small enough to read from a
// laptop screen at arm's length, and reads back as the code.
func TestAdapterInviteQR(t *testing.T) {
	raw := realInvite(t)
	payload := p2psync.QRPayload(raw)
	inv, err := p2psync.ParseInvite(payload)
	if err != nil {
		t.Fatalf("the QR payload does not read: %v", err)
	}
	if inv.Plan != "0123456789abcdef0123456789abcdef" {
		t.Errorf("plan %s", inv.Plan)
	}
	c, err := qr.Encode(payload, qr.L)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("code %d characters, QR %d modules", len(raw), c.Size)
	if c.Size > 57 { // version 10
		t.Errorf("QR is %d modules a side: too dense to scan across a table", c.Size)
	}
}
