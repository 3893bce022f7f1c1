package authority

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sampleBodies is one body of every kind.
func sampleBodies(t testing.TB) []Body {
	a, b := newDev("a"), newDev("b")
	line, _ := sshKey("a")
	rk, err := NewRegisterKey(testPlan, a.d, a.d, line, keySigner("a"))
	if err != nil {
		t.Fatal(err)
	}
	inv := StatementID([]byte("invite"))
	h := append(heads("x"), heads("y")...)
	return []Body{
		NewGenesis("Ann", "Cabinet Office", Government, "0123456789abcdef0123456789abcdef"),
		NewAddMember(b.d, "Bob", "ODN", CivilSociety),
		NewRemoveMember(b.d),
		NewGrantRole(b.d, RoleCoChair),
		NewRevokeRole(b.d, RoleMinister),
		NewLinkDevice(b.d, a.d),
		NewUnlinkDevice(b.d),
		rk,
		NewRevokeKey(rk.Fingerprint),
		NewSettings(true, true),
		NewInvite(t0.Add(time.Hour), "Eve", "Org", Government),
		NewRedemption(inv, "Eve", "Org", Government),
		NewConfirmClaim(b.d, "Bob B.", "ODN", CivilSociety),
		NewEndorsement("1.0", h, heads("doc")[0], rk.Fingerprint),
		NewRelease("1.0", h, heads("manifest")[0], rk.Fingerprint),
		NewNamedDraft("For consultation, 1 Nov", h),
		NewMeetingStart("Forum 3", h, []string{"Ann", "Bob"}),
		NewMeetingEnd(inv, h, []string{"Ann", "Bob", "Ümit"}),
		NewAttestation("0A1B2C3D4E5F60718293A4B5C6D7E8F9", 7, 19, strings.ToUpper(heads("c")[0])),
	}
}

const testPlan = "00112233445566778899aabbccddeeff"

func TestRoundTripEveryKind(t *testing.T) {
	signer := newDev("signer")
	links := Links{Parents: []ID{StatementID([]byte("p2")), StatementID([]byte("p1"))}, Seen: []ID{StatementID([]byte("s"))}}
	for _, body := range sampleBodies(t) {
		t.Run(body.Kind().String(), func(t *testing.T) {
			plan, l := testPlan, links
			if body.Kind() == KindGenesis {
				plan, l = "", Links{}
			}
			at := t0.Add(1234567 * time.Microsecond)
			raw, err := Sign(signer.priv, plan, l, at, body)
			if err != nil {
				t.Fatal(err)
			}
			st, err := Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if st.Kind != body.Kind() || st.PlanID != plan || st.Signer != signer.d || st.ID != StatementID(raw) ||
				!st.Time.Equal(at.Truncate(time.Millisecond)) || !bytes.Equal(st.Raw, raw) {
				t.Fatalf("header %+v", st)
			}
			if !reflect.DeepEqual(st.Body, body) {
				t.Fatalf("body\n got %#v\nwant %#v", st.Body, body)
			}
			if body.Kind() != KindGenesis && (!reflect.DeepEqual(st.Links.Parents, sortedIDs(links.Parents)) || len(st.Links.Seen) != 1) {
				t.Fatalf("links %v", st.Links)
			}
			again, _ := Sign(signer.priv, plan, l, at, st.Body)
			if !bytes.Equal(again, raw) {
				t.Fatal("signing the parsed statement again gives other bytes")
			}
		})
	}
}

// resign replaces the signature so a test of malformed bytes fails on the
// malformation, not on the signature.
func resign(priv ed25519.PrivateKey, unsigned []byte) []byte {
	return append(bytes.Clone(unsigned), ed25519.Sign(priv, signedMessage(unsigned))...)
}

