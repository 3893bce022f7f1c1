package wire

import (
	"encoding/hex"
	"fmt"
	"sort"
)

// A level frame's payload is the sender's heads: 32-byte change hashes
// back to back.

// EncodeHeads packs hex change hashes into a level frame payload,
// skipping any that is not 32 bytes of hex.
func EncodeHeads(heads []string) []byte {
	out := make([]byte, 0, 32*len(heads))
	for _, h := range heads {
		if b, err := hex.DecodeString(h); err == nil && len(b) == 32 {
			out = append(out, b...)
		}
	}
	return out
}

// DecodeHeads unpacks a level frame payload into sorted hex hashes.
func DecodeHeads(b []byte) ([]string, error) {
	if len(b)%32 != 0 || len(b)/32 > maxHeads {
		return nil, fmt.Errorf("%w: level frame of %d bytes", ErrBadFrame, len(b))
	}
	out := make([]string, 0, len(b)/32)
	for i := 0; i < len(b); i += 32 {
		out = append(out, hex.EncodeToString(b[i:i+32]))
	}
	sort.Strings(out)
	return out, nil
}
