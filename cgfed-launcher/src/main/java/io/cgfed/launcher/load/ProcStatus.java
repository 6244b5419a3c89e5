package io.cgfed.launcher.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A process's memory as Linux accounts it ({@code /proc/<pid>/status}): resident set now (VmRSS)
 * and its high-water mark (VmHWM), which {@link #resetPeak} sets back to the current RSS so that a
 * benchmark can measure the peak of its own phase rather than of start-up.
 */
public final class ProcStatus {
    private ProcStatus() {
    }

    /** Resident and peak resident bytes; -1 where the kernel does not say. */
    public record Memory(long rssBytes, long peakRssBytes) {
    }

    public static Memory memory(long pid) {
        try {
            return parse(Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")));
        } catch (IOException e) {
            return new Memory(-1, -1);
        }
    }

    /** Parses the VmRSS and VmHWM lines ({@code VmHWM:	  123456 kB}). */
    static Memory parse(List<String> statusLines) {
        long rss = -1;
        long hwm = -1;
        for (String line : statusLines) {
            if (line.startsWith("VmRSS:")) {
                rss = kibibytes(line);
            } else if (line.startsWith("VmHWM:")) {
                hwm = kibibytes(line);
            }
        }
        return new Memory(rss, hwm);
    }

    private static long kibibytes(String line) {
        String[] parts = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        if (parts.length != 2 || !parts[1].equals("kB")) {
            throw new IllegalArgumentException("unexpected /proc status line: " + line);
        }
        return Long.parseLong(parts[0]) * 1024;
    }

    /** Resets VmHWM to the current RSS (writing 5 to clear_refs, Linux 4.0+); false if not allowed. */
    public static boolean resetPeak(long pid) {
        try {
            Files.writeString(Path.of("/proc", Long.toString(pid), "clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** CPU time the process has used so far (user + system), or null where unknown. */
    public static Duration cpu(long pid) {
        return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).orElse(null);
    }
}