func TestParseRejects(t *testing.T) {
	s := newDev("s")
	good, err := Sign(s.priv, testPlan, Links{Parents: []ID{StatementID([]byte("p"))}}, t0, NewAddMember(newDev("x").d, "X", "", Government))
	if err != nil {
		t.Fatal(err)
	}
	unsigned := good[:len(good)-64]
	// header offsets: version, kind, len(16), plan ID, signer, parents (1 + 32), seen (0), time...
	timeAt := 2 + 1 + 16 + 32 + 1 + 32 + 1
	header := func(mod func(e *enc)) []byte {
		var e enc
		mod(&e)
		return resign(s.priv, e.b)
	}
	body := func(b []byte) func(e *enc) {
		return func(e *enc) {
			e.byte(FormatVersion)
			e.byte(byte(KindAddMember))
			e.bytes(mustHex16(testPlan))
			e.device(s.d)
			e.ids([]ID{StatementID([]byte("p"))})
			e.ids(nil)
			e.varint(0)
			e.bytes(b)
		}
	}
	var okBody enc
	NewAddMember(newDev("x").d, "X", "", Government).encode(&okBody)
	withName := func(name string) []byte {
		var e enc
		NewAddMember(newDev("x").d, name, "", Government).encode(&e)
		return e.b
	}
	baseRaw := header(body(okBody.b))
	if _, err := Parse(baseRaw); err != nil {
		t.Fatalf("the base of the malformed cases does not parse: %v", err)
	}
	base := baseRaw[:len(baseRaw)-64]
	if base[timeAt] != 0 {
		t.Fatal("time not where the test expects it")
	}
	cases := []struct {
		name string
		raw  []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"truncated", good[:len(good)-1], ErrMalformed},
		{"forged signature", append(bytes.Clone(unsigned), flip(good[len(good)-64:])...), ErrBadSignature},
		{"altered after signing", append(flip(unsigned), good[len(good)-64:]...), ErrBadSignature},
		{"trailing byte", resign(s.priv, append(bytes.Clone(unsigned), 0)), ErrMalformed},
		{"newer version", resign(s.priv, append([]byte{FormatVersion + 1}, unsigned[1:]...)), ErrVersion},
		{"earlier version", resign(s.priv, append([]byte{FormatVersion - 1}, unsigned[1:]...)), ErrVersion},
		{"unknown kind", resign(s.priv, append([]byte{FormatVersion, 99}, unsigned[2:]...)), ErrUnknownKind},
		{"varint written long", resign(s.priv, join(base[:timeAt], []byte{0x80, 0x00}, base[timeAt+1:])), ErrMalformed},
		{"parents not sorted", header(func(e *enc) {
			lo, hi := lowHigh(StatementID([]byte("a")), StatementID([]byte("b")))
			e.byte(FormatVersion)
			e.byte(byte(KindAddMember))
			e.bytes(mustHex16(testPlan))
			e.device(s.d)
			e.uvarint(2)
			e.id(hi)
			e.id(lo)
			e.ids(nil)
			e.varint(0)
			e.bytes(okBody.b)
		}), ErrMalformed},
		{"no parents", header(func(e *enc) {
			e.byte(FormatVersion)
			e.byte(byte(KindAddMember))
			e.bytes(mustHex16(testPlan))
			e.device(s.d)
			e.ids(nil)
			e.ids(nil)
			e.varint(0)
			e.bytes(okBody.b)
		}), ErrMalformed},
		{"short plan ID", header(func(e *enc) {
			e.byte(FormatVersion)
			e.byte(byte(KindAddMember))
			e.bytes(mustHex16(testPlan)[:8])
			e.device(s.d)
			e.ids([]ID{StatementID([]byte("p"))})
			e.ids(nil)
			e.varint(0)
			e.bytes(okBody.b)
		}), ErrMalformed},
		{"name not UTF-8", header(body(withName("\xff\xfe"))), ErrMalformed},
		{"control character in name", header(body(withName("Ann\nRoot"))), ErrMalformed},
		{"empty name", header(body(withName(" "))), ErrMalformed},
		{"bad side", header(body(append(bytes.Clone(okBody.b[:len(okBody.b)-1]), 7))), ErrMalformed},
		{"trailing byte in body", header(body(append(bytes.Clone(okBody.b), 0))), ErrMalformed},
		{"too large", make([]byte, MaxStatementSize+1), ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse(tc.raw); !errors.Is(err, tc.want) {
				t.Fatalf("Parse = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := Parse(good); err != nil {
		t.Fatal(err)
	}
}

func TestSignRefusesInvalid(t *testing.T) {
	s := newDev("s")
	p := Links{Parents: []ID{StatementID([]byte("p"))}}
	cases := []struct {
		name        string
		plan        string
		links       Links
		body        Body
		want        error
		wantOnParse bool
	}{
		{"plan ID", "not a plan", p, NewRemoveMember(s.d), ErrBadPlanID, false},
		{"no parents", testPlan, Links{}, NewRemoveMember(s.d), ErrInvalid, false},
		{"genesis with parents", "", p, NewGenesis("A", "", Government, ""), ErrInvalid, false},
		{"member without side", testPlan, p, NewAddMember(s.d, "A", "", ""), ErrInvalid, false},
		{"heads not hex", testPlan, p, NewNamedDraft("d", []string{"zz"}), ErrInvalid, false},
		{"no heads", testPlan, p, NewNamedDraft("d", nil), ErrInvalid, false},
		{"empty label", testPlan, p, NewNamedDraft(" ", heads("h")), ErrInvalid, false},
		{"range", testPlan, p, NewAttestation("ab", 5, 4, heads("h")[0]), ErrInvalid, false},
		{"actor", testPlan, p, NewAttestation("", 1, 4, heads("h")[0]), ErrInvalid, false},
		{"fingerprint of another key", testPlan, p, RegisterKey{Member: s.d, Key: strings.Fields(first(sshKey("a")))[0] + " " + strings.Fields(first(sshKey("a")))[1], Fingerprint: second(sshKey("b"))}, ErrInvalid, false},
		{"key with comment", testPlan, p, RegisterKey{Member: s.d, Key: first(sshKey("a")), Fingerprint: second(sshKey("a"))}, ErrInvalid, false},
		{"key proof too large", testPlan, p, RegisterKey{Member: s.d, Key: strings.Join(strings.Fields(first(sshKey("a")))[:2], " "), Fingerprint: second(sshKey("a")), Proof: make([]byte, MaxKeyProof+1)}, ErrInvalid, false},
		{"link to itself", testPlan, p, NewLinkDevice(s.d, s.d), ErrInvalid, false},
		{"bad role", testPlan, p, NewGrantRole(s.d, "king"), ErrInvalid, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Sign(s.priv, tc.plan, tc.links, t0, tc.body); !errors.Is(err, tc.want) {
				t.Fatalf("Sign = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestAttestationSize: a change attestation is small, since one goes with
// every commit batch or sync session.
func TestAttestationSize(t *testing.T) {
	s := newDev("s")
	l := Links{Parents: []ID{StatementID([]byte("dag head"))}, Seen: []ID{StatementID([]byte("previous"))}}
	raw, err := Sign(s.priv, testPlan, l, time.Now(), NewAttestation("0a1b2c3d4e5f60718293a4b5c6d7e8f9", 1201, 1250, heads("c")[0]))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("change attestation: %d bytes (1 parent, 1 seen, 16-byte actor)", len(raw))
	if len(raw) > 260 {
		t.Fatalf("attestation of %d bytes", len(raw))
	}
}

func flip(b []byte) []byte {
	c := bytes.Clone(b)
	c[len(c)/2] ^= 1
	return c
}

func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func mustHex16(plan string) []byte {
	b, err := planIDBytes(plan)
	if err != nil {
		panic(err)
	}
	return b
}

func first(a, _ string) string  { return a }
func second(_, b string) string { return b }
