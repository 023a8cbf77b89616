package bitnet

import "testing"

// TestOutputQ8Error measures the logit error of the 8-bit output table on
// the reference models (teacher-forced, against llama.cpp) and holds it to
// the same end-to-end acceptance as the F16 table.
func TestOutputQ8Error(t *testing.T) {
	for _, name := range tinyModels {
		t.Run(name, func(t *testing.T) {
			_, m := openModel(t, name, Options{OutputQ8: true})
			ref := readRef(t, name+".json")
			prompt, gen := teacherForced(t, m, ref, 2, 0)
			V := m.Config.NVocab
			checkLogits(t, "q8 output: prompt vs llama.cpp", prompt, readF32(t, name+".prompt_logits.f32.bin"), V)
			checkLogits(t, "q8 output: generation vs llama.cpp", gen, readF32(t, name+".gen_logits.f32.bin"), V)
			_, m16 := openModel(t, name, Options{})
			p16, _ := teacherForced(t, m16, ref, 2, 0)
			maxAbs, meanAbs, agree, rows := logitDiff(prompt, p16, V)
			t.Logf("q8 vs f16 output table: max abs %.4f, mean abs %.5f, argmax %d/%d", maxAbs, meanAbs, agree, rows)
		})
	}
}
