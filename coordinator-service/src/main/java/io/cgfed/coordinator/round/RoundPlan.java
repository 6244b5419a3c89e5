package io.cgfed.coordinator.round;

import io.cgfed.core.codec.Codecs;
import io.cgfed.core.protocol.ExperimentSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** What a round's plan depends on only through the spec: its clients, and whether FAF adapts the codec after it. */
public final class RoundPlan {
    private RoundPlan() {
    }

    /** FAF adaptive mode from the clients: every {@code adaptEvery} rounds the selected clients send contributions. */
    static boolean contributes(ExperimentSpec spec, int roundNo) {
        return adapts(spec, roundNo) && "clients".equals(
                io.cgfed.core.codec.cgae.CgaeSettings.of(spec.codec().settings()).adaptFrom());
    }

    /** FAF adaptive mode: whether the codec-service publishes a new codec version after this round. */
    public static boolean adapts(ExperimentSpec spec, int roundNo) {
        if (!Codecs.learned(spec.codec().name())) {
            return false;
        }
        int every = io.cgfed.core.codec.cgae.CgaeSettings.of(spec.codec().settings()).adaptEvery();
        return every > 0 && roundNo % every == 0;
    }

    /** ceil(fraction x clients) distinct clients, drawn under (seed, round) so a rerun selects the same. */
    static List<Integer> selectClients(ExperimentSpec spec, int round) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < spec.clients(); i++) {
            all.add(i);
        }
        Collections.shuffle(all, new Random(io.cgfed.core.protocol.Seeds.selection(spec.seed(), round)));
        List<Integer> chosen = new ArrayList<>(all.subList(0, spec.clientsPerRound()));
        Collections.sort(chosen);
        return chosen;
    }
}
