import Testing
@testable import MHACLI
