package access

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	const key = "s3cret"
	for _, tc := range []struct {
		name          string
		key           string
		apiKey, auths []string
		want          error
	}{
		{"open server, nothing sent", "", nil, nil, nil},
		{"open server, wrong key sent", "", []string{"nope"}, []string{"Bearer nope"}, nil},
		{"nothing sent", key, nil, nil, ErrNoKey},
		{"empty header", key, []string{""}, nil, ErrNoKey},
		{"blank header", key, []string{"  "}, nil, ErrNoKey},
		{"api-key", key, []string{key}, nil, nil},
		{"api-key wrong", key, []string{"nope"}, nil, ErrWrongKey},
		{"api-key prefix of the key", key, []string{"s3cre"}, nil, ErrWrongKey},
		{"api-key longer than the key", key, []string{key + "x"}, nil, ErrWrongKey},
		{"api-key case matters", key, []string{"S3CRET"}, nil, ErrWrongKey},
		{"api-key trimmed", key, []string{" \t" + key + " "}, nil, nil},
		{"bearer", key, nil, []string{"Bearer " + key}, nil},
		{"bearer lower case", key, nil, []string{"bearer " + key}, nil},
		{"bearer upper case", key, nil, []string{"BEARER " + key}, nil},
		{"bearer mixed case", key, nil, []string{"bEaReR " + key}, nil},
		{"bearer extra space", key, nil, []string{"  Bearer \t " + key + "  "}, nil},
		{"bearer tab", key, nil, []string{"Bearer\t" + key}, nil},
		{"bearer wrong", key, nil, []string{"Bearer nope"}, ErrWrongKey},
		{"bearer empty token", key, nil, []string{"Bearer "}, ErrNoKey},
		{"bearer no token", key, nil, []string{"Bearer"}, ErrNoKey},
		{"bearer glued", key, nil, []string{"Bearer" + key}, ErrNoKey},
		{"other scheme ignored", key, nil, []string{"Basic " + key}, ErrNoKey},
		{"key alone is not a bearer token", key, nil, []string{key}, ErrNoKey},
		{"other scheme beside api-key", key, []string{key}, []string{"Basic dXNlcjpwYXNz"}, nil},
		{"both agree", key, []string{key}, []string{"Bearer " + key}, nil},
		{"both agree, spelled differently", key, []string{key + " "}, []string{"bearer  " + key}, nil},
		{"both agree on a wrong key", key, []string{"nope"}, []string{"Bearer nope"}, ErrWrongKey},
		{"disagree, api-key right", key, []string{key}, []string{"Bearer nope"}, ErrKeysDisagree},
		{"disagree, bearer right", key, []string{"nope"}, []string{"Bearer " + key}, ErrKeysDisagree},
		{"two api-keys disagree", key, []string{key, "nope"}, nil, ErrKeysDisagree},
		{"two bearers disagree", key, nil, []string{"Bearer nope", "Bearer " + key}, ErrKeysDisagree},
		{"empty api-key beside bearer", key, []string{""}, []string{"Bearer " + key}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Check(tc.key, tc.apiKey, tc.auths); !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Errorf("Check = %v, want %v", err, tc.want)
			}
			// The same request over HTTP headers and gRPC metadata.
			h := http.Header{}
			md := map[string][]string{}
			for _, v := range tc.apiKey {
				h.Add("Api-Key", v)
				md["api-key"] = append(md["api-key"], v)
			}
			for _, v := range tc.auths {
				h.Add("Authorization", v)
				md["authorization"] = append(md["authorization"], v)
			}
			if err := CheckHTTP(tc.key, h); err != tc.want {
				t.Errorf("CheckHTTP = %v, want %v", err, tc.want)
			}
			if err := CheckMetadata(tc.key, md); err != tc.want {
				t.Errorf("CheckMetadata = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCheckConsole(t *testing.T) {
	const key = "s3cret"
	for _, tc := range []struct {
		name      string
		key       string
		query     string
		hdr       map[string]string
		cookie    string
		want      error
		setCookie bool
	}{
		{"open server", "", "", nil, "", nil, false},
		{"nothing", key, "", nil, "", ErrNoKey, false},
		{"header", key, "", map[string]string{"api-key": key}, "", nil, false},
		{"bearer any case", key, "", map[string]string{"Authorization": "bearer " + key}, "", nil, false},
		{"headers disagree", key, "", map[string]string{"api-key": key, "Authorization": "Bearer nope"}, "", ErrKeysDisagree, false},
		{"query sets the cookie", key, "api_key=" + key, nil, "", nil, true},
		{"query wrong", key, "api_key=nope", nil, "", ErrWrongKey, false},
		{"query empty", key, "api_key=", nil, "", ErrNoKey, false},
		{"query and header agree", key, "api_key=" + key, map[string]string{"api-key": key}, "", nil, true},
		{"query and header disagree", key, "api_key=nope", map[string]string{"api-key": key}, "", ErrKeysDisagree, false},
		{"cookie", key, "", nil, key, nil, false},
		{"cookie wrong", key, "", nil, "nope", ErrWrongKey, false},
		{"stale cookie, fresh header", key, "", map[string]string{"api-key": key}, "old", nil, false},
		{"stale cookie, fresh query", key, "api_key=" + key, nil, "old", nil, true},
		{"right cookie does not rescue a wrong header", key, "", map[string]string{"api-key": "nope"}, key, ErrWrongKey, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/v1/status?"+tc.query, nil)
			for k, v := range tc.hdr {
				r.Header.Set(k, v)
			}
			if tc.cookie != "" {
				r.AddCookie(&http.Cookie{Name: CookieName, Value: tc.cookie})
			}
			w := httptest.NewRecorder()
			if err := CheckConsole(tc.key, w, r); err != tc.want {
				t.Errorf("CheckConsole = %v, want %v", err, tc.want)
			}
			set := w.Header().Get("Set-Cookie")
			if got := strings.HasPrefix(set, CookieName+"="+key+";"); got != tc.setCookie {
				t.Errorf("Set-Cookie %q, want the cookie set: %v", set, tc.setCookie)
			}
			if tc.setCookie && (!strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Strict")) {
				t.Errorf("Set-Cookie %q is not HttpOnly and SameSite=Strict", set)
			}
		})
	}
}

func TestLoopback(t *testing.T) {
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"localhost:7777", true},
		{"LocalHost:7777", true},
		{"console.localhost:7777", true},
		{"127.0.0.1", true},
		{"127.0.0.1:6333", true},
		{"127.1.2.3:1", true},
		{"[::1]:7777", true},
		{"[::1]", true},
		{"::1", true},
		{"[::ffff:127.0.0.1]:1", true},
		{"", false},
		{":7777", false},
		{"0.0.0.0:7777", false},
		{"[::]:7777", false},
		{"192.0.2.1:7777", false},
		{"10.0.0.1", false},
		{"evil.example:7777", false},
		{"localhost.evil.example", false},
		{"notlocalhost", false},
		{"127.0.0.1.nip.io:80", false},
	} {
		if got := Loopback(tc.host); got != tc.want {
			t.Errorf("Loopback(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}
