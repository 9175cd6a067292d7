import CIntakeSystem
import Dispatch
import Glibc
public import Logging

/// The admin's configured commands (`[ledger] checkpoint_command`, `[alerts] command`): run
/// by `/bin/sh -c` with their input on standard input, without waiting; the exit status is
/// logged when it ends. (`intake serve` ignores SIGPIPE: a command that does not read its
/// input cannot stop the daemon.)
public enum ShellCommand {
    public static func start(_ command: String, input: String, logger: Logger, purpose: String) {
        var pipeFDs: [Int32] = [0, 0]
        // Close-on-exec: a command started while another's input is still being written must
        // not inherit that pipe's write end (the other command would then never see its end
        // of input, and commands started together would wait on each other for ever).
        guard intake_pipe_cloexec(&pipeFDs) == 0 else { return }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[0], 0)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[1])
        let arguments = ["/bin/sh", "-c", command]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, &argv, environ)
        close(pipeFDs[0])
        guard spawned == 0 else {
            close(pipeFDs[1])
            logger.error("\(purpose) could not start", metadata: ["errno": "\(spawned)"])
            return
        }
        let writeEnd = pipeFDs[1], child = pid
        DispatchQueue.global().async {
            try? DurableFile.writeAll(Array(input.utf8), to: writeEnd, path: purpose)
            close(writeEnd)
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
            let exit = (status >> 8) & 0xff
            if status & 0x7f != 0 || exit != 0 {
                logger.warning("\(purpose) failed", metadata: ["status": "\(status)"])
            }
        }
    }
}
