import Foundation
import NimpCore

/// A file that names a command nimp runs (a model's teacher command in model.json, the
/// scripts of a plan handed to Slurm) is code: whoever can write it runs commands as the
/// user running nimp, from cron too. Such a command runs only when the file and every
/// directory from the registry root down to it belong to that user and no group or other
/// user can write them, as ssh's StrictModes checks ~/.ssh (README, "The teacher command").
/// Root is no exception: it runs commands only from files root owns.
public enum CommandTrust {
    /// Nil when `file` may name a command; else why not, as an exit-77 error naming the
    /// file (or directory) at fault and the fix. `what` says what the command is.
    public static func problem(_ file: String, root: String, what: String) -> NimpError? {
        guard let realRoot = realPath(root) else { return NimpError(.noPermission, "\(root): cannot resolve the registry directory, so \(what) is not run") }
        guard let realFile = realPath(file) else { return NimpError(.noPermission, "\(file): cannot resolve it, so \(what) it names is not run") }
        guard realFile.hasPrefix(realRoot + "/") else {
            return NimpError(.noPermission, "\(file): is \(realFile), outside the registry \(realRoot); \(what) it names is not run",
                             hint: "keep the file inside the registry, not a symbolic link out of it")
        }
        // The file, then each directory up to and including the registry root.
        var real = realFile
        while true {
            let shown = root + String(real.dropFirst(realRoot.count))
            if let p = check(real, shown: shown, named: file, what: what) { return p }
            if real == realRoot { break }
            real = (real as NSString).deletingLastPathComponent
        }
        return nil
    }

    /// Throws `problem`'s error (exit 77), if any.
    public static func check(_ file: String, root: String, what: String) throws {
        if let p = problem(file, root: root, what: what) { throw p }
    }

    private static func check(_ path: String, shown: String, named file: String, what: String) -> NimpError? {
        var st = stat()
        guard stat(path, &st) == 0 else {
            return NimpError(.noPermission, "\(shown): cannot stat: \(String(cString: strerror(errno))); \(what) is not run")
        }
        let me = geteuid()
        let why = (shown == file ? "it names \(what)" : "it leads to \(file), which names \(what)") + ", so the command is not run"
        if st.st_uid != me {
            return NimpError(.noPermission, "\(shown): owned by \(describe(st.st_uid)), not by \(describe(me)) who runs nimp; \(why)",
                             hint: "`chown \(userName(me)) \(shown)` if only \(userName(me)) may write it, or run nimp as \(userName(st.st_uid))")
        }
        let mode = st.st_mode & 0o7777
        if mode & 0o022 != 0 {
            let who = mode & 0o020 != 0 && mode & 0o002 != 0 ? "group and others" : mode & 0o020 != 0 ? "its group" : "others"
            return NimpError(.noPermission, "\(shown): writable by \(who) (mode \(String(mode, radix: 8))); \(why)",
                             hint: "`chmod go-w \(shown)`")
        }
        return nil
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// The user's name, or the number of a uid without an entry.
    static func userName(_ uid: uid_t) -> String {
        guard let pw = getpwuid(uid), let name = pw.pointee.pw_name else { return "\(uid)" }
        return String(cString: name)
    }

    static func describe(_ uid: uid_t) -> String { "\(userName(uid)) (uid \(uid))" }
}

extension Registry {
    /// Refuses (exit 77) to run the teacher command `models/ID/model.json` names unless
    /// only the user running nimp could have written it (`CommandTrust`).
    public func checkTeacherCommand(_ id: String) throws {
        try CommandTrust.check(layout.spec(id), root: layout.root, what: "a teacher command (data.source.command)")
    }
}
