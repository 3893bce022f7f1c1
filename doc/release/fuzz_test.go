package release

import (
	"testing"
)

// VerifyDir reads files a stranger hands over; none of them may panic it.

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"format":"coplan-release/1","plan":{"id":"x"},"version":"1","heads":["a"],"contentSha256":"b","signer":{"publicKey":"k"}}`))
	f.Add([]byte(`{"format":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b)
		if err == nil {
			_ = m.signOff()
		}
	})
}

func FuzzAllowedSigners(f *testing.F) {
	s := newSigner(f, "fuzz")
	f.Add(AllowedSigners("a@coplan", s.PublicKey()))
	f.Add([]byte("x namespaces=\"coplan-release\"\n# comment\n\ny ssh-ed25519"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = allowedSigner(b, s.PublicKey())
	})
}
