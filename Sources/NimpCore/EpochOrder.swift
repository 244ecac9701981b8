/// The order in which a training epoch visits the samples, a batch at a time.
///
/// Full shuffle (in-memory data, and mapped data up to `TrainConfig.windowedAboveBytes`):
/// one permutation of every row, shuffled again in place each epoch.
///
/// Windowed shuffle (mapped data above that size, which need not fit in memory): rows are
/// grouped into contiguous blocks of about `TrainConfig.shuffleBlockBytes`; each epoch
/// visits the blocks in a new random order, `TrainConfig.shuffleWindowBytes` of them at a
/// time, with the rows of each window shuffled together. A window's pages are released
/// once the next-but-one window is loaded, so about two windows are resident whatever the
/// file's size, and block reads are sequential. Every row is still visited exactly once
/// per epoch, so the number of steps is the same.
final class EpochOrder {
    let rows: Int
    let batch: Int
    private var rng: RNG
    /// The order buffer: all rows (full), or the loaded window plus a carried partial batch.
    private let order: UnsafeMutablePointer<UInt32>
    private var filled = 0
    private var position = 0

    private let windowed: Bool
    private let blockRows: Int
    private let windowBlocks: Int
    private var blocks: [Int] = []
    private var nextBlock = 0
    /// Blocks of the windows still resident, oldest first.
    private var resident: [[Int]] = []
    private let release: (Range<Int>) -> Void

    /// `blockRows`/`windowBlocks` nil: full shuffle. `release(rows)` drops a block's pages.
    init(rows: Int, batch: Int, seed: UInt64, window: (blockRows: Int, windowBlocks: Int)?,
         release: @escaping (Range<Int>) -> Void = { _ in }) {
        precondition(rows > 0 && rows <= Int(UInt32.max), "row count \(rows) out of range")
        self.rows = rows
        self.batch = batch
        self.release = release
        rng = RNG(seed: seed)
        if let window, window.blockRows > 0, window.windowBlocks > 0 {
            windowed = true
            blockRows = window.blockRows
            windowBlocks = window.windowBlocks
            blocks = Array(0..<((rows + blockRows - 1) / blockRows))
            let capacity = min(rows, blockRows * windowBlocks) + batch
            order = .allocate(capacity: capacity)
        } else {
            windowed = false
            blockRows = 0
            windowBlocks = 0
            order = .allocate(capacity: rows)
            for i in 0..<rows { order[i] = UInt32(truncatingIfNeeded: i) }
        }
    }

    deinit { order.deallocate() }

    /// Starts an epoch: a new permutation (full) or a new block order (windowed).
    func startEpoch() {
        if windowed {
            blocks.withUnsafeMutableBufferPointer { rng.shuffle($0) }
            nextBlock = 0
            filled = 0
            position = 0
        } else {
            rng.shuffle(UnsafeMutableBufferPointer(start: order, count: rows))
            filled = rows
            position = 0
        }
    }

    /// The next batch's row indices (valid until the next call) and its size: `batch`
    /// rows, fewer only for the epoch's last batch.
    func nextBatch() -> (indices: UnsafePointer<UInt32>, count: Int) {
        while windowed && filled - position < batch && nextBlock < blocks.count { loadWindow() }
        let count = min(batch, filled - position)
        precondition(count > 0, "epoch order exhausted")
        defer { position += count }
        return (UnsafePointer(order + position), count)
    }

    /// Moves the unused tail to the front and appends the next window's rows, shuffled.
    private func loadWindow() {
        let carried = filled - position
        if carried > 0 && position > 0 { order.update(from: order + position, count: carried) }
        var end = carried
        var window: [Int] = []
        while window.count < windowBlocks && nextBlock < blocks.count {
            let b = blocks[nextBlock]
            nextBlock += 1
            window.append(b)
            for r in (b * blockRows)..<min(rows, (b + 1) * blockRows) {
                order[end] = UInt32(truncatingIfNeeded: r)
                end += 1
            }
        }
        rng.shuffle(UnsafeMutableBufferPointer(start: order + carried, count: end - carried))
        filled = end
        position = 0
        resident.append(window)
        // The window before the previous one has no rows left in the buffer.
        while resident.count > 2 {
            for b in resident.removeFirst() { release((b * blockRows)..<min(rows, (b + 1) * blockRows)) }
        }
    }
}
