package sync

import (
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/coplan/coplan/doc/authority"
)

// The compact invite carries the same signed facts as version 1 in fewer
// bytes, so its QR code can be scanned from a laptop screen:
//
//	version 3 | plan ID (16) | inviter's Ed25519 key (32) | expiry (uint32
//	seconds) | nonce (8) | invite statement ID (32) | address count |
//	addresses | signature (64)
//
// Version 3 names the plan's signed invite statement, which the joiner
// redeems; version 2 (without it) still parses, but no peer with signed
// authority admits it.
//
// An address is a tag byte, then for an IP address the IP (4 or 16 bytes)
// and a port (2): one entry stands for TCP, QUIC or both on that port.
// Anything else (a relay circuit) is the tag addrRaw and the multiaddr's
// bytes with their length. Version 1 codes still parse.
const (
	inviteVersionCompact  byte = 3
	inviteSigCtxCompact        = "coplan-invite-v3\n"
	inviteVersionCompact2 byte = 2 // without the invite statement
	inviteSigCtxCompact2       = "coplan-invite-v2\n"

	addrIP6  = 0x01
	addrTCP  = 0x02
	addrQUIC = 0x04
	addrRaw  = 0x80
)

// compactBody is the signed part of a version 2 invite.
func (inv *Invite) compactBody() ([]byte, error) {
	pb, err := hex.DecodeString(inv.Plan)
	if err != nil || len(pb) != 16 {
		return nil, fmt.Errorf("%w: plan ID %q", ErrInviteMalformed, inv.Plan)
	}
	pub, err := inv.Inviter.ExtractPublicKey()
	if err != nil || pub.Type() != crypto.Ed25519 {
		return nil, fmt.Errorf("%w: the inviter's key is not Ed25519", ErrInviteMalformed)
	}
	key, err := pub.Raw()
	if err != nil {
		return nil, err
	}
	if inv.Expires.Unix() < 0 || inv.Expires.Unix() > 1<<32-1 {
		return nil, fmt.Errorf("%w: expiry %s", ErrInviteMalformed, inv.Expires)
	}
	b := append([]byte{inviteVersionCompact}, pb...)
	b = append(b, key...)
	b = binary.BigEndian.AppendUint32(b, uint32(inv.Expires.Unix()))
	b = append(b, inv.Nonce[:]...)
	b = append(b, inv.Statement[:]...)
	entries := compactAddrs(inv.Addrs)
	b = append(b, byte(len(entries)))
	for _, e := range entries {
		b = append(b, e...)
	}
	return b, nil
}

// compactAddrs encodes addresses, one entry per IP and port.
func compactAddrs(addrs []ma.Multiaddr) [][]byte {
	var out [][]byte
	index := map[string]int{} // "ip port" -> entry
	for _, a := range addrs {
		ip, port, kind, ok := ipPortKind(a)
		if !ok {
			ab := a.Bytes()
			out = append(out, append(binary.AppendUvarint([]byte{addrRaw}, uint64(len(ab))), ab...))
			continue
		}
		key := ip.String() + " " + fmt.Sprint(port)
		if i, seen := index[key]; seen {
			out[i][0] |= kind
			continue
		}
		tag := kind
		if ip.Is6() {
			tag |= addrIP6
		}
		e := append([]byte{tag}, ip.AsSlice()...)
		index[key] = len(out)
		out = append(out, binary.BigEndian.AppendUint16(e, port))
	}
	return out
}

// ipPortKind reads /ip4|ip6/IP/tcp/PORT and /ip4|ip6/IP/udp/PORT/quic-v1.
func ipPortKind(a ma.Multiaddr) (netip.Addr, uint16, byte, bool) {
	var ip netip.Addr
	var port uint16
	var kind byte
	parts := 0
	ok := true
	ma.ForEach(a, func(c ma.Component) bool {
		parts++
		switch {
		case parts == 1 && (c.Protocol().Code == ma.P_IP4 || c.Protocol().Code == ma.P_IP6):
			ip, ok = netip.AddrFromSlice(c.RawValue())
			ip = ip.Unmap()
			if c.Protocol().Code == ma.P_IP6 && ip.Is4() {
				ok = false // a v4-mapped ip6 would come back as ip4
			}
		case parts == 2 && (c.Protocol().Code == ma.P_TCP || c.Protocol().Code == ma.P_UDP):
			raw := c.RawValue()
			if len(raw) != 2 {
				ok = false
			}
			port = binary.BigEndian.Uint16(raw)
			if c.Protocol().Code == ma.P_TCP {
				kind = addrTCP
			}
		case parts == 3 && kind == 0 && c.Protocol().Code == ma.P_QUIC_V1:
			kind = addrQUIC
		default:
			ok = false
		}
		return ok
	})
	return ip, port, kind, ok && kind != 0
}

