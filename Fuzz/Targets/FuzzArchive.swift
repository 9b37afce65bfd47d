import MHACore
import MHAFormats

/// What the two archive targets share: open, list, read every array, load recognised layers.
enum FuzzArchive {
    static func exercise(_ bytes: [UInt8], name: String, format: ArchiveFormat) {
        let archive: any ArrayArchive
        do {
            archive = try ArrayArchives.open(bytes: bytes, name: name, format: format)
        } catch {
            FuzzInput.check(error)
            return
        }
        for array in archive.arrays.prefix(64) {
            FuzzInput.checkOneLine(array.printableName)
            FuzzInput.expectValueOrFormatError { try archive.matrix(named: array.name) }
        }
        if let recognised = RecognisedCheckpoint.recognise(archive.arrays.map(\.name)) {
            for layer in recognised.layers.prefix(4) {
                FuzzInput.expectValueOrFormatError {
                    try CheckpointLayer(archive: archive, layer: layer, config: nil, heads: 1)
                }
            }
        }
    }
}
