package io.cgfed.launcher.load;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Everything measured in one {@code bench-load} run, for {@link LoadBenchReport}. */
final class LoadBenchResult {
    String status;
    String failureReason;
    double loopbackTcp = Double.NaN;
    double loopbackHttp = Double.NaN;
    long coordinatorStartRss;
    boolean peakReset;
    ProcStatus.Memory coordinatorMemory;
    ProcStatus.Memory codecMemory;
    double heapMax;
    double dbPoolMax;
    double dbTimeouts = Double.NaN;
    double gcPauses = Double.NaN;
    double gcSeconds = Double.NaN;
    Map<String, Double> coordinatorPeaks = Map.of();
    Map<String, Double> codecPeaks = Map.of();
    List<String> absentGauges = List.of();
    int samplesMissed;
    Duration coordinatorCpu;
    Duration codecCpu;
    Duration selfCpu;
    /** CPU the simulated clients spent in secure aggregation's steps (keys, shares, masking, unmasking). */
    double secureClientCpuSeconds;
    List<DbRound> rounds = List.of();
    List<SimulatedFleet.Upload> uploads = List.of();
    List<SimulatedFleet.Arrival> arrivals = List.of();
    List<SimulatedFleet.Download> downloads = List.of();
    Map<String, Integer> outcomes = Map.of();
    long pollsOpenPeak;
    long payloadBytes;
    double wallSeconds;
}
