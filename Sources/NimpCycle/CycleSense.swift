import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// What a cycle reads before it plans: config, signals, the summary of history (never
/// history itself) and the machine.
struct CycleContext {
    var config: RegistryConfig
    var signals: SignalState
    var signalsFile: SignalsFile
    var environment: EnvironmentState
    var machine: MachineState
    var summary: HistorySummary
    var iteration: Int

    var lastCycle: HistoryEntry? { summary.lastCycle }

    /// `record`: the caller holds the lock, and the summary is saved if it moved.
    static func sense(_ registry: Registry, record: Bool) throws -> CycleContext {
        let config = try registry.config()
        let file = try registry.signals()
        var state = SignalState()
        let b = SignalLevels.baseline
        state.levels = SignalLevels(dopamine: file.levels["dopamine"] ?? b.dopamine, cortisol: file.levels["cortisol"] ?? b.cortisol,
                                    growth: file.levels["growth"] ?? b.growth, serotonin: file.levels["serotonin"] ?? b.serotonin)
        if case .object(let reward)? = file.extra["reward"] {
            for (k, v) in reward { if let n = v.double { state.reward[k] = n } }
        }
        let (summary, problems) = record ? try registry.recordHistorySummary() : try registry.historySummary()
        for problem in problems { registry.diagnostics.warn(problem.description) }
        let machine = MachineState.read(path: registry.root)
        let env = EnvironmentState(
            loadPerCore: (machine.loadAverage?.first ?? 0) / Double(max(1, machine.cpus)),
            memoryAvailableFraction: machine.memoryAvailableBytes.flatMap { a in machine.memoryTotalBytes.map { Double(a) / Double(max(1, $0)) } } ?? 1,
            diskFreeBytes: machine.diskFreeBytes.map(Double.init) ?? .infinity)
        // Bounded: a hand-edited or hostile history line must not overflow the count.
        let lastIteration = max(0, min(summary.lastCycle?["iteration"]?.int ?? summary.cycles, Int(Int32.max)))
        return CycleContext(config: config, signals: state, signalsFile: file, environment: env, machine: machine,
                            summary: summary, iteration: lastIteration + 1)
    }

    /// Environment → winning genome, remembered in signals.json.
    var environmentGenomes: [String: Genome] {
        guard case .object(let envs)? = signalsFile.extra["genomes"] else { return [:] }
        var result: [String: Genome] = [:]
        for (name, value) in envs {
            if let g = try? JSONCoding.decode(Genome.self, from: value, file: "signals.json", path: "genomes.\(name)"), g.problem == nil {
                result[name] = g
            }
        }
        return result
    }
}

/// One model as the cycle assessed it: its spec, champion and held-out metrics.
struct AssessedModel {
    var id: String
    var spec: ModelSpec
    var championVersion: Int?
    var champion: ModelArchive?
    var assessment: ModelAssessment
    /// The held-out metrics were measured now (not from the cache).
    var evaluatedNow: Bool
    /// The champion's quality on the audit set, for the record only: no decision reads it.
    var audit: [String: Double]?
    /// Gate decisions taken on the current eval set, and the promotions among them.
    var evalDecisions: Int
    var evalPromotions: Int
    /// Rows of the eval set, when known (measured now or recorded with the cached metrics).
    var evalRows: Int

    /// The least gain a candidate must show: `base`, raised as a fixed eval set's
    /// promotions run out (a set that is regenerated has no such budget).
    func threshold(_ base: Double, config: RegistryConfig) -> Double {
        spec.source?.canGenerate == true ? base : Gate.threshold(base, promotionsSpent: evalPromotions, budget: config.gatePromotionBudget)
    }
}

