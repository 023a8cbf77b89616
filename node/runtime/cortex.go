package runtime

import (
	"nexusos/cortex"
	"nexusos/cortex/openai"
	"nexusos/node/home"
)

// LoadModel loads a Cortex model: a GGUF file, or the name of a model
// added under the home (nexus cortex add). Every command and service that
// runs a model resolves it here.
func LoadModel(h home.Dir, model string, opts cortex.LoadOptions) (*cortex.Model, error) {
	path, err := cortex.Resolve(h.Root(), model)
	if err != nil {
		return nil, err
	}
	return cortex.Load(path, opts)
}

// openCortex builds the handler of Cortex's OpenAI-compatible endpoints
// with Want.CortexConfig: over the models added under the home with
// Want.Cortex (loaded when first asked for), otherwise serving none.
func (r *Runtime) openCortex() {
	cfg := r.want.CortexConfig
	if cfg.Logger == nil {
		cfg.Logger = r.log
	}
	if r.want.Cortex {
		oai, err := openai.OpenHome(r.home.Root(), cfg)
		if err == nil {
			r.oai = oai
			return
		}
		r.cortexErr = err
		r.log.Warn("cortex: cannot list the models under home; serving none", "err", err)
	}
	r.oai, _ = openai.New(cfg)
}

// CortexErr is why Cortex serves none of the models added under the home
// although Want.Cortex asked for them (nil when it serves them).
func (r *Runtime) CortexErr() error { return r.cortexErr }

// OpenAI is the handler of Cortex's OpenAI-compatible endpoints
// (/v1/models, /v1/completions, /v1/chat/completions); never nil.
func (r *Runtime) OpenAI() *openai.Handler { return r.oai }