// parseInviteCompact decodes a version 2 invite and checks its signature.
func parseInviteCompact(raw []byte) (*Invite, error) {
	bad := func(what string) error {
		return fmt.Errorf("%w: bad %s (is the code complete?)", ErrInviteMalformed, what)
	}
	v3 := raw[0] == inviteVersionCompact
	fixed := 1 + 16 + 32 + 4 + 8 + 1
	if v3 {
		fixed += len(authority.ID{})
	}
	if len(raw) < fixed+ed25519.SignatureSize {
		return nil, bad("length")
	}
	inv := &Invite{Plan: hex.EncodeToString(raw[1:17])}
	pub, err := crypto.UnmarshalEd25519PublicKey(raw[17:49])
	if err != nil {
		return nil, bad("inviter")
	}
	if inv.Inviter, err = peer.IDFromPublicKey(pub); err != nil {
		return nil, bad("inviter")
	}
	inv.Expires = time.Unix(int64(binary.BigEndian.Uint32(raw[49:53])), 0)
	copy(inv.Nonce[:], raw[53:61])
	if v3 {
		copy(inv.Statement[:], raw[61:93])
	}
	count := int(raw[fixed-1])
	if count > maxInviteAddrs {
		return nil, bad("address count")
	}
	rest := raw[fixed : len(raw)-ed25519.SignatureSize]
	for range count {
		if len(rest) == 0 {
			return nil, bad("address")
		}
		tag := rest[0]
		rest = rest[1:]
		if tag == addrRaw {
			n, k := binary.Uvarint(rest)
			if k <= 0 || n > 256 || n > uint64(len(rest)-k) {
				return nil, bad("address")
			}
			a, err := ma.NewMultiaddrBytes(rest[k : k+int(n)])
			if err != nil {
				return nil, bad("address")
			}
			inv.Addrs = append(inv.Addrs, a)
			rest = rest[k+int(n):]
			continue
		}
		if tag&^(addrIP6|addrTCP|addrQUIC) != 0 || tag&(addrTCP|addrQUIC) == 0 {
			return nil, bad("address")
		}
		size, proto := 4, "ip4"
		if tag&addrIP6 != 0 {
			size, proto = 16, "ip6"
		}
		if len(rest) < size+2 {
			return nil, bad("address")
		}
		ip, _ := netip.AddrFromSlice(rest[:size])
		port := binary.BigEndian.Uint16(rest[size:])
		rest = rest[size+2:]
		for _, k := range []struct {
			bit    byte
			suffix string
		}{{addrTCP, "/tcp/%d"}, {addrQUIC, "/udp/%d/quic-v1"}} {
			if tag&k.bit != 0 {
				a, err := ma.NewMultiaddr(fmt.Sprintf("/%s/%s"+k.suffix, proto, ip, port))
				if err != nil {
					return nil, bad("address")
				}
				inv.Addrs = append(inv.Addrs, a)
			}
		}
	}
	if len(rest) != 0 || len(inv.Addrs) > maxInviteAddrs {
		return nil, bad("addresses")
	}
	signed, sig := raw[:len(raw)-ed25519.SignatureSize], raw[len(raw)-ed25519.SignatureSize:]
	ctx := inviteSigCtxCompact
	if !v3 {
		ctx = inviteSigCtxCompact2
	}
	ok, err := pub.Verify(append([]byte(ctx), signed...), sig)
	if err != nil || !ok {
		return nil, ErrInviteForged
	}
	return inv, nil
}

// QRPayload is an invite code as a QR code should carry it: capitals and
// no dashes, so the QR uses its alphanumeric mode (5.5 bits a character
// rather than 8) and a smaller symbol. ParseInvite reads it back.
func QRPayload(code string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, code))
}
