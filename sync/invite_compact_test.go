package sync

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	ma "github.com/multiformats/go-multiaddr"
	"rsc.io/qr"

	"github.com/coplan/coplan/doc/authority"
)

func addrList(ss ...string) []ma.Multiaddr {
	out := make([]ma.Multiaddr, len(ss))
	for i, s := range ss {
		out[i] = ma.StringCast(s)
	}
	return out
}

func addrStrings(as []ma.Multiaddr) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.String()
	}
	slices.Sort(out)
	return out
}

// Compact invites carry every kind of address an invite may name, and the
// same facts back.
func TestCompactInviteRoundTrip(t *testing.T) {
	id, err := LoadOrCreateIdentity(t.TempDir())
	must(t, err)
	relay := "/ip4/203.0.113.9/tcp/4001/p2p/" + id.PeerID.String() + "/p2p-circuit"
	cases := []struct {
		name  string
		addrs []string
	}{
		{"none", nil},
		{"tcp only", []string{"/ip4/192.168.1.23/tcp/4077"}},
		{"quic only", []string{"/ip4/192.168.1.23/udp/4077/quic-v1"}},
		{"tcp and quic on one port", []string{"/ip4/192.168.1.23/tcp/4077", "/ip4/192.168.1.23/udp/4077/quic-v1"}},
		{"tcp and quic on two ports", []string{"/ip4/10.0.0.5/tcp/4077", "/ip4/10.0.0.5/udp/5000/quic-v1"}},
		{"ipv6", []string{"/ip6/2001:db8::1/tcp/4077", "/ip6/2001:db8::1/udp/4077/quic-v1"}},
		{"a relay circuit", []string{relay}},
		{"udp without quic is kept whole", []string{"/ip4/10.0.0.5/udp/9"}},
		{"six of them", []string{"/ip4/192.168.1.23/tcp/4077", "/ip4/192.168.1.23/udp/4077/quic-v1", "/ip4/10.0.0.5/tcp/4077",
			"/ip4/10.0.0.5/udp/4077/quic-v1", "/ip6/fd00::2/tcp/4077", relay}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, inv, err := NewInvite(id, "0123456789abcdef0123456789abcdef", authority.ID{7, 7, 7}, addrList(tc.addrs...), time.Hour)
			must(t, err)
			got, err := ParseInvite(QRPayload(GroupCode(code)))
			must(t, err)
			if got.Plan != inv.Plan || got.Inviter != id.PeerID || !got.Expires.Equal(inv.Expires) || got.Nonce != inv.Nonce ||
				got.Statement != (authority.ID{7, 7, 7}) {
				t.Fatalf("got %+v, want %+v", got, inv)
			}
			if !slices.Equal(addrStrings(got.Addrs), addrStrings(inv.Addrs)) {
				t.Fatalf("addresses %v, want %v", got.Addrs, inv.Addrs)
			}
		})
	}
}

// Any changed byte makes a compact invite fail, never parse as another.
func TestCompactInviteTampered(t *testing.T) {
	id, err := LoadOrCreateIdentity(t.TempDir())
	must(t, err)
	code, _, err := NewInvite(id, "0123456789abcdef0123456789abcdef", authority.ID{7, 7, 7}, addrList("/ip4/192.168.1.23/tcp/4077", "/ip4/192.168.1.23/udp/4077/quic-v1"), time.Hour)
	must(t, err)
	raw, err := inviteEncoding.DecodeString(code)
	must(t, err)
	for i := range raw {
		bad := slices.Clone(raw)
		bad[i] ^= 0x10
		if _, err := ParseInvite(inviteEncoding.EncodeToString(bad)); err == nil {
			t.Fatalf("byte %d changed and the invite still parses", i)
		} else if !errors.Is(err, ErrInviteForged) && !errors.Is(err, ErrInviteMalformed) {
			t.Fatalf("byte %d: %v", i, err)
		}
	}
	if _, err := ParseInvite(code[:len(code)-8]); !errors.Is(err, ErrInviteMalformed) && !errors.Is(err, ErrInviteForged) {
		t.Fatalf("a cut code: %v", err)
	}
}

// signV1 writes an invite in the first format, as issued before the
// compact one, which still parses.
func signV1(t *testing.T, id *Identity, inv *Invite) string {
	t.Helper()
	pb, _ := hex.DecodeString(inv.Plan)
	b := append([]byte{inviteVersion}, pb...)
	pid := []byte(inv.Inviter)
	b = binary.AppendUvarint(b, uint64(len(pid)))
	b = append(b, pid...)
	b = binary.AppendUvarint(b, uint64(inv.Expires.Unix()))
	b = append(b, inv.Nonce[:]...)
	b = binary.AppendUvarint(b, uint64(len(inv.Addrs)))
	for _, a := range inv.Addrs {
		b = binary.AppendUvarint(b, uint64(len(a.Bytes())))
		b = append(b, a.Bytes()...)
	}
	sig, err := id.Key.Sign(append([]byte(inviteSigCtx), b...))
	must(t, err)
	b = binary.AppendUvarint(b, uint64(len(sig)))
	return inviteEncoding.EncodeToString(append(b, sig...))
}

// What the compact form and the QR payload save, for four addresses (two
// LAN IPs, TCP and QUIC each) and for six: the length of the code and the
// QR symbol's size in modules at level M, today's (the grouped code in
// byte mode) against the compact code in capitals without dashes.
func TestCompactInviteSize(t *testing.T) {
	id, err := LoadOrCreateIdentity(t.TempDir())
	must(t, err)
	six := addrList("/ip4/192.168.1.23/tcp/4077", "/ip4/192.168.1.23/udp/4077/quic-v1", "/ip4/10.0.0.5/tcp/4077",
		"/ip4/10.0.0.5/udp/4077/quic-v1", "/ip6/2001:db8::1234:5678:9abc:def0/tcp/4077", "/ip6/2001:db8::1234:5678:9abc:def0/udp/4077/quic-v1")
	for _, tc := range []struct {
		n               int
		maxLen, maxSide int
	}{{4, 280, 57}, {6, 310, 61}} { // version 3 names the 32-byte invite statement: 52 characters more than version 2

		inv := &Invite{Plan: "0123456789abcdef0123456789abcdef", Inviter: id.PeerID, Addrs: six[:tc.n], Expires: time.Now().Add(24 * time.Hour).Truncate(time.Second)}
		old := signV1(t, id, inv)
		back, err := ParseInvite(old)
		must(t, err)
		if back.Nonce != inv.Nonce || len(back.Addrs) != tc.n {
			t.Fatalf("version 1 does not parse back: %+v", back)
		}
		code, err := inv.sign(id)
		must(t, err)
		oldQR, err := qr.Encode(GroupCode(old), qr.M)
		must(t, err)
		newQR, err := qr.Encode(QRPayload(code), qr.M)
		must(t, err)
		t.Logf("%d addresses: code %d -> %d characters (grouped %d -> %d); QR %d -> %d modules a side",
			tc.n, len(old), len(code), len(GroupCode(old)), len(GroupCode(code)), oldQR.Size, newQR.Size)
		if len(code) > tc.maxLen || newQR.Size > tc.maxSide || len(code) >= len(old) {
			t.Fatalf("compact code %d characters, QR %d modules; want at most %d and %d", len(code), newQR.Size, tc.maxLen, tc.maxSide)
		}
		if strings.ToUpper(code) != QRPayload(GroupCode(code)) {
			t.Fatal("QRPayload is not the code in capitals")
		}
	}
}
