import Foundation
import MHACore
import Testing

/// The built binary, run as a user runs it: stdout, stderr and the exit status of every
/// subcommand and every error class.
@Suite struct EndToEndTests {
    /// Usage errors: one line on stderr, exit 64, nothing on stdout.
    @Test(arguments: [
        (["run", "--head", "2"], "mha-cli: error: Unknown option '--head'. Did you mean '--heads'?\n"),
        (["rnu"], "mha-cli: error: Unknown subcommand 'rnu'. Did you mean 'run'? See 'mha-cli --help'.\n"),
        (
            ["run", "--heads", "abc"],
            "mha-cli: error: The value 'abc' is invalid for '--heads <n>': expected a positive integer\n"
        ),
        (["run", "--heads"], "mha-cli: error: Missing value for '--heads <n>'\n"),
        (["run", "--causal", "--causal"], "mha-cli: error: The option '--causal' was given more than once\n"),
        (
            ["run", "--format", "csv", "--show", "heads,output"],
            "mha-cli: error: --format csv prints one matrix, but --show names 2 parts (heads,output); name one, or write every part with .npz\n"
        ),
        (
            ["shapes", "--d-model", "768", "--heads", "5"],
            "mha-cli: error: d_model 768 is not divisible by 5 heads (768 / 5 = 153.6): each head takes d_k = d_model / τ columns unless a head width is given\n"
        ),
        (
            ["init", "--d-model", "8", "--heads", "2"],
            "mha-cli: error: Missing '--seq-len <n>': the number of tokens is required\n"
        ),
        (
            ["--generate-completion-script", "tcsh"],
            "mha-cli: error: The value 'tcsh' is invalid for '--generate-completion-script <shell>': expected one of bash, zsh, fish\n"
        ),
    ])
    func usageErrors(_ arguments: [String], _ message: String) throws {
        let outcome = try BuiltBinary.run(arguments)
        #expect(outcome.status == 64)
        #expect(outcome.stderr == message)
        #expect(outcome.stdout.isEmpty)
    }

    @Test func versionAndHelp() throws {
        let version = try BuiltBinary.run(["--version"])
        #expect(version.status == 0 && version.stdout == "0.2.0\n" && version.stderr.isEmpty)
        for arguments in [["--help"], ["help"], []] {
            let help = try BuiltBinary.run(arguments)
            #expect(help.status == 0)
            #expect(help.stdout.hasPrefix("OVERVIEW: "))
            #expect(help.stdout.contains("SUBCOMMANDS:"))
        }
        for command in ["run", "shapes", "init", "bench", "help"] {
            let long = try BuiltBinary.run([command, "--help"])
            let short = try BuiltBinary.run([command, "-h"])
            let viaHelp = try BuiltBinary.run(["help", command])
            #expect(long.status == 0 && long.stdout.contains("USAGE: mha-cli \(command)"))
            #expect(short.stdout == long.stdout && viaHelp.stdout == long.stdout)
        }
    }

    @Test func shapesTextAndJSON() throws {
        let text = try BuiltBinary.run(["shapes", "--d-model", "768", "--heads", "12"])
        #expect(text.status == 0 && text.stderr.isEmpty)
        #expect(text.stdout.hasPrefix("d_model = 768 · τ = 12 heads · d_k = 64"))
        #expect(text.stdout.contains("head_j     n × 64"))
        let json = try BuiltBinary.run(["shapes", "--heads", "8", "--head-dim", "64", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["d_model"] as? Int == 512)
        #expect(object["seq_len"] as? String == "n")
        let tensors = try #require(object["tensors"] as? [String: [Any]])
        #expect(tensors["concat"]?.first as? String == "n" && tensors["concat"]?.last as? Int == 512)
        #expect(
            Set(object.keys) == [
                "d_model", "heads", "head_dim", "value_dim", "kv_heads", "concat_dim", "seq_len", "tensors",
                "parameters", "flops",
            ])
    }

