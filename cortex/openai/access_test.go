package openai

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestAPIKeyRules checks the key rules of package access as this handler
// applies them: 401 with an authentication_error.
func TestAPIKeyRules(t *testing.T) {
	m := loadTiny(t)
	_, srv := newTestServer(t, m, Config{APIKey: "sekret"})
	for _, tc := range []struct {
		name   string
		hdr    map[string]string
		status int
		msg    string
	}{
		{"none", nil, 401, "Authorization: Bearer KEY"},
		{"bearer", map[string]string{"Authorization": "Bearer sekret"}, 200, ""},
		{"bearer lower case, spaced", map[string]string{"Authorization": "bearer  sekret "}, 200, ""},
		{"api-key", map[string]string{"api-key": "sekret"}, 200, ""},
		{"both agree", map[string]string{"api-key": "sekret", "Authorization": "Bearer sekret"}, 200, ""},
		{"both disagree, bearer right", map[string]string{"api-key": "nope", "Authorization": "Bearer sekret"}, 401, "differ"},
		{"both disagree, api-key right", map[string]string{"api-key": "sekret", "Authorization": "Bearer nope"}, 401, "differ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+"/v1/models", nil)
			for k, v := range tc.hdr {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("%d %s, want %d", resp.StatusCode, b, tc.status)
			}
			if tc.status == 401 && (!strings.Contains(string(b), `"type":"authentication_error"`) || !strings.Contains(string(b), tc.msg)) {
				t.Errorf("%s: want an authentication_error saying %q", b, tc.msg)
			}
		})
	}
}
