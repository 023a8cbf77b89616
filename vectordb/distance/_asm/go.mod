module nexusos/vectordb/distance/_asm

go 1.26.0
