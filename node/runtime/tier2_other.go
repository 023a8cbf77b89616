//go:build !(linux && amd64)

package runtime

// haveTier2 says whether this build runs tier-2 (KVM) microVMs.
const haveTier2 = false
