import MHACLI

MHACLI.main(CommandLine.arguments)
