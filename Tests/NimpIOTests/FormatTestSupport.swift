import Foundation
import NimpCore
import Testing

/// Shared helpers for the file-format tests (safetensors, SHA-256, datasets).
enum FormatFixtures {
    /// The repository root, found from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent("fixtures/" + relative).path }
}

/// Asserts that `body` throws a NimpError of `kind` whose message contains every one of `fragments`.
func assertNimpError<T>(_ kind: NimpError.Kind, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation,
                        _ body: () throws -> T) {
    do {
        _ = try body()
        Issue.record("expected \(kind) with \(fragments), but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as NimpError {
        #expect(error.kind == kind, "wrong kind for: \(error.message)", sourceLocation: sourceLocation)
        for fragment in fragments where !error.message.contains(fragment) {
            Issue.record("message \(String(reflecting: error.message)) lacks \(String(reflecting: fragment))", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected a NimpError, got \(error)", sourceLocation: sourceLocation)
    }
}

/// Deterministic random byte mutations of valid inputs, a poor man's fuzzer that runs in
/// every test pass: flips, inserts, deletions, duplications and truncations.
struct Mutator {
    private var state: UInt64

    init(seed: UInt64) { state = seed | 1 }

    mutating func next(_ bound: Int) -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Int(state % UInt64(max(bound, 1)))
    }

    /// `data` with one to four mutations; `alphabet` biases inserted bytes toward syntax.
    mutating func mutate(_ data: Data, alphabet: [UInt8]) -> Data {
        var bytes = [UInt8](data)
        for _ in 0...next(4) {
            let at = next(bytes.count + 1)
            switch next(6) {
            case 0 where at < bytes.count: bytes[at] ^= UInt8(1 << next(8))
            case 1: bytes.insert(next(2) == 0 ? alphabet[next(alphabet.count)] : UInt8(next(256)), at: at)
            case 2 where at < bytes.count: bytes.removeSubrange(at..<min(bytes.count, at + 1 + next(8)))
            case 3 where at < bytes.count:
                let piece = bytes[at..<min(bytes.count, at + 1 + next(16))]
                bytes.insert(contentsOf: piece, at: next(bytes.count + 1))
            case 4: bytes.removeSubrange(at...)
            default: if at < bytes.count { bytes[at] = alphabet[next(alphabet.count)] }
            }
        }
        return Data(bytes)
    }

    /// Feeds `count` mutations of each seed input to `read`; anything but success or a
    /// NimpError fails the test (a crash ends it).
    mutating func check(_ seeds: [Data], alphabet: String, count: Int, sourceLocation: SourceLocation = #_sourceLocation,
                        _ read: (Data) throws -> Void) -> (accepted: Int, rejected: Int) {
        var accepted = 0, rejected = 0
        for seed in seeds {
            for _ in 0..<count {
                let input = mutate(seed, alphabet: Array(alphabet.utf8))
                do {
                    try read(input)
                    accepted += 1
                } catch let error as NimpError {
                    #expect([NimpError.Kind.dataError, .usage].contains(error.kind), "\(error.message)", sourceLocation: sourceLocation)
                    rejected += 1
                } catch {
                    Issue.record("not a NimpError: \(error) for input \(Array(input))", sourceLocation: sourceLocation)
                }
            }
        }
        return (accepted, rejected)
    }
}
