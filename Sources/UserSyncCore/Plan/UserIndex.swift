/// Numbers external ids densely (0, 1, 2, … in order of first insertion), so the planner
/// keeps per-user state in flat arrays instead of a `[String: Entry]` dictionary.
///
/// Why not `Dictionary`: a million users made the planner's dictionary 2 M buckets of
/// 64-byte entries (128 MB), and every access hashed the id. Here the ids sit once in a
/// dense array (16 MB for a million short ids), and ids are identified exactly as a
/// `[String: …]` dictionary identifies them: by `String` equality (canonical equivalence).
///
/// Shortcuts for the orders ids usually arrive in (measured: probing a 16 MB hash table
/// costs a cache and TLB miss per id, most of what loading a snapshot cost):
/// - `insert` first tries the number after the one last returned: the snapshot streams
///   every provider in the same id order, and sources are often in that order too.
/// - While ids arrive in strictly ascending order (the snapshot's primary-key order, for the
///   usual ASCII ids), they are kept sorted without hashing: a greater id is new and
///   appended, any other is found by binary search. The hash table is built, in one pass,
///   only once an id must be inserted out of order or binary searches get frequent (a
///   source in another order).
struct UserIndex {
    private(set) var ids: [String] = []
    /// 0 = empty; else the high 32 bits are the id's hash, the low 32 bits its number + 1.
    /// Empty while `sorted` holds.
    private var slots: [UInt64] = []
    private var mask = 0
    /// `ids` is strictly ascending (String `<`, which agrees with `==`) and not hashed yet.
    private var sorted = true
    /// Binary searches so far, while `sorted`.
    private var searches = 0
    private var last = -1

    init(minimumCapacity: Int = 0) {
        ids.reserveCapacity(minimumCapacity)
    }

    var count: Int { ids.count }

    /// The number of `id`, inserting it if new.
    mutating func insert(_ id: String) -> (number: Int, inserted: Bool) {
        let next = last + 1
        if next < ids.count && ids[next] == id {
            last = next
            return (next, false)
        }
        if sorted {
            if ids.isEmpty || ids[ids.count - 1] < id { return (append(id), true) }
            searches += 1
            if searches <= 64 + ids.count / 16, let number = search(id) {
                last = number
                return (number, false)
            }
            sorted = false
            buildTable()
        }
        let hash = Self.hash(id)
        var position = Int(truncatingIfNeeded: hash) & mask
        while slots[position] != 0 {
            let slot = slots[position]
            if UInt32(truncatingIfNeeded: slot >> 32) == hash {
                let number = Int(UInt32(truncatingIfNeeded: slot)) - 1
                if ids[number] == id {
                    last = number
                    return (number, false)
                }
            }
            position = (position + 1) & mask
        }
        let number = append(id)
        slots[position] = UInt64(hash) << 32 | UInt64(number + 1)
        if ids.count > slots.count / 2 { resize(to: slots.count * 2) }
        return (number, true)
    }

    /// Binary search of the sorted ids.
    private func search(_ id: String) -> Int? {
        var low = 0
        var high = ids.count
        while low < high {
            let middle = (low + high) / 2
            if ids[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low < ids.count && ids[low] == id ? low : nil
    }

    private mutating func append(_ id: String) -> Int {
        precondition(ids.count < Int(UInt32.max), "too many users for one plan")
        ids.append(id)
        last = ids.count - 1
        return last
    }

    /// Hashes every id into a table at most half full, in one tight loop.
    private mutating func buildTable() {
        var size = 16
        while size / 2 < ids.count + 1 { size *= 2 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        for (number, id) in ids.enumerated() {
            let hash = Self.hash(id)
            var position = Int(truncatingIfNeeded: hash) & mask
            while slots[position] != 0 { position = (position + 1) & mask }
            slots[position] = UInt64(hash) << 32 | UInt64(number + 1)
        }
    }

    private mutating func resize(to size: Int) {
        let old = slots
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        for slot in old where slot != 0 {
            // The tag is the hash itself, so moving needs no id.
            var position = Int(slot >> 32) & mask
            while slots[position] != 0 { position = (position + 1) & mask }
            slots[position] = slot
        }
    }

    /// 32 bits of the id's standard hash: equal (canonically equivalent) ids hash alike.
    private static func hash(_ id: String) -> UInt32 {
        UInt32(truncatingIfNeeded: UInt64(bitPattern: Int64(id.hashValue)) >> 32)
    }
}
