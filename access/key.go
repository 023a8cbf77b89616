package access

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
)

// Errors of the key checks. Servers turn them into their protocol's answer
// (401 or 403, codes.Unauthenticated) and message.
var (
	// ErrNoKey is returned when a server has a key and the request carries
	// none.
	ErrNoKey = errors.New("access: the request carries no API key")
	// ErrWrongKey is returned when the request's key is not the server's.
	ErrWrongKey = errors.New("access: wrong API key")
	// ErrKeysDisagree is returned when the request carries more than one
	// key (an api-key header and a bearer token, say) and they differ.
	ErrKeysDisagree = errors.New("access: the request carries different API keys")
)

// Header names and the console's other sources of the key.
const (
	// HeaderAPIKey is Qdrant's header (and gRPC metadata key) for the key.
	HeaderAPIKey = "api-key"
	// HeaderAuthorization carries the key as "Bearer KEY".
	HeaderAuthorization = "authorization"
	// QueryParam is the console's query parameter (CheckConsole only).
	QueryParam = "api_key"
	// CookieName is the console's cookie (CheckConsole only).
	CookieName = "nexus_api_key"
)

// Check decides a request against the configured key. apiKeys are the
// values of the request's api-key header (or metadata), authorizations
// those of its Authorization header; see the package documentation for
// the rules. It returns nil when key is empty or the request carries it,
// and ErrNoKey, ErrWrongKey or ErrKeysDisagree otherwise.
func Check(key string, apiKeys, authorizations []string) error {
	if key == "" {
		return nil
	}
	got, err := one(presented(nil, apiKeys, authorizations))
	if err != nil {
		return err
	}
	return compare(key, got)
}

// CheckHTTP is Check over an HTTP request's headers.
func CheckHTTP(key string, h http.Header) error {
	return Check(key, h.Values(HeaderAPIKey), h.Values(HeaderAuthorization))
}

// CheckMetadata is Check over gRPC metadata (a metadata.MD, whose keys
// grpc has lower-cased).
func CheckMetadata(key string, md map[string][]string) error {
	return Check(key, md[HeaderAPIKey], md[HeaderAuthorization])
}

// CheckConsole is the node API's check, for a server that also serves the
// web console: Check's rules, plus the query parameter api_key (counted
// like a header; when it is right the answer sets the cookie CookieName on
// w) and, only when the request names no key at all, that cookie.
func CheckConsole(key string, w http.ResponseWriter, r *http.Request) error {
	if key == "" {
		return nil
	}
	keys := presented(nil, r.Header.Values(HeaderAPIKey), r.Header.Values(HeaderAuthorization))
	headers := len(keys)
	keys = presented(keys, r.URL.Query()[QueryParam], nil)
	fromQuery := len(keys) > headers
	if len(keys) == 0 {
		if c, err := r.Cookie(CookieName); err == nil {
			keys = presented(nil, []string{c.Value}, nil)
		}
	}
	got, err := one(keys)
	if err != nil {
		return err
	}
	if err := compare(key, got); err != nil {
		return err
	}
	if fromQuery {
		http.SetCookie(w, &http.Cookie{Name: CookieName, Value: key, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	}
	return nil
}

// presented appends to keys the non-empty keys among apiKeys (trimmed) and
// the bearer tokens among authorizations.
func presented(keys, apiKeys, authorizations []string) []string {
	for _, v := range apiKeys {
		if v = strings.TrimSpace(v); v != "" {
			keys = append(keys, v)
		}
	}
	for _, a := range authorizations {
		if v, ok := bearer(a); ok {
			keys = append(keys, v)
		}
	}
	return keys
}

// bearer returns the token of an Authorization value "Bearer TOKEN" (any
// case, any space around and between), and false for other schemes and
// an empty token.
func bearer(a string) (string, bool) {
	a = strings.TrimSpace(a)
	i := strings.IndexAny(a, " \t")
	if i < 0 || !strings.EqualFold(a[:i], "bearer") {
		return "", false
	}
	tok := strings.TrimSpace(a[i:])
	return tok, tok != ""
}

// one returns the single key among keys: ErrNoKey when there is none,
// ErrKeysDisagree when they differ. (They are all the client's own, so
// comparing them with each other reveals nothing.)
func one(keys []string) (string, error) {
	if len(keys) == 0 {
		return "", ErrNoKey
	}
	for _, k := range keys[1:] {
		if k != keys[0] {
			return "", ErrKeysDisagree
		}
	}
	return keys[0], nil
}

// compare checks got against key in time independent of both: their
// SHA-256 digests are compared with subtle.ConstantTimeCompare, which on
// the raw strings would return early on a length mismatch.
func compare(key, got string) error {
	a, b := sha256.Sum256([]byte(key)), sha256.Sum256([]byte(got))
	if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		return ErrWrongKey
	}
	return nil
}
