package openai

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Error types, as OpenAI's API names them.
const (
	typeInvalidRequest = "invalid_request_error"
	typeAuthentication = "authentication_error"
	typeServer         = "server_error"
	typeRateLimit      = "rate_limit_error"
)

// APIError is an error answer: the HTTP status and the body's "error"
// object. It is what the handler writes for every failed request.
type APIError struct {
	Status  int     `json:"-"`
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("openai: %d %s: %s", e.Status, e.Type, e.Message)
}

func str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// invalid returns a 400 invalid_request_error about param.
func invalid(param, format string, args ...any) *APIError {
	return &APIError{Status: http.StatusBadRequest, Type: typeInvalidRequest, Param: str(param),
		Message: fmt.Sprintf(format, args...)}
}

func notFoundModel(name string, none bool) *APIError {
	msg := fmt.Sprintf("the model %q does not exist on this server (GET /v1/models lists them)", name)
	if none {
		msg = fmt.Sprintf("the model %q does not exist: this server has no model. Add a GGUF model with "+
			"`nexus cortex add FILE --name NAME` and restart it", name)
	}
	return &APIError{Status: http.StatusNotFound, Type: typeInvalidRequest, Param: str("model"), Code: str("model_not_found"),
		Message: msg}
}

// errorBody is the JSON envelope of an error answer or stream event.
type errorBody struct {
	Error *APIError `json:"error"`
}

func writeError(w http.ResponseWriter, e *APIError) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(errorBody{e})
}
