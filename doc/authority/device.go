package authority

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
)

// Device is a device's identity: its raw Ed25519 public key, the same key as
// the device's libp2p identity.
type Device [ed25519.PublicKeySize]byte

// DeviceOf returns the device a public key names.
func DeviceOf(pub ed25519.PublicKey) (Device, error) {
	var d Device
	if len(pub) != ed25519.PublicKeySize {
		return d, fmt.Errorf("%w: Ed25519 public key of %d bytes", ErrInvalid, len(pub))
	}
	copy(d[:], pub)
	return d, nil
}

// DeviceOfKey returns the device of a private key.
func DeviceOfKey(priv ed25519.PrivateKey) (Device, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return Device{}, fmt.Errorf("%w: Ed25519 private key of %d bytes", ErrInvalid, len(priv))
	}
	return DeviceOf(priv.Public().(ed25519.PublicKey))
}

// PublicKey is the device's key.
func (d Device) PublicKey() ed25519.PublicKey { return ed25519.PublicKey(bytes.Clone(d[:])) }

// IsZero reports whether d is the zero device (no device).
func (d Device) IsZero() bool { return d == Device{} }

// peerIDPrefix is what libp2p puts before an Ed25519 key in its peer ID: the
// identity multihash (0x00) of 36 bytes (0x24) holding the protobuf
// PublicKey{Type: Ed25519 (field 1 = 1), Data: 32 bytes (field 2)}.
var peerIDPrefix = []byte{0x00, 0x24, 0x08, 0x01, 0x12, 0x20}

// PeerID is the device's libp2p peer ID ("12D3KooW…"), computed here so the
// sync layer can match a connection to a member without doc importing
// libp2p.
func (d Device) PeerID() string { return base58Encode(append(bytes.Clone(peerIDPrefix), d[:]...)) }

// String is the peer ID.
func (d Device) String() string { return d.PeerID() }

// Short is the end of the peer ID, enough to tell devices apart in messages.
func (d Device) Short() string {
	p := d.PeerID()
	return "…" + p[len(p)-8:]
}

// ParsePeerID turns an Ed25519 libp2p peer ID back into the device.
func ParsePeerID(s string) (Device, error) {
	b, err := base58Decode(s)
	if err != nil || len(b) != len(peerIDPrefix)+ed25519.PublicKeySize || !bytes.HasPrefix(b, peerIDPrefix) {
		return Device{}, fmt.Errorf("%w: %q is not the peer ID of an Ed25519 key", ErrInvalid, s)
	}
	var d Device
	copy(d[:], b[len(peerIDPrefix):])
	return d, nil
}

const b58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var b58Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(b58Alphabet); i++ {
		t[b58Alphabet[i]] = int8(i)
	}
	return t
}()

// base58Encode is base58btc (Bitcoin's alphabet), as multibase and libp2p use.
func base58Encode(in []byte) string {
	zeros := 0
	for zeros < len(in) && in[zeros] == 0 {
		zeros++
	}
	// Base-58 digits, least significant first.
	digits := make([]byte, 0, len(in)*138/100+1)
	for _, b := range in[zeros:] {
		carry := int(b)
		for i := range digits {
			carry += int(digits[i]) << 8
			digits[i] = byte(carry % 58)
			carry /= 58
		}
		for carry > 0 {
			digits = append(digits, byte(carry%58))
			carry /= 58
		}
	}
	out := make([]byte, zeros+len(digits))
	for i := 0; i < zeros; i++ {
		out[i] = '1'
	}
	for i, d := range digits {
		out[len(out)-1-i] = b58Alphabet[d]
	}
	return string(out)
}

func base58Decode(s string) ([]byte, error) {
	if len(s) == 0 || len(s) > 200 {
		return nil, ErrInvalid
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	// Bytes, least significant first.
	var num []byte
	for i := zeros; i < len(s); i++ {
		v := b58Index[s[i]]
		if v < 0 {
			return nil, ErrInvalid
		}
		carry := int(v)
		for j := range num {
			carry += int(num[j]) * 58
			num[j] = byte(carry)
			carry >>= 8
		}
		for carry > 0 {
			num = append(num, byte(carry))
			carry >>= 8
		}
	}
	out := make([]byte, zeros+len(num))
	for i, b := range num {
		out[len(out)-1-i] = b
	}
	return out, nil
}
