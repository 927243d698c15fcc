import Foundation

/// JSON helpers shared by the codec: one place that decides the encoder settings.
public enum JSONCoding {
    /// Encodes a value as compact JSON bytes with sorted keys (stable output for tests and logs).
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding our own model types cannot fail; a failure is a programming error worth a clear trap.
        do { return Array(try encoder.encode(value)) } catch { preconditionFailure("JSON encoding failed: \(error)") }
    }

    /// Decodes a frame, turning any decoding failure into a `bad_request` protocol error.
    public static func decode<T: Decodable>(_ type: T.Type, from frame: [UInt8], what: String) throws(ProtocolError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(frame))
        } catch let error as ProtocolError {
            // A type's own range check, which names its field.
            throw error
        } catch let error as DecodingError {
            throw ProtocolError.bad("\(what) is not valid: \(describe(error))")
        } catch {
            throw ProtocolError.bad("\(what) is not valid JSON")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing key '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case .dataCorrupted(let context):
            context.codingPath.isEmpty
                ? "not JSON" : "bad value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        @unknown default: "undecodable"
        }
    }
}
