import Foundation

/// The front end's entry point (placeholder until the commands land).
public enum MHACLI {
    /// Runs the program with `arguments` (including the program name) and exits.
    public static func main(_ arguments: [String]) -> Never {
        exit(0)
    }
}
