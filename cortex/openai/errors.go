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

func notFoundModel(name string) *APIError {
	return &APIError{Status: http.StatusNotFound, Type: typeInvalidRequest, Param: str("model"), Code: str("model_not_found"),
		Message: fmt.Sprintf("the model %q does not exist on this server (GET /v1/models lists them)", name)}
}

// errNoModel answers generation requests when no model is served.
var errNoModel = &APIError{Status: http.StatusServiceUnavailable, Type: typeServer, Code: str("no_model"),
	Message: "no language model is loaded. Add a GGUF model with `nexus cortex add FILE --name NAME` " +
		"(the official one: microsoft/bitnet-b1.58-2B-4T-gguf, file ggml-model-i2_s.gguf, on the Hugging Face hub)"}

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
