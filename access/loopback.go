package access

import (
	"net"
	"strings"
)

// Loopback reports whether host names this machine's loopback interface:
// "localhost", a name ending in ".localhost" (RFC 6761, section 6.3), or a
// loopback IP address (127.0.0.0/8, ::1, IPv4-mapped 127/8). host is a
// listen address or a Host header: a port ("localhost:7777") and IPv6
// brackets ("[::1]:7777", "[::1]") are allowed. Names are not resolved
// (what they resolve to can change after the check: DNS rebinding), so
// every other name is not loopback, and neither is an empty host, which
// when listening means every interface.
func Loopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		return false
	}
	if lower := strings.ToLower(host); lower == "localhost" || strings.HasSuffix(lower, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
