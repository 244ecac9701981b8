import Foundation
import NimpCore
import NimpIO

extension HistoryKind {
    /// A model's eval or audit set was replaced (`registry refresh`, or a cycle whose eval
    /// set had decided `gate_refresh_decisions` gates).
    public static let refresh: HistoryKind = "refresh"
}

extension Registry {
    /// Replaces model `id`'s eval set and/or audit set with new data (stored in data/ under
    /// its sha256) and records it in history. Cached metrics on the old sets stop counting,
    /// as they are keyed by the sets' sha256; so does the count of gate decisions on the eval set.
    @discardableResult
    public func replaceHeldOut(_ id: String, eval: Data?, audit: Data?, reason: String) throws -> ModelSpec {
        try withLock {
            var spec = try self.spec(id)
            var entry = HistoryEntry(.refresh, model: id, fields: ["reason": .string(reason)])
            if let eval {
                entry["old_eval_sha256"] = .string(spec.eval.sha256)
                spec.eval = try storeData(eval).ref
                entry["eval_sha256"] = .string(spec.eval.sha256)
            }
            if let audit {
                entry["old_audit_sha256"] = spec.audit.map { .string($0.sha256) } ?? .null
                spec.audit = try storeData(audit).ref
                entry["audit_sha256"] = .string(spec.audit!.sha256)
            }
            try setSpec(id, spec)
            try history.append(entry, failpoint: "refresh.history")
            return spec
        }
    }
}
