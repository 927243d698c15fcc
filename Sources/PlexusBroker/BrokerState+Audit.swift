import PlexusProtocol

/// What goes into the audit log (docs/SECURITY.md, "Audit log"): one record per administrative
/// command (lifecycle, apply, task changes, shutdown), per refused registration or command, per launch
/// refused for integrity, and per OOM kill.
extension BrokerState {
    /// Who sent what arrived on `envelope`: the plugin whose session it is, else an anonymous client.
    /// With CURVE on, the authenticated name, key and address of the sender.
    func auditActor(_ envelope: ControlEnvelope) -> AuditActor {
        let name = registry.session(route: envelope.routingID)?.registration.name ?? peer?.name ?? "anonymous"
        return AuditActor(name: name, key: peer?.key, address: peer?.address, via: "control")
    }

    /// Records `request` and how it was answered, when it changes something: a lifecycle verb, a real
    /// `APPLY`, a task change, `SHUTDOWN`. Fsynced before the answer goes out.
    mutating func auditCommand(_ request: ClientRequest, reply: ClientReply, from envelope: ControlEnvelope) {
        guard let (action, target) = Self.administrativeAction(request.command) else { return }
        var result = "ok"
        var detail: String?
        switch reply {
        case .error(_, let error): result = error.description
        case .ok(_, let body):
            if case .apply = request.command, let plan = body.first {
                detail = String(decoding: plan.prefix(2_000), as: UTF8.self)
            }
        case .partial: break
        }
        audit(action, target: target, actor: auditActor(envelope), result: result, detail: detail, durable: true)
    }

    /// Queues one record.
    mutating func audit(
        _ action: String, target: String, actor: AuditActor, decision: String = "allowed", result: String = "ok",
        detail: String? = nil, durable: Bool
    ) {
        let record = AuditRecord(
            time: Clock.wallMicroseconds(), actor: actor, action: action, target: target, decision: decision, result: result,
            detail: detail)
        emit(.audit(record, durable: durable))
    }

    /// The action name and target of a command that changes something; nil for one that only reads.
    static func administrativeAction(_ command: ClientCommand) -> (String, String)? {
        switch command {
        case .lifecycle(let verb, let plugin): (verb.rawValue, plugin)
        case .apply(_, let baseDirectory, let dryRun): dryRun ? nil : ("APPLY", baseDirectory ?? "")
        case .tasks(let verb, let argument):
            switch verb {
            case .list, .show: nil
            // ADD's argument is the definition: its id is the target.
            case .add: ("TASKS ADD", Self.taskID(inDefinition: argument) ?? "")
            default: ("TASKS \(verb.rawValue)", argument ?? "")
            }
        case .shutdown: ("SHUTDOWN", "")
        default: nil
        }
    }

    private static func taskID(inDefinition definition: String?) -> String? {
        guard let definition,
            case .object(let fields)? = try? JSONCoding.decode(JSONValue.self, from: Array(definition.utf8), what: "task"),
            case .string(let id)? = fields["id"]
        else { return nil }
        return id
    }
}
