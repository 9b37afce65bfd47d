import CMHAKernels

/// The register tile and cache blocks of one packed product, sized from the CPU's caches.
///
/// As in the GotoBLAS/BLIS scheme: a packed B micro-panel (k_c × NR) stays in L1 while the
/// A micro-panels stream past, so k_c fills about half of L1 with it; the packed A block
/// (m_c × k_c) stays in L2, so m_c fills about half of L2; the packed B block (k_c × n_c) is
/// meant for the shared last level and is capped at 4096 columns.
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
        let kc = Swift.min(512, Swift.max(64, l1 / 2 / (nr * size) / 8 * 8))
        let mc = Swift.max(mr, Swift.min(4096, l2 / 2 / (kc * size)) / mr * mr)
        self.level = level
        rowsPerTile = mr
        columnsPerTile = nr
        depthBlock = kc
        rowBlock = mc
        columnBlock = 4096 / nr * nr
    }

    /// This machine's cache sizes, read once.
    static let caches = mha_cpu_cache_sizes()
}

