package io.cgfed.launcher.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcStatusTest {
    @Test
    void readsResidentAndPeakFromStatusLines() {
        List<String> lines = List.of("Name:\tjava", "VmPeak:\t 5000000 kB", "VmHWM:\t  400000 kB", "VmRSS:\t  350000 kB",
                "Threads:\t42");
        ProcStatus.Memory m = ProcStatus.parse(lines);
        assertThat(m.rssBytes()).isEqualTo(350000L * 1024);
        assertThat(m.peakRssBytes()).isEqualTo(400000L * 1024);
    }

    @Test
    void missingLinesReadAsUnknown() {
        assertThat(ProcStatus.parse(List.of("Name:\tkthreadd"))).isEqualTo(new ProcStatus.Memory(-1, -1));
    }

    @Test
    void thisProcessHasAResidentSetOnLinux() {
        ProcStatus.Memory m = ProcStatus.memory(ProcessHandle.current().pid());
        if (m.rssBytes() >= 0) { // /proc exists
            assertThat(m.peakRssBytes()).isGreaterThanOrEqualTo(m.rssBytes());
        }
    }
}
