import CMHAKernels
import Testing

@testable import MHACore

/// `GEMMPlan.depthBlock(depth:)`: the k_c blocks of a product cover its depth, none is
/// deeper than a quarter past the plan's k_c, and no last block is a sliver.
@Suite struct GEMMPlanTests {
    /// A 32 KiB L1 (k_c 168 for AVX-512 Double) and a 48 KiB one (k_c 256).
    static let plans = [32 << 10, 48 << 10].map { l1 in
        GEMMPlan(Double.self, level: .avx512, caches: mha_cache_sizes(level1: l1, level2: 1 << 20, level3: 32 << 20))
    }

    @Test func depthBlocksCoverTheDepthEvenly() {
        #expect(Self.plans.map(\.depthBlock) == [168, 256])
        for plan in Self.plans {
            for k in 1...3000 {
                let kc = plan.depthBlock(depth: k)
                let blocks = (k + kc - 1) / kc
                let last = k - (blocks - 1) * kc
                #expect(kc <= Swift.max(k, plan.depthBlock + plan.depthBlock / 4 + 1), "k \(k): k_c \(kc)")
                #expect(k <= plan.depthBlock ? kc == k : last * 4 >= plan.depthBlock, "k \(k): last block \(last)")
            }
        }
    }

    @Test func depthOf512With168IsThreeBlocksOf171() {
        #expect(Self.plans[0].depthBlock(depth: 512) == 171)
        #expect(Self.plans[0].depthBlock(depth: 1024) == 171)
        #expect(Self.plans[0].depthBlock(depth: 100) == 100)
    }
}
