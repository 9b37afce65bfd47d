import CMHAKernels

/// The register tile and cache blocks of one packed product, sized from the CPU's caches.
///
/// As in the GotoBLAS/BLIS scheme, k_c is sized so that a packed micro-panel (k_c × NR)
/// fills about two thirds of L1 (`multiply_block` keeps one Ã micro-panel there while the B̃
/// panels stream past). The packed A block (m_c × k_c) takes a quarter of L2 and the packed
/// B block (k_c × n_c) half of it, so both stay in the core's own L2 where L2 is large: on
/// the Xeon measured (2 MiB L2 per core, a large but shared and distant L3) blocks sized for
/// L3 (n_c = 4096) ran the micro-kernel at ~50 GFLOP/s per core in Double, blocks kept in L2
/// (k_c 256, m_c 256, n_c 512) at ~75. Where L2 is small, n_c stays at
/// `minimumColumnBlockBytes` all the same.
struct GEMMPlan: Sendable {
    /// The instruction-set level of the micro-kernel.
    var level: CPULevel
    /// MR × NR: the register tile.
    var rowsPerTile: Int
    var columnsPerTile: Int
    /// k_c: depth of one packed panel.
    var depthBlock: Int
    /// m_c: rows of A packed at a time (a multiple of MR).
    var rowBlock: Int
    /// n_c: columns of B packed at a time (a multiple of NR).
    var columnBlock: Int

    /// The plan for `S` at `level` on this machine's caches (typical sizes where the system
    /// does not say: 32 KiB L1, 512 KiB L2).
    init<S: PackedScalar>(_ type: S.Type, level: CPULevel, caches: mha_cache_sizes = GEMMPlan.caches) {
        let (mr, nr) = S.tileShape(level)
        let size = MemoryLayout<S>.stride
        let l1 = caches.level1 > 0 ? caches.level1 : 32 << 10
        let l2 = caches.level2 > 0 ? caches.level2 : 512 << 10
        let kc = Swift.min(512, Swift.max(64, l1 * 2 / 3 / (nr * size) / 8 * 8))
        let mc = Swift.max(mr, Swift.min(4096, l2 / 4 / (kc * size)) / mr * mr)
        let nc = Swift.max(GEMMPlan.minimumColumnBlockBytes / size, Swift.min(8192, l2 / 2 / (kc * size))) / nr * nr
        self.level = level
        rowsPerTile = mr
        columnsPerTile = nr
        depthBlock = kc
        rowBlock = mc
        columnBlock = nc
    }

    /// k_c for a product of depth `k`: `depthBlock` split evenly over as few blocks as it
    /// takes, where a last block of less than a quarter of k_c is folded into the others
    /// (each then at most a quarter deeper). With a 32 KiB L1 (k_c 168) a depth of 512 was
    /// 168 + 168 + 168 + 8: the last pass loaded and stored all of C for 8 multiply-adds
    /// per element, and took one more pair of thread rendezvous; it is now 171 + 171 + 170.
    func depthBlock(depth k: Int) -> Int {
        guard k > depthBlock else { return k }
        var blocks = (k + depthBlock - 1) / depthBlock
        if (k - (blocks - 1) * depthBlock) * 4 < depthBlock { blocks -= 1 }
        return (k + blocks - 1) / blocks
    }

    /// The least n_c, whatever L2 holds, in bytes of a row of B̃'s block: 512 Double or 1024
    /// Float columns. A is packed again for every n_c columns of B, and each packed element
    /// then feeds 2·n_c FLOPs: at 512 Double columns the packing costs ~2 % of the product,
    /// and Float, whose FLOPs take half the time, needs twice the columns for the same share.
    /// On a 512 KiB L2 (Zen 3) the L2 rule alone gave n_c = 96 and packing A took a fifth of
    /// the product's time; 512 columns, the B block partly in L3, ran the 2048 × 1024 × 1024
    /// product at 56 GFLOP/s instead of 44 in Double on two cores. On a 1 MiB L2 (Zen 5) the
    /// rule gave Float 512 columns, and `pack_a` took 8–10 % of a Float forward; 1024 ran
    /// it 3.5 % faster at n = 2048 and 4096 (docs/performance.md).
    static let minimumColumnBlockBytes = 4096

    /// This machine's cache sizes, read once.
    static let caches = mha_cpu_cache_sizes()
}