    @Test func initIsReproducibleAndSized() throws {
        let arguments = [
            "init", "--d-model", "8", "--heads", "2", "--seq-len", "3", "--kv-heads", "1", "--seed", "42", "--biases",
        ]
        let first = try BuiltBinary.run(arguments)
        let second = try BuiltBinary.run(arguments)
        let other = try BuiltBinary.run(arguments.dropLast(3) + ["--seed", "43"])
        #expect(first.status == 0 && first.stdout == second.stdout && first.stdout != other.stdout)
        let bundle = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        #expect((bundle["x"] as? [[Double]])?.count == 3)
        #expect((bundle["x"] as? [[Double]])?.first?.count == 8)
        #expect((bundle["wk"] as? [[Double]])?.first?.count == 4)
        #expect((bundle["bq"] as? [Double])?.count == 8)
        #expect(bundle["kv_heads"] as? Int == 1)
    }

    @Test func benchReportsTheDesignKeys() throws {
        let outcome = try BuiltBinary.run([
            "bench", "--seq-len", "8", "--d-model", "16", "--heads", "2", "--repeat", "3", "--format", "json",
        ])
        #expect(outcome.status == 0 && outcome.stderr.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect((object["seconds_median"] as? Double).map { $0 > 0 } == true)
        #expect((object["gflops"] as? Double).map { $0 > 0 } == true)
        let flops: Double = 8 * 8 * 16 * 16 + 4 * 8 * 8 * 16
        #expect((object["flops"] as? NSNumber)?.doubleValue == flops)
        let peak = try #require(object["peak_gflops"] as? Double)
        let share = try #require(object["share_of_peak"] as? Double)
        #expect(peak > 0 && abs(share - (object["gflops"] as? Double ?? 0) / peak) <= 1e-9 * share)
        #expect(["baseline", "avx2", "avx512"].contains(object["cpu_level"] as? String ?? ""))
        #expect((object["threads"] as? Int).map { $0 >= 1 } == true)
        let text = try BuiltBinary.run(["bench", "--seq-len", "8", "--d-model", "16", "--heads", "2", "--repeat", "1"])
        #expect(text.status == 0 && text.stdout.contains("GFLOP/s") && text.stdout.contains("peak"))
    }

    @Test func benchGemmTimesTheProjectionProduct() throws {
        let outcome = try BuiltBinary.run([
            "bench", "--gemm", "--seq-len", "20", "--d-model", "16", "--repeat", "2", "--format", "json",
        ])
        #expect(outcome.status == 0 && outcome.stderr.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(object["gemm"] as? Bool == true && object["m"] as? Int == 20 && object["k"] as? Int == 16)
        let flops: Double = 2 * 20 * 16 * 16
        #expect((object["flops"] as? NSNumber)?.doubleValue == flops)
        #expect((object["share_of_peak"] as? Double).map { $0 > 0 } == true)
    }

