// Package gguf reads and writes GGUF files, the container format of
// llama.cpp and ggml models (GGUF version 3; version 2 files, which share
// its layout, are read too).
//
// A file is memory-mapped by Open. Every count, length, offset and
// alignment read from it is checked against the file size and against fixed
// bounds before it is used, so a truncated or hostile file yields an error
// (wrapped in *FormatError) rather than a panic or a huge allocation.
//
// # Format
//
// All integers are little-endian. Strings are a uint64 length followed by
// that many bytes of UTF-8 (not NUL-terminated).
//
//	+--------------------------+-----------------------------------------+
//	| magic        uint32      | "GGUF" (0x46554747)                     |
//	| version      uint32      | 3                                       |
//	| tensor_count uint64      | number of tensor infos                  |
//	| kv_count     uint64      | number of metadata pairs                |
//	+--------------------------+-----------------------------------------+
//	| kv_count × { key string, value_type uint32, value }                |
//	|   value: scalar, string, or array {elem_type uint32,               |
//	|          count uint64, count × elem}                               |
//	+--------------------------------------------------------------------+
//	| tensor_count × { name string, n_dims uint32, dims [n_dims]uint64,  |
//	|                  type uint32, offset uint64 }                      |
//	|   dims are innermost first: a linear layer is [n_in, n_out]        |
//	+--------------------------------------------------------------------+
//	| padding to general.alignment (default 32)                          |
//	+--------------------------------------------------------------------+
//	| tensor data; each tensor at data_start + offset, offset aligned    |
//	+--------------------------------------------------------------------+
//
// Tensor byte sizes follow ggml's type traits (see TensorType.RowSize).
// bitnet.cpp's I2_S is the exception: n/4 bytes of 2-bit codes followed by
// a float32 per-tensor scale, padded to 32 bytes (n/4 + 32 in all).
// Its other types, TL1, TL2 and I8_S, are named but not read: Open refuses
// a file holding them with an *UnsupportedTypeError.
//
// # Concurrency
//
// A *File is safe for concurrent use by readers once Open has returned:
// accessors do not modify it. Close must not be called while slices
// returned by TensorData are in use, because they alias the mapping.
// A *Writer is not safe for concurrent use.
package gguf
