package tokenizer

import "strings"

// Message is one turn of a conversation.
type Message struct {
	Role    string // "system", "user" or "assistant"
	Content string
}

type chatFormat int

const (
	chatPlain  chatFormat = iota // "User: text\n" lines, no special tokens
	chatBitNet                   // BitNet b1.58 2B-4T: "User: text<|eot_id|>"
	chatLlama3                   // <|start_header_id|>user<|end_header_id|>\n\ntext<|eot_id|>
)

// detectChat recognises the chat format from tokenizer.chat_template (a
// Jinja template, which this package does not execute).
func detectChat(tmpl string, t *Tokenizer) chatFormat {
	_, hasEOT := t.ids["<|eot_id|>"]
	switch {
	case strings.Contains(tmpl, "<|start_header_id|>") && hasEOT:
		return chatLlama3
	case hasEOT && (strings.Contains(tmpl, "Assistant: ") || tmpl == "" && t.model == BPE):
		// The 2B-4T template; a Llama 3 vocabulary without a template is
		// assumed to be BitNet's, the model Cortex targets.
		return chatBitNet
	}
	return chatPlain
}

// ChatFormat names the chat format in use: "bitnet", "llama3" or "plain".
func (t *Tokenizer) ChatFormat() string {
	return [...]string{"plain", "bitnet", "llama3"}[t.chat]
}

// ApplyChatTemplate renders msgs in the model's chat format. With
// addAssistant it ends with the cue for the assistant's reply. The result
// starts with the BOS text where the format has one, so encode it with
// Encode(s, false, true).
//
// Formats:
//
//	bitnet  <|begin_of_text|>System: …<|eot_id|>User: …<|eot_id|>Assistant:␠
//	llama3  <|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n…<|eot_id|>…
//	plain   System: …\nUser: …\nAssistant:␠
//
// (␠ is a space.)
func (t *Tokenizer) ApplyChatTemplate(msgs []Message, addAssistant bool) string {
	var b strings.Builder
	bos := ""
	if t.bos >= 0 && t.TokenType(t.bos) == TypeControl {
		bos = t.tokens[t.bos]
	}
	switch t.chat {
	case chatBitNet:
		b.WriteString(bos)
		for _, m := range msgs {
			b.WriteString(roleTitle(m.Role) + ": " + strings.TrimSpace(m.Content) + "<|eot_id|>")
		}
		if addAssistant {
			b.WriteString("Assistant: ")
		}
	case chatLlama3:
		b.WriteString(bos)
		for _, m := range msgs {
			b.WriteString("<|start_header_id|>" + m.Role + "<|end_header_id|>\n\n" + strings.TrimSpace(m.Content) + "<|eot_id|>")
		}
		if addAssistant {
			b.WriteString("<|start_header_id|>assistant<|end_header_id|>\n\n")
		}
	default:
		for _, m := range msgs {
			b.WriteString(roleTitle(m.Role) + ": " + strings.TrimSpace(m.Content) + "\n")
		}
		if addAssistant {
			b.WriteString("Assistant: ")
		}
	}
	return b.String()
}

func roleTitle(role string) string {
	switch role {
	case "system":
		return "System"
	case "user":
		return "User"
	case "assistant":
		return "Assistant"
	}
	if role == "" {
		return "User"
	}
	return strings.ToUpper(role[:1]) + role[1:]
}
