import ArgumentParser
import NimpCore
import NimpIO
import NimpRegistry

struct RegistryList: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the models: task, versions, champion and its held-out metrics.",
        discussion: """
            JSON lines (one object per model: id, task, versions, latest, champion, metrics, \
            held_out (on the eval set the gate decides on), audit (on the audit set no decision \
            reads), parameters, targets) unless stdout is a terminal. A damaged model is skipped \
            with a warning on stderr. Reads no archive: version summaries come from each model's \
            versions/index.jsonl, checked against the archive files.
            """)

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var listing: ListingOutputOptions

    func execute() throws {
        let reg = try registry.open()
        let models = try reg.list(warn: Console.warn)
        if listing.isTable {
            var table = TextTable(["MODEL", "TASK", "VERSIONS", "CHAMPION", "EVAL", "AUDIT", "PARAMS", "TARGETS"], rightAligned: [2, 6])
            for m in models {
                let primary = m.task == .regression ? ["r2", "rmse"] : ["accuracy", "log_loss"]
                let shown = { (metrics: [String: Double]?) in
                    metrics.map { h in primary.compactMap { k in h[k].map { "\(k)=\(formatMetric($0))" } }.joined(separator: " ") } ?? "-"
                }
                let targets = m.targets.sorted { $0.key < $1.key }.map { "\($0.key)=\(formatMetric($0.value))" }.joined(separator: " ")
                table.add([m.id, m.task.rawValue, String(m.versions), m.champion.map(VersionName.label) ?? "-", shown(m.heldOut), shown(m.audit),
                           m.championSummary?.parameters.map(String.init) ?? "-", targets.isEmpty ? "-" : targets])
            }
            try listing.emit(table.text)
        } else {
            try listing.emit(lines: models.map { try JSONCoding.line($0.json) })
        }
    }
}
