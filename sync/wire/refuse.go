package wire

// maxReason caps a refusal's reason, which carries nothing of the plan.
const maxReason = 300

// EncodeRefusal is a refusal frame's payload: the reason, cut to 300 bytes.
func EncodeRefusal(reason string) []byte { return []byte(cut(reason)) }

// ParseRefusal is the reason a refusal frame gives, cut to 300 bytes.
func ParseRefusal(b []byte) string { return cut(string(b)) }

func cut(s string) string {
	if len(s) > maxReason {
		return s[:maxReason]
	}
	return s
}