    /// `--keep` times the pass that keeps intermediates (named in the report); with `--gemm`
    /// it is refused, and its memory is budgeted as the kept matrices' (n² per head).
    @Test func benchKeepTimesTheKeptPath() throws {
        let outcome = try BuiltBinary.run([
            "bench", "--seq-len", "8", "--d-model", "16", "--heads", "2", "--repeat", "1", "--keep", "weights,qkv",
            "--format", "json",
        ])
        #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(outcome.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(object["options"] as? [String] == ["keep qkv,weights"])
        let text = try BuiltBinary.run([
            "bench", "--seq-len", "8", "--d-model", "16", "--heads", "2", "--keep", "scores",
        ])
        #expect(text.status == 0 && text.stdout.hasPrefix("n = 8, d_model = 16, τ = 2, keep scores, float64"))
        let gemm = try BuiltBinary.run(["bench", "--gemm", "--seq-len", "8", "--d-model", "8", "--keep", "weights"])
        #expect(gemm.status == 64)
        #expect(
            gemm.stderr
                == "mha-cli: error: --gemm times the product alone; --keep configures the forward pass (drop one)\n")
        let huge = try BuiltBinary.run([
            "bench", "--seq-len", "3000000", "--d-model", "8", "--heads", "2", "--keep", "weights",
        ])
        #expect(huge.status == 65 && huge.stderr.hasPrefix("mha-cli: error: "), "\(huge.stderr)")
    }

    /// MHA_CPU lowers the instruction set the kernels use (never above what the CPU has).
    @Test func mhaCPUChoosesTheBaseline() throws {
        let binary = try #require(BuiltBinary.url)
        var environment = ProcessInfo.processInfo.environment
        environment["MHA_CPU"] = "baseline"
        environment["MHA_THREADS"] = "1"
        let outcome = try BuiltBinary.launch(
            binary,
            [
                "bench", "--gemm", "--seq-len", "8", "--d-model", "8", "--repeat", "1",
                "--format", "json",
            ], environment: environment)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(object["cpu_level"] as? String == "baseline" && object["threads"] as? Int == 1)
    }

    /// An MHA_CPU that names no level is ignored with one warning naming the level used.
    @Test func mhaCPUWithAnUnknownNameWarns() throws {
        let binary = try #require(BuiltBinary.url)
        var environment = ProcessInfo.processInfo.environment
        environment["MHA_CPU"] = "avx9000"
        let outcome = try BuiltBinary.launch(
            binary, ["run", "-x", "-", "--weights", "identity"], stdin: "1,2\n3,4\n", environment: environment)
        #expect(outcome.status == 0)
        #expect(
            outcome.stderr
                == "mha-cli: warning: MHA_CPU=avx9000 is not a kernel level (baseline, avx2, avx512); using \(CPULevel.selected)\n"
        )
    }

    /// MHA_THREADS caps the threads at the processors there are: a huge count (even one that
    /// overflows) is the processors, never an allocation per thread or a memory refusal;
    /// anything but a positive integer is ignored with one warning.
    @Test func mhaThreadsIsCappedAndCheckedNeverTrusted() throws {
        let binary = try #require(BuiltBinary.url)
        var environment = ProcessInfo.processInfo.environment
        environment["MHA_THREADS"] = nil
        let benchArguments = [
            "bench", "--seq-len", "8", "--d-model", "8", "--heads", "2", "--repeat", "1", "--format", "json",
        ]
        let threads = { (outcome: BuiltBinary.Outcome) throws -> Int? in
            try (JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])?["threads"] as? Int
        }
        let processors = try #require(try threads(BuiltBinary.launch(binary, benchArguments, environment: environment)))
        for huge in ["9223372036854775807", "99999999999999999999", "1000000"] {
            environment["MHA_THREADS"] = huge
            let weights = try BuiltBinary.launch(
                binary, ["run", "-x", "-", "--weights", "identity", "--show", "weights", "--format", "json"],
                stdin: "1,2\n3,4\n", environment: environment)
            #expect(weights.status == 0 && weights.stderr.isEmpty, "\(huge): \(weights.stderr)")
            #expect(try threads(BuiltBinary.launch(binary, benchArguments, environment: environment)) == processors)
        }
        for bad in ["garbage", "0", "-3"] {
            environment["MHA_THREADS"] = bad
            let outcome = try BuiltBinary.launch(
                binary, ["run", "-x", "-", "--weights", "identity"], stdin: "1,2\n3,4\n", environment: environment)
            #expect(
                outcome.status == 0
                    && outcome.stderr
                        == "mha-cli: warning: MHA_THREADS=\(bad) is not a positive integer; using \(processors) threads\n",
                "\(outcome.stderr)")
        }
    }

    /// bench counts the streamed forward pass (no n × n scores): refused only when H, the
    /// weights and the engine's buffers do not fit, before any of them is allocated.
    @Test func benchTooLargeForMemoryIsRefusedFirst() throws {
        let outcome = try BuiltBinary.run([
            "bench", "--seq-len", "10000000", "--d-model", "1024", "--heads", "16", "--causal", "--repeat", "1",
        ])
        #expect(outcome.status == 65)
        #expect(outcome.stderr.hasPrefix("mha-cli: error: the benchmark needs "), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("GiB available") && outcome.stderr.split(separator: "\n").count == 1)
    }

    @Test func tooLargeForMemoryIsADataError() throws {
        let outcome = try BuiltBinary.run(["init", "--d-model", "1000000", "--heads", "1", "--seq-len", "1"])
        #expect(outcome.status == 65)
        #expect(outcome.stderr.hasPrefix("mha-cli: error: the bundle needs "))
        #expect(outcome.stderr.contains("available") && outcome.stderr.split(separator: "\n").count == 1)
    }

    @Test func completionScriptsAreGenerated() throws {
        for shell in ["bash", "zsh", "fish"] {
            let outcome = try BuiltBinary.run(["--generate-completion-script", shell])
            #expect(outcome.status == 0 && outcome.stdout.contains("mha-cli") && outcome.stdout.contains("heads"))
        }
    }
}
