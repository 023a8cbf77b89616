// Package access holds NexusOS's access policy, one copy for every server:
// which API key a request carries and whether it is the right one, which
// hosts are this machine's loopback interface, and how a path named in a
// request is confined to the folders it may reach. The Qdrant REST and gRPC
// servers, the OpenAI-compatible handler and the node API all call it;
// none keeps rules of its own.
//
// # API keys
//
// A server configured with a key (Config.APIKey, `--api-key`) accepts a
// request only if it carries that key (Check, CheckHTTP, CheckMetadata):
//
//   - The key comes in the header (or gRPC metadata) "api-key: KEY" or as
//     "Authorization: Bearer KEY". The scheme "Bearer" is matched in any
//     case ("bearer", "BEARER"); space around the key is trimmed. An
//     Authorization header with another scheme (Basic, say) carries no key
//     and is ignored, and so is an empty value.
//   - Every key the request carries must be the same: an api-key header and
//     a bearer token that disagree (or two api-key headers that do) are
//     refused with ErrKeysDisagree, even when one of them is right.
//   - No key at all is ErrNoKey; a key that is not the configured one is
//     ErrWrongKey. The comparison takes the same time whatever the key
//     sent (both sides are hashed with SHA-256 and compared in constant
//     time), so neither the key nor its length can be guessed by timing.
//   - An empty configured key means the server is open: every request
//     passes. Servers only listen beyond loopback with a key (see Loopback).
//
// The node API also serves the web console, whose EventSource connections
// cannot set headers. It uses CheckConsole, which adds two sources to the
// rules above and nowhere else: the query parameter "api_key=KEY", which
// counts like a header (all must agree) and, when right, sets the HttpOnly
// cookie CookieName; and that cookie, which is consulted only when the
// request names no key otherwise (a stale cookie never overrides a key
// that is sent).
//
// # Loopback
//
// Loopback reports whether a host (a listen address or a Host header)
// names this machine's loopback interface: "localhost", a name under
// ".localhost" (RFC 6761, section 6.3), or a loopback address (127.0.0.0/8,
// ::1). Names are never resolved, since what a name resolves to can change
// between the check and its use (DNS rebinding). Servers refuse to listen
// beyond loopback without a key, and the node without a key answers only
// requests addressed to a loopback host.
//
// # Paths
//
// OpenInside and StatInside take a path named in a request and reach it
// only through an os.Root of an allowed folder that lexically contains it.
// The root resolves symbolic links itself, one component at a time, and
// refuses any that leads out of the folder (and any absolute link), at the
// moment of the open: a link swapped in between a check and the open
// cannot redirect it, because there is no separate check.
//
// Everything in this package is safe for concurrent use.
package access