enum Assessor {
    /// Assesses every model. Champions are evaluated on their eval set only when the
    /// cache (version index: archive sha256 + eval sha256) has no entry; `record`
    /// stores fresh measurements in the cache.
    static func assess(_ registry: Registry, context brain: CycleContext, ids: [String]? = nil, record: Bool, latencySamples: Int) throws -> [AssessedModel] {
        var models: [AssessedModel] = []
        var rowsByEvalSet: [String: Int] = [:]  // models often share an eval set
        for id in try ids ?? registry.modelIDs() {
            do {
                let spec = try registry.spec(id)
                let champion = try registry.champion(id)
                var metrics: [String: Double] = [:]
                var archive: ModelArchive?
                var evaluatedNow = false
                var audit: [String: Double]?
                var versions: VersionList?
                if let champion {
                    let list = try registry.versions(id)
                    versions = list
                    if let cached = list.summary(champion)?.heldOut, cached.evalSha256 == spec.eval.sha256 {
                        metrics = cached.metrics
                    } else {
                        let a = try registry.archive(id, version: champion)
                        archive = a
                        let eval = try DatasetIO.load(path: registry.layout.resolve(spec.eval.path),
                                                      for: DataContract(model: a.model, owner: "the champion of \(id)"),
                                                      diagnostics: registry.diagnostics)
                        let size = try list.summary(champion)?.size ?? a.encode().count
                        metrics = try HeldOutMeasure.metrics(a.model, archiveBytes: size, on: eval, latencySamples: latencySamples)
                        evaluatedNow = true
                        if record { try registry.recordHeldOut(id, version: champion, metrics: metrics) }
                    }
                    // For the record only: nothing that decides reads `audit`.
                    if let ref = spec.audit {
                        if let cached = list.summary(champion)?.audit, cached.evalSha256 == ref.sha256 {
                            audit = cached.metrics
                        } else {
                            let a = try archive ?? registry.archive(id, version: champion)
                            audit = try HeldOutSets.auditSet(registry, spec, for: a.model, id: id).map { HeldOutSets.audit(a.model, on: $0) }
                            if record, let audit { try registry.recordAudit(id, version: champion, metrics: audit) }
                        }
                    }
                }
                let past = brain.summary.models[id] ?? ModelHistory()
                let gains = past.recentGains(TaskType.training.rawValue)
                // Recording metrics above changed no training set sha256.
                let summary = champion.flatMap { versions?.summary($0) }
                // Only a champion a cycle trained records the registry's training set; one
                // added from outside was trained on data we cannot compare with.
                let trainedByCycle = champion.map(past.cycleVersions.contains) ?? false
                let fresh = trainedByCycle && (summary.map { $0.datasetSha256 != nil && $0.datasetSha256 != spec.train.sha256 } ?? false)
                let idle = past.lastTime.map { Date().timeIntervalSince($0) }
                var rejections: [TaskType: Int] = [:]
                for type in ImprovementKinds.types { rejections[type] = past.rejections(type.rawValue) }
                let assessment = ModelAssessment(
                    id: id, task: spec.task, evalSHA256: spec.eval.sha256, championVersion: champion, metrics: metrics,
                    targets: spec.targets, constraints: spec.constraints, genome: spec.genome,
                    recentTrainingGains: Array(gains.suffix(PlanningContext.plateauLength)), freshData: fresh, idleSeconds: idle,
                    recentRejections: rejections)
                let gated = past.decisions(onEval: spec.eval.sha256)
                models.append(AssessedModel(id: id, spec: spec, championVersion: champion, champion: archive,
                                            assessment: assessment, evaluatedNow: evaluatedNow, audit: audit,
                                            evalDecisions: gated.decisions, evalPromotions: gated.promotions,
                                            evalRows: try rowsByEvalSet[spec.eval.path] ?? evalRows(registry, spec)))
                rowsByEvalSet[spec.eval.path] = models.last?.evalRows
            } catch let error as NimpError where error.kind != .ioError {
                // A damaged model is skipped; an I/O error (full disk) ends the cycle.
                registry.diagnostics.warn("\(id): skipped: \(error.message)")
            }
        }
        return models
    }
}

/// Rows of a stored eval set, from its safetensors header (no data read).
func evalRows(_ registry: Registry, _ spec: ModelSpec) throws -> Int {
    try DatasetIO.rows(path: registry.layout.resolve(spec.eval.path))
}

/// This process's resident memory, from /proc/self/status.
func residentMemoryBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kb * 1024
    }
    return 0
}
