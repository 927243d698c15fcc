import Foundation
import PlexusClient
import PlexusProtocol

extension ControlClient {
    /// `TASKS verb argument`, decoded.
    func tasks<T: Decodable>(_ verb: TaskVerb, _ argument: String? = nil, as type: T.Type = TaskReport.self) throws -> T {
        try request(.tasks(verb, argument: argument), as: type)
    }

    /// `TASKS ADD` with a definition given as a JSON object.
    @discardableResult
    func addTask(_ definition: [String: Any]) throws -> TaskReport {
        let text = String(decoding: try JSONSerialization.data(withJSONObject: definition), as: UTF8.self)
        return try tasks(.add, text)
    }
}
