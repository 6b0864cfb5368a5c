package io.walmetrics.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's peak resident memory, as Linux counts it (VmHWM); 0 where /proc is not there. */
final class PeakMemory {

    private PeakMemory() {
    }

    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException notLinux) {
            // no figure rather than a wrong one
        }
        return 0;
    }
}
