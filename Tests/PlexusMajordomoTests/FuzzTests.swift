import PlexusMajordomo
import Testing

/// Deterministic random frames through every decoder: nothing may trap, every failure is a `MajordomoError`
/// (typed throws guarantee that), and every success must re-encode to exactly the frames it came from.
@Suite("Fuzz")
struct FuzzTests {
    static let seeds: [UInt64] = [1, 0xC0FFEE, 0xDEAD_BEEF, 20_250_101]
    static let iterations = 20_000

    /// Valid messages of every kind and dialect, to mutate.
    static var corpus: [[[UInt8]]] {
        var all: [[[UInt8]]] = []
        all += RoundTripTests.clientRequests.compactMap { try? $0.encode() }
        all += RoundTripTests.clientReplies.compactMap { try? $0.encode() }
        all += RoundTripTests.workerMessages.compactMap { try? $0.encode() }
        all += RoundTripTests.brokerCommands.compactMap { try? $0.encode() }
        return all
    }

    static func randomFrame(_ rng: inout SplitMix64) -> [UInt8] {
        switch rng.next() % 8 {
        case 0, 1: return []
        case 2: return [UInt8(rng.next() % 9)]  // near the command bytes
        case 3: return MajordomoWire.headers[Int(rng.next() % 4)]
        case 4: return Array("echo".utf8)
        default: return (0..<Int(rng.next() % 12)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        }
    }

    static func mutate(_ input: [[UInt8]], _ rng: inout SplitMix64) -> [[UInt8]] {
        var frames = input
        for _ in 0...Int(rng.next() % 3) {
            let index = frames.isEmpty ? 0 : Int(rng.next() % UInt64(frames.count))
            switch rng.next() % 7 {
            case 0 where !frames.isEmpty: frames.remove(at: index)
            case 1: frames.insert(randomFrame(&rng), at: min(index, frames.count))
            case 2 where !frames.isEmpty: frames[index] = randomFrame(&rng)
            case 3 where !frames.isEmpty && !frames[index].isEmpty:
                let byte = Int(rng.next() % UInt64(frames[index].count))
                frames[index][byte] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            case 4 where !frames.isEmpty: frames.removeLast(Int(rng.next() % UInt64(frames.count + 1)))
            case 5 where !frames.isEmpty: frames.insert(frames[index], at: index)
            default: frames.insert([], at: 0)
            }
        }
        return frames
    }

    @Test("random and mutated frames never crash", arguments: seeds)
    func fuzz(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let corpus = Self.corpus
        var decoded = 0
        var failures = 0
        for _ in 0..<Self.iterations {
            let input: [[UInt8]]
            if rng.next() % 4 == 0 {
                input = (0..<Int(rng.next() % 8)).map { _ in Self.randomFrame(&rng) }
            } else {
                input = Self.mutate(corpus[Int(rng.next() % UInt64(corpus.count))], &rng)
            }
            _ = MajordomoFraming.isMajordomo(input)
            for codec in Codec.all {
                do throws(MajordomoError) {
                    let again = try codec.roundTrip(input)
                    decoded += 1
                    if again != input { Issue.record("\(codec) re-encoded \(input) as \(again)") }
                } catch {
                    failures += 1
                    if error.description.isEmpty { Issue.record("\(codec) gave an empty description for \(input)") }
                }
            }
            if case .client(let request)? = try? MajordomoInbound.decode(input) {
                _ = MajordomoMMI.reply(to: request) { $0.count % 2 == 0 }
            }
        }
        // The loop must exercise both outcomes, or it tests nothing.
        #expect(decoded > Self.iterations / 10)
        #expect(failures > Self.iterations)
    }

    @Test("the fuzz generator is deterministic")
    func deterministic() {
        var a = SplitMix64(seed: 7)
        var b = SplitMix64(seed: 7)
        #expect((0..<100).map { _ in a.next() } == (0..<100).map { _ in b.next() })
    }
}
